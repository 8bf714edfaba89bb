// Package worker runs the pipeline's background work on asynq: OCR a page,
// assemble a document's searchable PDF, sign it. Task payloads carry IDs
// only; the catalog is the source of truth, so every handler first reads
// the row it works on and does nothing when the work is already done. A
// Reconciler re-enqueues what the queue lost (a Redis restart, a crash
// between a catalog update and an enqueue).
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task types.
const (
	TypeOCRPage  = "ocr:page"
	TypeAssemble = "document:assemble"
	TypeSign     = "document:sign"
)

// Queues. OCR gets its own queue so that a flood of pages never starves
// the short document tasks that turn finished OCR into signed PDFs.
const (
	QueueOCR       = "ocr"
	QueueDocuments = "documents"
)

type payload struct {
	ID string `json:"id"`
}

// Queue enqueues pipeline tasks. Each task's asynq TaskID is derived from
// its kind and the catalog ID, so enqueuing the same work twice while the
// first is still queued is a no-op.
type Queue struct {
	client *asynq.Client
}

// NewQueue returns a Queue on the given asynq client.
func NewQueue(c *asynq.Client) *Queue { return &Queue{client: c} }

// EnqueueOCR queues OCR of one page.
func (q *Queue) EnqueueOCR(ctx context.Context, pageID string) error {
	return q.enqueue(ctx, TypeOCRPage, QueueOCR, pageID, 5, 10*time.Minute)
}

// EnqueueAssemble queues assembly of a document's searchable PDF.
func (q *Queue) EnqueueAssemble(ctx context.Context, docID string) error {
	return q.enqueue(ctx, TypeAssemble, QueueDocuments, docID, 5, 30*time.Minute)
}

// EnqueueSign queues signing of an assembled document.
func (q *Queue) EnqueueSign(ctx context.Context, docID string) error {
	return q.enqueue(ctx, TypeSign, QueueDocuments, docID, 5, 10*time.Minute)
}

func (q *Queue) enqueue(ctx context.Context, typ, queue, id string, retries int, timeout time.Duration) error {
	b, err := json.Marshal(payload{ID: id})
	if err != nil {
		return err
	}
	_, err = q.client.EnqueueContext(ctx, asynq.NewTask(typ, b),
		asynq.Queue(queue),
		asynq.TaskID(typ+":"+id),
		asynq.MaxRetry(retries),
		asynq.Timeout(timeout),
	)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil // already queued: idempotent
	}
	if err != nil {
		return fmt.Errorf("enqueue %s %s: %w", typ, id, err)
	}
	return nil
}

func parseID(t *asynq.Task) (string, error) {
	var p payload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ID == "" {
		return "", fmt.Errorf("task %s: bad payload %q: %v: %w", t.Type(), t.Payload(), err, asynq.SkipRetry)
	}
	return p.ID, nil
}

// lastAttempt reports whether the running task will not be retried after
// this attempt, so a handler can record a permanent failure in the catalog.
func lastAttempt(ctx context.Context) bool {
	n, ok1 := asynq.GetRetryCount(ctx)
	max, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && n >= max
}
