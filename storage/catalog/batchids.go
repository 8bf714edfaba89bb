package catalog

import "context"

// BatchIDs lists every batch's ID, for audits that walk the whole catalog.
func (db *DB) BatchIDs(ctx context.Context) ([]string, error) {
	return db.strings(ctx, `SELECT id FROM batches ORDER BY id`)
}
