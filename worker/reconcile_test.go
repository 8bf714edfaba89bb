package worker

import (
	"context"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

// The reconciler queues, from the catalog alone, every piece of work that
// is not finished, once: a second pass while the tasks wait adds nothing.
func TestReconcilerRequeuesFromCatalog(t *testing.T) {
	ctx := context.Background()
	redis := asynq.RedisClientOpt{Addr: servicetest.Redis(t)}
	db, err := catalog.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.EnsureBatch(ctx, "b1", "batch"); err != nil {
		t.Fatal(err)
	}
	page := func(id string, seq int) catalog.Page {
		return catalog.Page{ID: id, Seq: seq, BlobKey: "k/" + id, SHA256: "00", Format: "png", Width: 1, Height: 1, DPI: 200}
	}
	// d1: two pages waiting for OCR. d2: OCR done, waiting to be assembled.
	// d3: a failed page: nothing to do.
	mustCreate := func(id string, pages ...catalog.Page) {
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: "b1", SourceName: id}, pages); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate("d1", page("d1-p1", 1), page("d1-p2", 2))
	mustCreate("d2", page("d2-p1", 1))
	if ready, err := db.MarkPageOCRed(ctx, "d2-p1", 10, 90, "ocr/d2-p1.json"); err != nil || !ready {
		t.Fatalf("MarkPageOCRed = %v, %v", ready, err)
	}
	failed := page("d3-p1", 1)
	failed.Status, failed.Error = catalog.PageFailed, "corrupt"
	mustCreate("d3", failed)

	client := asynq.NewClient(redis)
	defer client.Close()
	r := &Reconciler{Catalog: db, Queue: NewQueue(client)}
	for pass := 1; pass <= 2; pass++ {
		if _, err := r.Once(ctx); err != nil {
			t.Fatal(err)
		}
		insp := asynq.NewInspector(redis)
		got := map[string][]string{}
		for _, q := range []string{QueueOCR, QueueDocuments} {
			tasks, err := insp.ListPendingTasks(q)
			if err != nil {
				t.Fatal(err)
			}
			for _, task := range tasks {
				got[q] = append(got[q], task.ID)
			}
			sort.Strings(got[q])
		}
		insp.Close()
		want := map[string][]string{
			QueueOCR:       {TypeOCRPage + ":d1-p1", TypeOCRPage + ":d1-p2"},
			QueueDocuments: {TypeAssemble + ":d2"},
		}
		for q := range want {
			if len(got[q]) != len(want[q]) {
				t.Fatalf("pass %d: queue %s holds %v, want %v", pass, q, got[q], want[q])
			}
			for i := range want[q] {
				if got[q][i] != want[q][i] {
					t.Fatalf("pass %d: queue %s holds %v, want %v", pass, q, got[q], want[q])
				}
			}
		}
	}
}
