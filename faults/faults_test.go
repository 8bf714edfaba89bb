package faults

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// midBatch waits until part of the batch's pages are OCR'd, then returns.
func midBatch(t *testing.T, db *catalog.DB, batch string, n int) catalog.Progress {
	return waitProgress(t, db, batch, 3*time.Minute, func(p catalog.Progress) bool { return p.PagesOCRed >= n/5 })
}

func TestKillWorker(t *testing.T) {
	n := pageCount(t)
	c := newCluster(t)
	db := c.catalog()
	batch := c.ingest(writePages(t, n), "kill-worker")
	p := midBatch(t, db, batch, n)
	w := c.workers[0]
	w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
	t.Logf("killed the worker (kill -9) at %d/%d pages OCR'd, %d documents signed", p.PagesOCRed, n, p.DocumentsSigned)
	c.startWorker()
	c.verify(db, batch, n, 5*time.Minute)
	// The killed worker's temporary directory (files of the documents it
	// was assembling and signing) was swept by the new one: only the new
	// one's is left.
	tmp := filepath.Join(c.dir, "worker", "tmp")
	es, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || !strings.HasPrefix(es[0].Name(), "p-") {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Errorf("%s after the kill and a restart holds %v; want the live worker's directory only", tmp, names)
	}
}

func TestRedisWiped(t *testing.T) {
	n := pageCount(t)
	c := newCluster(t)
	db := c.catalog()
	batch := c.ingest(writePages(t, n), "redis-wiped")
	p := midBatch(t, db, batch, n)
	c.redis.kill()
	t.Logf("killed Redis at %d/%d pages OCR'd; restarting it empty", p.PagesOCRed, n)
	c.startRedis()
	// The reconciler re-enqueues from the catalog what the queue lost.
	c.verify(db, batch, n, 5*time.Minute)
}

func TestMinIOUnreachable(t *testing.T) {
	n := pageCount(t)
	c := newCluster(t)
	db := c.catalog()
	batch := c.ingest(writePages(t, n), "minio-down")
	p := midBatch(t, db, batch, n)
	c.minio.kill()
	t.Logf("killed MinIO at %d/%d pages OCR'd; unreachable for 30 s", p.PagesOCRed, n)
	time.Sleep(30 * time.Second)
	c.startMinIO() // same port, same data directory
	c.verify(db, batch, n, 6*time.Minute)
}
