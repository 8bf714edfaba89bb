package catalog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIKey is a bearer token's record. The secret itself is never stored:
// only its SHA-256 (a random 256-bit secret needs no slow hash).
type APIKey struct {
	ID       string
	Name     string   // who or what holds it
	Scopes   []string // e.g. archivist, clerk, system, auditor
	OfficeID string   // the office the holder works for
	// Offices are further offices whose records the holder may see;
	// "*" grants every office.
	Offices   []string
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key is active
}

// tokenPrefix starts every token, so that leaked tokens are easy to find.
const tokenPrefix = "sohoa_"

// CreateAPIKey stores a new key and returns its token, shown only now:
// "sohoa_<id>_<secret>".
func (db *DB) CreateAPIKey(ctx context.Context, k APIKey) (token string, out APIKey, err error) {
	if len(k.Scopes) == 0 {
		return "", k, fmt.Errorf("catalog: create api key: cần ít nhất một phạm vi / at least one scope is required")
	}
	for _, s := range append(append([]string(nil), k.Scopes...), k.Offices...) {
		if strings.ContainsAny(s, ", ") || s == "" {
			return "", k, fmt.Errorf("catalog: create api key: %q chứa dấu phẩy hoặc khoảng trắng / contains a comma or space", s)
		}
	}
	var secret [32]byte
	rand.Read(secret[:])
	k.ID = newID("")
	k.CreatedAt = now()
	k.RevokedAt = time.Time{}
	sec := base64.RawURLEncoding.EncodeToString(secret[:])
	sum := sha256.Sum256([]byte(sec))
	_, err = db.w.ExecContext(ctx, `INSERT INTO api_keys (id, name, secret_sha256, scopes, office_id, offices, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.ID, k.Name, hex.EncodeToString(sum[:]), strings.Join(k.Scopes, ","), k.OfficeID, strings.Join(k.Offices, ","), db.ts(k.CreatedAt))
	if err != nil {
		return "", k, fmt.Errorf("catalog: create api key: %w", err)
	}
	return tokenPrefix + k.ID + "_" + sec, k, nil
}

const apiKeyColumns = `id, name, secret_sha256, scopes, office_id, offices, created_at, revoked_at`

func scanAPIKey(s scanner) (APIKey, string, error) {
	var k APIKey
	var sum, scopes, offices string
	var revoked sql.Null[any]
	err := s.Scan(&k.ID, &k.Name, &sum, &scopes, &k.OfficeID, &offices, timeScanner{&k.CreatedAt}, &revoked)
	if err == nil && revoked.Valid {
		err = timeScanner{&k.RevokedAt}.Scan(revoked.V)
	}
	k.Scopes = splitList(scopes)
	k.Offices = splitList(offices)
	return k, sum, err
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// APIKeyByToken returns the active key whose token this is; an unknown,
// malformed or revoked token gives ErrNotFound.
func (db *DB) APIKeyByToken(ctx context.Context, token string) (APIKey, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	id, sec, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || id == "" || sec == "" {
		return APIKey{}, fmt.Errorf("catalog: api key: %w", ErrNotFound)
	}
	k, sum, err := scanAPIKey(db.r.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, fmt.Errorf("catalog: api key: %w", ErrNotFound)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("catalog: api key %s: %w", id, err)
	}
	got := sha256.Sum256([]byte(sec))
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(got[:])), []byte(sum)) != 1 || !k.RevokedAt.IsZero() {
		return APIKey{}, fmt.Errorf("catalog: api key %s: %w", id, ErrNotFound)
	}
	return k, nil
}

// RevokeAPIKey revokes a key; revoking it again does nothing.
func (db *DB) RevokeAPIKey(ctx context.Context, id string) error {
	res, err := db.w.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, db.ts(now()))
	if err != nil {
		return fmt.Errorf("catalog: revoke api key %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		if err := db.w.QueryRowContext(ctx, `SELECT 1 FROM api_keys WHERE id = $1`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("catalog: revoke api key %s: %w", id, ErrNotFound)
		}
	}
	return nil
}

// APIKeys lists every key, active or revoked, by creation time.
func (db *DB) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("catalog: api keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, _, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("catalog: api keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
