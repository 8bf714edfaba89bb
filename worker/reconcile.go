package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Reconciler re-enqueues work that the catalog says is unfinished but that
// the queue may have lost. Enqueuing is idempotent (task IDs), so work that
// is still queued is not duplicated, and handlers skip work already done.
type Reconciler struct {
	Catalog Catalog
	Queue   *Queue
	// Grace is how long a catalog row must have been untouched before its
	// work counts as lost; it keeps the reconciler from racing a fresh enqueue.
	Grace time.Duration
	Batch int // rows of each kind per pass; 0 = 1000
	Log   *slog.Logger
}

// Once runs one reconciliation pass and returns how many tasks it enqueued.
func (r *Reconciler) Once(ctx context.Context) (int, error) {
	limit := r.Batch
	if limit <= 0 {
		limit = 1000
	}
	work, err := r.Catalog.Unfinished(ctx, time.Now().Add(-r.Grace), limit)
	if err != nil {
		return 0, fmt.Errorf("reconcile: %w", err)
	}
	for _, w := range work {
		var err error
		switch w.Kind {
		case catalog.WorkOCRPage:
			err = r.Queue.EnqueueOCR(ctx, w.ID)
		case catalog.WorkAssemble:
			err = r.Queue.EnqueueAssemble(ctx, w.ID)
		case catalog.WorkSign:
			err = r.Queue.EnqueueSign(ctx, w.ID)
		default:
			err = fmt.Errorf("unknown work kind %q", w.Kind)
		}
		if err != nil {
			return 0, fmt.Errorf("reconcile %s %s: %w", w.Kind, w.ID, err)
		}
	}
	return len(work), nil
}

// Run reconciles at once and then every interval until ctx is done.
func (r *Reconciler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := r.Once(ctx)
		log := r.Log
		if log == nil {
			log = slog.Default()
		}
		if err != nil && ctx.Err() == nil {
			log.Error("reconcile", "err", err)
		} else if n > 0 {
			log.Info("reconcile: re-enqueued unfinished work", "tasks", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
