// Package metrics exposes sohoa's Prometheus metrics: pages ingested,
// recognised and failed, time per OCR'd page, signing and assembly time,
// queue depth and latency per queue, storage errors by kind.
//
// A Metrics has its own registry, so that several systems can run in one
// process (tests) without clashing on the global one.
package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sohoa-vn/sohoa/storage"
)

// Metrics holds the collectors. The methods of a nil *Metrics do nothing.
type Metrics struct {
	reg *prometheus.Registry

	PagesIngested   prometheus.Counter
	PagesOCRed      prometheus.Counter
	PagesFailed     prometheus.Counter
	DocumentsSigned prometheus.Counter
	OCRSeconds      prometheus.Histogram
	AssembleSeconds prometheus.Histogram
	SignSeconds     prometheus.Histogram
	StorageErrors   *prometheus.CounterVec
}

// New makes the metrics, registered with a new registry along with the Go
// runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		PagesIngested: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sohoa_pages_ingested_total", Help: "Pages taken in and stored."}),
		PagesOCRed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sohoa_pages_ocred_total", Help: "Pages recognised."}),
		PagesFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sohoa_pages_failed_total", Help: "Pages that failed (bad input or OCR failure)."}),
		DocumentsSigned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sohoa_documents_signed_total", Help: "Documents signed."}),
		OCRSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "sohoa_ocr_seconds", Help: "Time to recognise one page.",
			Buckets: []float64{0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 20, 40}}),
		AssembleSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "sohoa_assemble_seconds", Help: "Time to assemble a document's searchable PDF.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12)}),
		SignSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "sohoa_sign_seconds", Help: "Time to sign a document, storage included.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}),
		StorageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sohoa_storage_errors_total", Help: "Blob storage errors by operation and kind."},
			[]string{"op", "kind"}),
	}
	m.reg.MustRegister(m.PagesIngested, m.PagesOCRed, m.PagesFailed, m.DocumentsSigned,
		m.OCRSeconds, m.AssembleSeconds, m.SignSeconds, m.StorageErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Register adds a collector, e.g. a QueueCollector.
func (m *Metrics) Register(c prometheus.Collector) error { return m.reg.Register(c) }

// The event methods below do nothing on a nil *Metrics, so code can
// record events without checking whether metrics are on.

// PageIngested counts a page taken in and stored.
func (m *Metrics) PageIngested() {
	if m != nil {
		m.PagesIngested.Inc()
	}
}

// PageOCRed counts a recognised page and the time it took.
func (m *Metrics) PageOCRed(took time.Duration) {
	if m != nil {
		m.PagesOCRed.Inc()
		m.OCRSeconds.Observe(took.Seconds())
	}
}

// PageFailed counts a page that failed for good.
func (m *Metrics) PageFailed() {
	if m != nil {
		m.PagesFailed.Inc()
	}
}

// Assembled records the time a document's PDF took to assemble.
func (m *Metrics) Assembled(took time.Duration) {
	if m != nil {
		m.AssembleSeconds.Observe(took.Seconds())
	}
}

// Signed counts a signed document and the time signing took.
func (m *Metrics) Signed(took time.Duration) {
	if m != nil {
		m.DocumentsSigned.Inc()
		m.SignSeconds.Observe(took.Seconds())
	}
}

// Store wraps s so that its errors are counted by operation and kind.
func (m *Metrics) Store(s storage.Store) storage.Store {
	if m == nil {
		return s
	}
	return countingStore{s, m.StorageErrors}
}

type countingStore struct {
	storage.Store
	errs *prometheus.CounterVec
}

func (c countingStore) count(op string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, storage.ErrNotFound):
		c.errs.WithLabelValues(op, "not_found").Inc()
	case errors.Is(err, storage.ErrCorrupt):
		c.errs.WithLabelValues(op, "corrupt").Inc()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		c.errs.WithLabelValues(op, "canceled").Inc()
	default:
		c.errs.WithLabelValues(op, "other").Inc()
	}
}

func (c countingStore) Put(ctx context.Context, key string, r io.Reader, size int64) (storage.Info, error) {
	info, err := c.Store.Put(ctx, key, r, size)
	c.count("put", err)
	return info, err
}

func (c countingStore) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	rc, info, err := c.Store.Get(ctx, key)
	c.count("get", err)
	if err != nil {
		return rc, info, err
	}
	return &countingReader{rc, c}, info, nil
}

func (c countingStore) Stat(ctx context.Context, key string) (storage.Info, error) {
	info, err := c.Store.Stat(ctx, key)
	c.count("stat", err)
	return info, err
}

// Unwrap returns the store being counted, for callers that need what only
// the backend offers (the API's ranged reads straight from MinIO).
func (c countingStore) Unwrap() storage.Store { return c.Store }

func (c countingStore) Delete(ctx context.Context, key string) error {
	err := c.Store.Delete(ctx, key)
	c.count("delete", err)
	return err
}

// countingReader counts a checksum mismatch found at the end of a read.
type countingReader struct {
	io.ReadCloser
	c countingStore
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		r.c.count("read", err)
	}
	return n, err
}

// QueueCollector reports, per asynq queue, the number of tasks in each
// state and the latency of the oldest pending task.
type QueueCollector struct {
	Inspector *asynq.Inspector
	size      *prometheus.Desc
	latency   *prometheus.Desc
	processed *prometheus.Desc
	failed    *prometheus.Desc
}

// NewQueueCollector reports on the queues insp sees.
func NewQueueCollector(insp *asynq.Inspector) *QueueCollector {
	return &QueueCollector{
		Inspector: insp,
		size: prometheus.NewDesc("sohoa_queue_tasks", "Tasks in a queue by state.",
			[]string{"queue", "state"}, nil),
		latency: prometheus.NewDesc("sohoa_queue_latency_seconds", "Age of the oldest pending task.",
			[]string{"queue"}, nil),
		processed: prometheus.NewDesc("sohoa_queue_processed_total", "Tasks processed (asynq's count).",
			[]string{"queue"}, nil),
		failed: prometheus.NewDesc("sohoa_queue_failed_total", "Task attempts failed (asynq's count).",
			[]string{"queue"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (q *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- q.size
	ch <- q.latency
	ch <- q.processed
	ch <- q.failed
}

// Collect implements prometheus.Collector.
func (q *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	queues, err := q.Inspector.Queues()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(q.size, err)
		return
	}
	for _, name := range queues {
		info, err := q.Inspector.GetQueueInfo(name)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(q.size, err)
			continue
		}
		for state, n := range map[string]int{
			"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed,
		} {
			ch <- prometheus.MustNewConstMetric(q.size, prometheus.GaugeValue, float64(n), name, state)
		}
		ch <- prometheus.MustNewConstMetric(q.latency, prometheus.GaugeValue, info.Latency.Seconds(), name)
		ch <- prometheus.MustNewConstMetric(q.processed, prometheus.CounterValue, float64(info.ProcessedTotal), name)
		ch <- prometheus.MustNewConstMetric(q.failed, prometheus.CounterValue, float64(info.FailedTotal), name)
	}
}
