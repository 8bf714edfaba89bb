package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"

	"github.com/sohoa-vn/sohoa/aip"
	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/fixity"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/metrics"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/ocr/vncorrect"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/sign/pkcs11key"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
	"github.com/sohoa-vn/sohoa/storage/s3store"
	"github.com/sohoa-vn/sohoa/web"
	"github.com/sohoa-vn/sohoa/webhook"
	"github.com/sohoa-vn/sohoa/worker"
)

// loadConfig reads the server's configuration (package config) and checks
// the values only their consumers can judge (a rate, a retention period, a
// webhook key, the QC flags), so that any unusable value stops start-up
// before anything runs, with a message naming the variable.
func loadConfig() (config.Config, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, err
	}
	return cfg, checkConfig(cfg)
}

func checkConfig(cfg config.Config) error {
	var errs []error
	if _, err := sign.ParseLevel(cfg.SignLevel); err != nil {
		errs = append(errs, config.Invalid("SOHOA_SIGN_LEVEL", cfg.SignLevel, "cần B-B, B-T, B-LT hoặc B-LTA", "want B-B, B-T, B-LT or B-LTA", err))
	} else if cfg.SignLevel != "B-B" && cfg.TSAURL == "" {
		errs = append(errs, &config.Error{Var: "SOHOA_SIGN_LEVEL", Value: cfg.SignLevel,
			VI: "mức này cần SOHOA_TSA_URL", EN: "this level needs SOHOA_TSA_URL"})
	}
	if _, err := worker.ParseQCHold(cfg.QCHold); err != nil {
		flags := strings.Join(worker.QCFlags, ", ")
		errs = append(errs, config.Invalid("SOHOA_QC_HOLD", cfg.QCHold, "cần all, none hoặc danh sách cờ trong "+flags, "want all, none or a list of flags among "+flags, err))
	}
	for _, r := range []struct{ name, v string }{{"SOHOA_RATE_VERIFY", cfg.RateVerify}, {"SOHOA_RATE_AUTH_FAIL", cfg.RateAuthFail}} {
		if _, err := api.ParseRateLimit(r.v); err != nil {
			errs = append(errs, config.Invalid(r.name, r.v, "cần N/s, N/m hoặc N/h, như 30/m", "want N/s, N/m or N/h, such as 30/m", err))
		}
	}
	if cfg.RetentionMode == "" && cfg.RetentionPeriod != "" {
		errs = append(errs, &config.Error{Var: "SOHOA_S3_RETENTION_PERIOD", Value: cfg.RetentionPeriod,
			VI: "cần cả SOHOA_S3_RETENTION_MODE (GOVERNANCE hoặc COMPLIANCE)", EN: "needs SOHOA_S3_RETENTION_MODE too (GOVERNANCE or COMPLIANCE)"})
	}
	if cfg.RetentionMode != "" {
		if _, err := s3store.ParseRetention(cfg.RetentionMode, cfg.RetentionPeriod); err != nil {
			errs = append(errs, config.Invalid("SOHOA_S3_RETENTION_PERIOD", cfg.RetentionPeriod, "cần một thời hạn như 3650d hoặc 87600h", "want a period such as 3650d or 87600h", err))
		}
	}
	if cfg.WebhookKey != "" {
		if _, err := webhook.ParseKey(cfg.WebhookKey); err != nil {
			errs = append(errs, config.Invalid("SOHOA_WEBHOOK_KEY", "", "cần 64 chữ số hex hoặc base64 của 32 byte", "want 64 hex digits or base64 of 32 bytes", err))
		}
	}
	if _, err := webhook.ParseAllow(cfg.WebhookAllow); err != nil {
		errs = append(errs, config.Invalid("SOHOA_WEBHOOK_ALLOW", cfg.WebhookAllow, "cần các địa chỉ IP hoặc dải CIDR cách nhau bởi dấu phẩy", "want IP addresses or CIDRs separated by commas", err))
	}
	if _, err := api.ParseProxies(cfg.TrustedProxies); err != nil {
		errs = append(errs, config.Invalid("SOHOA_TRUSTED_PROXIES", cfg.TrustedProxies, "cần các địa chỉ IP hoặc dải CIDR cách nhau bởi dấu phẩy", "want IP addresses or CIDRs separated by commas", err))
	}
	if cfg.RedisURL != "" {
		if _, err := asynq.ParseRedisURI(cfg.RedisURL); err != nil {
			errs = append(errs, config.Invalid("SOHOA_REDIS_URL", cfg.RedisURL, "cần một URL Redis như redis://host:6379/0", "want a Redis URL such as redis://host:6379/0", err))
		}
	}
	return errors.Join(errs...)
}

// s3Config is the object store's configuration from the SOHOA_S3_* variables.
func s3Config(c config.S3) s3store.Config {
	return s3store.Config{Endpoint: c.Endpoint, AccessKey: c.AccessKey, SecretKey: c.SecretKey,
		Bucket: c.Bucket, Region: c.Region, UseSSL: c.UseSSL}
}

// system is a running sohoa: catalog, storage, queue, and the API and/or
// workers its role asks for.
type system struct {
	cfg       config.Config
	log       *slog.Logger
	catalog   *catalog.DB
	store     storage.Store
	miniredis *miniredis.Miniredis
	redis     asynq.RedisConnOpt
	client    *asynq.Client
	queue     *worker.Queue
	server    *asynq.Server
	ocr       worker.Recognizer
	ocrPool   *ocr.Pool // nil with the benchmark engine
	// What the configuration built, kept for the tests that prove each
	// variable changes behaviour: the workers' handlers and reconciler,
	// the certified-copy service.
	handlers   *worker.Handlers
	reconciler *worker.Reconciler
	certify    *certify.Service
	lister     fixity.Lister // the store's listing, for fixity audits
	metrics    *metrics.Metrics
	inspector  *asynq.Inspector
	http       *http.Server
	probe      *http.Server // /metrics and probes
	probeAddr  string
	// adminToken is the bootstrap key's token when this start created it.
	adminToken string
	closers    []io.Closer // signing tokens
	listener   net.Listener
	tmp        string // this process's temporary directory (fixity.ProcessTemp)
	releaseTmp func()
	cancel     context.CancelFunc
	done       chan struct{}
}

// issuersAllowPrivate lets the SOHOA_FETCH_ISSUERS fetcher connect to
// loopback and private addresses, which it refuses in production (a URL in a
// certificate is the signer's choice). Only tests set it, to serve a CA
// Issuers URL from a local server.
var issuersAllowPrivate bool

// URL is where the API listens.
func (s *system) URL() string {
	if s.cfg.TLSCert != "" && s.cfg.TLSKey != "" {
		return "https://" + s.listener.Addr().String()
	}
	return "http://" + s.listener.Addr().String()
}

func startSystem(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *system, err error) {
	s := &system{cfg: cfg, log: log, done: make(chan struct{}), metrics: metrics.New()}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	// The data directory holds citizens' documents, OCR text and IDs:
	// only the server's user may enter it (an older one is tightened).
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(cfg.DataDir, "catalog.db")
	}
	if s.catalog, err = catalog.Open(ctx, dbURL); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	s.store, s.lister, err = openStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	s.store = s.metrics.Store(s.store)
	if err := s.cleanUp(ctx); err != nil {
		return nil, err
	}
	if cfg.RedisURL != "" {
		if s.redis, err = asynq.ParseRedisURI(cfg.RedisURL); err != nil {
			return nil, fmt.Errorf("SOHOA_REDIS_URL: %w", err)
		}
	} else {
		// Embedded default: the same asynq code on an in-process
		// Redis-compatible server. It keeps nothing across restarts; the
		// reconciler re-enqueues unfinished work from the catalog.
		if s.miniredis, err = miniredis.Run(); err != nil {
			return nil, fmt.Errorf("embedded queue: %w", err)
		}
		s.redis = asynq.RedisClientOpt{Addr: s.miniredis.Addr()}
	}
	s.client = asynq.NewClient(s.redis)
	s.queue = worker.NewQueue(s.client)
	s.inspector = asynq.NewInspector(s.redis)
	if err := s.metrics.Register(metrics.NewQueueCollector(s.inspector)); err != nil {
		return nil, err
	}

	if err := s.startProbes(); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	if cfg.Role == "all" || cfg.Role == "worker" {
		if err := s.startWorkers(runCtx); err != nil {
			return nil, err
		}
	}
	if cfg.Role == "all" || cfg.Role == "api" {
		if err := s.startAPI(runCtx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *system) startWorkers(ctx context.Context) error {
	id, err := s.identity()
	if err != nil {
		return err
	}
	level, err := sign.ParseLevel(s.cfg.SignLevel)
	if err != nil {
		return fmt.Errorf("SOHOA_SIGN_LEVEL: %w", err)
	}
	if level != sign.LevelBB && s.cfg.TSAURL == "" {
		return fmt.Errorf("SOHOA_SIGN_LEVEL=%s needs SOHOA_TSA_URL / mức %s cần SOHOA_TSA_URL", level, level)
	}
	switch s.cfg.OCREngine {
	case "tesseract", "":
		// Tone marks restored from context: it lowered CER on held-out
		// pages (ocr package documentation).
		if s.ocrPool, err = ocr.NewPool(ocr.Config{Languages: s.cfg.Languages, Workers: s.cfg.Workers,
			TessdataPrefix: s.cfg.Tessdata, Preprocess: ocr.DefaultPreprocess(), Corrector: vncorrect.Marks()}); err != nil {
			return err
		}
		s.ocr = s.ocrPool
	case "benchmark":
		s.log.Warn("SOHOA_OCR_ENGINE=benchmark: pages are NOT recognised; every page gets a fixed text (benchmarks and fault tests only)")
		s.ocr = ocr.BenchmarkEngine{}
	default:
		return fmt.Errorf("SOHOA_OCR_ENGINE=%q: want tesseract or benchmark", s.cfg.OCREngine)
	}
	hold, err := worker.ParseQCHold(s.cfg.QCHold)
	if err != nil {
		return fmt.Errorf("SOHOA_QC_HOLD: %w", err)
	}
	h := &worker.Handlers{
		Catalog: s.catalog, Store: s.store, OCR: s.ocr, Queue: s.queue, Log: s.log, Metrics: s.metrics,
		QC:      worker.QCPolicy{Hold: hold, MaxSkew: s.cfg.QCMaxSkew},
		TempDir: s.tmp,
		Sign: func(ctx context.Context, in, out string) error {
			opt := sign.Options{
				Name:   s.cfg.SignerName,
				Reason: "Số hóa tài liệu / Digitized document",
				Level:  level,
				TSAURL: s.cfg.TSAURL,
			}
			if s.cfg.SignVisible {
				opt.Appearance = &sign.Appearance{Organisation: s.cfg.SignOrg}
			}
			return sign.SignFile(ctx, in, out, id, opt)
		},
	}
	s.handlers = h
	sealer, err := s.webhookSealer()
	if err != nil {
		return err
	}
	mux := asynq.NewServeMux()
	h.Register(mux)
	guard, err := s.webhookGuard()
	if err != nil {
		return err
	}
	mux.Handle(webhook.TypeDeliver, &webhook.Handler{DB: s.catalog, Sealer: sealer, Guard: guard, Log: s.log})
	s.server = asynq.NewServer(s.redis, asynq.Config{
		Concurrency:       s.cfg.Workers,
		Queues:            map[string]int{worker.QueueDocuments: 2, worker.QueueOCR: 1, webhook.Queue: 1},
		TaskCheckInterval: s.cfg.TaskCheck,
		// Webhook deliveries back off exponentially; other tasks keep asynq's default.
		RetryDelayFunc: webhook.RetryDelay(webhook.DefaultBackoff, nil),
		Logger:         asynqLogger{s.log},
		LogLevel:       asynq.WarnLevel,
	})
	if err := s.server.Start(mux); err != nil {
		return fmt.Errorf("workers: %w", err)
	}
	rec := &worker.Reconciler{Catalog: s.catalog, Queue: s.queue, Grace: s.cfg.ReconcileGrace, Log: s.log}
	s.reconciler = rec
	disp := &webhook.Dispatcher{DB: s.catalog, Client: s.client}
	go func() {
		// Close waits for this goroutine once the server runs.
		defer close(s.done)
		// The queue may be new (embedded, or a wiped Redis): queue everything
		// unfinished at once, then keep checking.
		if _, err := (&worker.Reconciler{Catalog: s.catalog, Queue: s.queue, Log: s.log}).Once(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("reconcile at start", "err", err)
		}
		rec.Run(ctx, s.cfg.ReconcileInterval)
	}()
	if s.cfg.FixityInterval > 0 {
		// Only one process of a deployment should set SOHOA_FIXITY_INTERVAL.
		chk := &fixity.Checker{Catalog: s.catalog, Store: s.store, Lister: s.lister, Log: s.log}
		sw := &fixity.Sweeper{Checker: chk, Grace: time.Hour}
		go chk.Run(ctx, s.cfg.FixityInterval, func(ctx context.Context) ([]string, error) {
			// Orphans seen an hour apart go first: the audit then reports none of them.
			ids, err := s.catalog.BatchIDs(ctx)
			if err == nil {
				_, _, err = sw.Sweep(ctx, ids)
			}
			return ids, err
		}, fixity.Options{Orphans: true, Rehash: true})
	}
	go func() {
		// Events whose process died before emitting them are found in the
		// audit log; deliveries recorded but lost by the queue are queued again.
		t := time.NewTicker(s.cfg.ReconcileInterval)
		defer t.Stop()
		for {
			if n, err := disp.CatchUp(ctx, s.catalog); err != nil && ctx.Err() == nil {
				s.log.Error("webhooks: catch up with the audit log", "err", err)
			} else if n > 0 {
				s.log.Info("webhooks: events from the audit log", "count", n)
			}
			if _, err := disp.Requeue(ctx, s.catalog, 10*time.Minute); err != nil && ctx.Err() == nil {
				s.log.Error("webhooks: requeue", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// webhookSealer encrypts webhook secrets at rest with SOHOA_WEBHOOK_KEY
// (32 bytes, hex or base64; the API and the workers must share it), or
// with a key kept in the data directory for a single server.
func (s *system) webhookSealer() (*webhook.Sealer, error) {
	var key []byte
	var err error
	if k := s.cfg.WebhookKey; k != "" {
		key, err = webhook.ParseKey(k)
	} else {
		key, err = webhook.LoadOrCreateKey(filepath.Join(s.cfg.DataDir, "webhook-key"))
	}
	if err != nil {
		return nil, fmt.Errorf("webhook key: %w", err)
	}
	return webhook.NewSealer(key)
}

// webhookGuard keeps webhooks off internal addresses except those the
// operator lists in SOHOA_WEBHOOK_ALLOW (IPs and CIDR prefixes,
// comma-separated), and off the API's own address (SOHOA_ADDR) always.
func (s *system) webhookGuard() (*webhook.Guard, error) {
	allow, err := webhook.ParseAllow(s.cfg.WebhookAllow)
	if err != nil {
		return nil, fmt.Errorf("SOHOA_WEBHOOK_ALLOW: %w", err)
	}
	g := &webhook.Guard{Allow: allow}
	if host, port, err := net.SplitHostPort(s.cfg.Addr); err == nil {
		if host == "" || host == "localhost" {
			host = "0.0.0.0"
		}
		if ap, err := netip.ParseAddrPort(net.JoinHostPort(host, port)); err == nil && ap.Port() != 0 {
			g.Self = append(g.Self, ap)
		}
	}
	return g, nil
}

// openStore opens the blob store the configuration names: MinIO/S3 (with
// WORM retention when SOHOA_S3_RETENTION_MODE is set) or local files.
func openStore(ctx context.Context, cfg config.Config) (storage.Store, fixity.Lister, error) {
	switch {
	case cfg.S3.Endpoint != "" && cfg.RetentionMode != "":
		// WORM: originals, signed PDFs and copies cannot be deleted or
		// overwritten before their retention ends (a new, locked bucket).
		r, err := s3store.ParseRetention(cfg.RetentionMode, cfg.RetentionPeriod)
		if err != nil {
			return nil, nil, fmt.Errorf("SOHOA_S3_RETENTION_*: %w", err)
		}
		ls, err := s3store.NewLocked(ctx, s3Config(cfg.S3), r)
		return ls, ls, err
	case cfg.S3.Endpoint != "":
		st, err := s3store.New(ctx, s3Config(cfg.S3))
		return st, st, err
	default:
		st, err := localfs.New(filepath.Join(cfg.DataDir, "blobs"))
		return st, st, err
	}
}

// startProbes serves /metrics, /healthz and /readyz on their own address,
// apart from the API: metrics are for the operators' Prometheus, not for
// the API's clients.
func (s *system) startProbes() error {
	if s.cfg.MetricsAddr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", api.ReadyHandler(s.ready))
	if s.cfg.PProf {
		// Go's profiler, for operators chasing a slow server: only on this
		// internal address, and only when asked for.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	l, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics listen %s: %w", s.cfg.MetricsAddr, err)
	}
	s.probeAddr = l.Addr().String()
	s.probe = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.probe.Serve(l)
	return nil
}

// MetricsURL is where /metrics is served.
func (s *system) MetricsURL() string { return "http://" + s.probeAddr + "/metrics" }

// bootstrapKey creates, when the catalog has no API key at all, one key
// with every scope for every office and writes its token to
// DataDir/admin-token (0600), so that a new installation can be used and
// can create the real keys. It is logged, never printed whole.
func (s *system) bootstrapKey(ctx context.Context) error {
	keys, err := s.catalog.APIKeys(ctx)
	if err != nil || len(keys) > 0 {
		return err
	}
	token, _, err := s.catalog.CreateAPIKey(ctx, catalog.APIKey{
		Name:     "bootstrap admin",
		Scopes:   []string{string(api.ScopeArchivist), string(api.ScopeClerk), string(api.ScopeSystem), string(api.ScopeAuditor)},
		OfficeID: s.cfg.Office,
		Offices:  []string{"*"},
	})
	if err != nil {
		return fmt.Errorf("bootstrap API key: %w", err)
	}
	path := filepath.Join(s.cfg.DataDir, "admin-token")
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("bootstrap API key: %w", err)
	}
	s.adminToken = token
	s.log.Warn("created a bootstrap API key with every scope; create real keys with 'sohoa apikey create' and revoke it",
		"token_file", path)
	return nil
}

// ready checks that the catalog, the queue and the storage answer.
func (s *system) ready(ctx context.Context) error {
	if err := s.catalog.Ping(ctx); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if err := s.client.Ping(); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if _, err := s.store.Stat(ctx, "readyz/probe"); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

func (s *system) identity() (*sign.Identity, error) {
	if s.cfg.PKCS11Module != "" {
		id, closer, err := pkcs11key.Load(s.cfg.PKCS11Module, s.cfg.PKCS11Token, s.cfg.PKCS11PIN, s.cfg.PKCS11Key)
		if err != nil {
			return nil, fmt.Errorf("SOHOA_PKCS11_*: %w", err)
		}
		s.closers = append(s.closers, closer)
		return id, nil
	}
	if s.cfg.P12Path == "" {
		dir := filepath.Join(s.cfg.DataDir, "demo-pki")
		s.log.Warn("signing with a DEMO identity: set SOHOA_SIGN_P12 to a real PKCS#12 file", "dir", dir)
		return sign.DemoIdentity(dir)
	}
	b, err := os.ReadFile(s.cfg.P12Path)
	if err != nil {
		return nil, fmt.Errorf("SOHOA_SIGN_P12: %w", err)
	}
	id, err := sign.LoadPKCS12(b, s.cfg.P12Password)
	if err != nil {
		return nil, fmt.Errorf("SOHOA_SIGN_P12: %w", err)
	}
	return id, nil
}

func (s *system) startAPI(ctx context.Context) error {
	tlsOn := s.cfg.TLSCert != "" && s.cfg.TLSKey != ""
	if err := api.CheckListen(s.cfg.Addr, tlsOn, s.cfg.InsecureHTTP); err != nil {
		return fmt.Errorf("%w (set SOHOA_TLS_CERT and SOHOA_TLS_KEY, or SOHOA_INSECURE_HTTP=true when a proxy ends TLS)", err)
	}
	verifyRL, err := api.ParseRateLimit(s.cfg.RateVerify)
	if err != nil {
		return fmt.Errorf("SOHOA_RATE_VERIFY: %w", err)
	}
	authRL, err := api.ParseRateLimit(s.cfg.RateAuthFail)
	if err != nil {
		return fmt.Errorf("SOHOA_RATE_AUTH_FAIL: %w", err)
	}
	// Behind reverse proxies every request comes from theirs: the limits
	// count the client each reports in X-Forwarded-For.
	proxies, err := api.ParseProxies(s.cfg.TrustedProxies)
	if err != nil {
		return fmt.Errorf("SOHOA_TRUSTED_PROXIES: %w", err)
	}
	verifyLimiter, authLimiter := api.NewLimiter(verifyRL), api.NewLimiter(authRL)
	verifyLimiter.Proxies, authLimiter.Proxies = proxies, proxies
	if s.listener, err = net.Listen("tcp", s.cfg.Addr); err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Addr, err)
	}
	tmp := s.tmp
	if err := s.bootstrapKey(ctx); err != nil {
		return err
	}
	roots, err := loadRoots(s.cfg.TrustRoots)
	if err != nil {
		return fmt.Errorf("SOHOA_TRUST_ROOTS: %w", err)
	}
	// One fetcher for every request: its cache spares the CA's server a
	// request per verification.
	var issuers *sign.IssuerFetcher
	if s.cfg.FetchIssuers {
		issuers = &sign.IssuerFetcher{AllowPrivate: issuersAllowPrivate}
	}
	ingester := &ingest.Ingester{Catalog: s.catalog, Store: s.store, Queue: s.queue,
		Limits: limits(s.cfg), TempDir: tmp, Metrics: s.metrics}
	certSvc, err := s.certifyService(roots)
	if err != nil {
		return err
	}
	s.certify = certSvc
	sealer, err := s.webhookSealer()
	if err != nil {
		return err
	}
	guard, err := s.webhookGuard()
	if err != nil {
		return err
	}
	disp := &webhook.Dispatcher{DB: s.catalog, Client: s.client}
	certSvc.OnIssued = func(ctx context.Context, c catalog.Copy) error { return disp.Emit(ctx, webhook.CopyIssued(c)) }
	srv := &api.Server{
		Catalog: s.catalog, Store: s.store, Log: s.log, Ingest: ingester,
		Archive: &api.Archive{DB: s.catalog, Log: s.log,
			OnStatusChanged: func(ctx context.Context, r results.Result) error {
				return disp.Emit(ctx, webhook.ResultStatusChanged(r, r.Status))
			}},
		Webhooks: &api.Webhooks{DB: s.catalog, Sealer: sealer, Guard: guard, Log: s.log},
		QC:       &api.QC{DB: s.catalog, Store: s.store, Ingest: ingester, Queue: s.queue, Log: s.log},
		Reports: &api.Reports{DB: s.catalog, Log: s.log, Export: &aip.Exporter{
			Catalog: s.catalog, Store: s.store, TempDir: tmp, Agency: s.cfg.OfficeName, Version: version}},
		Copies:       &api.Copies{Service: certSvc, Log: s.log},
		Keys:         &api.KeyCache{Keys: s.catalog}, // a revoked key is refused within 10 s
		Ready:        s.ready,
		TrustRoots:   roots,
		FetchIssuers: issuers,
	}
	clerk := &web.Server{Service: certSvc, Keys: s.catalog, Upload: ingester, Log: s.log,
		Secure: strings.HasPrefix(s.cfg.PublicURL, "https://")}
	mux := http.NewServeMux()
	apiHandler := srv.Handler()
	mux.Handle("/clerk/", clerk.Handler())
	mux.Handle("/archive/", (&web.Archive{DB: s.catalog, Keys: s.catalog, Queue: s.queue, QC: s.catalog, Blobs: s.store, Search: s.catalog, Rescan: ingester, Log: s.log,
		Secure: strings.HasPrefix(s.cfg.PublicURL, "https://")}).Handler())
	mux.Handle("GET /{$}", web.Landing())
	// The public verification page is the only unauthenticated read:
	// rate-limited per client. Failed authentications are limited too.
	mux.Handle("GET /verify/", api.LimitRequests(verifyLimiter, apiHandler))
	mux.Handle("/", apiHandler)
	// Slow headers, trickling bodies, idle keep-alives and clients that
	// stop reading are cut off; steady uploads are not.
	s.http = api.DefaultTimeouts.Server(api.LimitAuthFailures(authLimiter, mux))
	if tlsOn {
		s.http.TLSConfig = api.TLSConfig()
	}
	go func() {
		var err error
		if tlsOn {
			err = s.http.ServeTLS(s.listener, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			err = s.http.Serve(s.listener)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http", "err", err)
		}
	}()
	// A certification number taken by a process that died before the copy
	// was issued is voided, with the reason, so the book has no silent gap.
	go func() {
		t := time.NewTicker(s.cfg.CertRecoverEvery)
		defer t.Stop()
		for {
			if voided, err := certSvc.Recover(ctx, s.cfg.CertRecoverAfter); err != nil && ctx.Err() == nil {
				s.log.Error("certify: recover", "err", err)
			} else if len(voided) > 0 {
				s.log.Warn("certify: voided numbers of interrupted issuances", "count", len(voided))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// Close stops the system: the API first, then the workers (finishing the
// tasks in hand), then the queue and the stores.
func (s *system) Close() {
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.http.Shutdown(ctx)
		cancel()
	}
	if s.probe != nil {
		_ = s.probe.Close()
	}
	if s.cancel != nil {
		s.cancel()
	}
	if s.server != nil {
		s.server.Shutdown()
		<-s.done
	}
	if s.inspector != nil {
		s.inspector.Close()
	}
	if s.client != nil {
		s.client.Close()
	}
	if s.ocrPool != nil {
		s.ocrPool.Close()
	}
	for _, c := range s.closers {
		c.Close()
	}
	if s.miniredis != nil {
		s.miniredis.Close()
	}
	if s.catalog != nil {
		s.catalog.Close()
	}
	if s.releaseTmp != nil {
		s.releaseTmp()
	}
}

// cleanUp removes what processes killed with -9 left: their temporary
// directories (spooled uploads, unsigned stamped copies of citizens'
// documents) now, and later every ReconcileInterval; and, in the
// embedded server (one process: nothing else writes to the store), the
// objects no catalog row knows (a page image before its document, a
// signed copy before its book entry). With separate processes the
// scheduled fixity audit (SOHOA_FIXITY_INTERVAL) deletes orphans seen an
// hour apart.
func (s *system) cleanUp(ctx context.Context) error {
	root := filepath.Join(s.cfg.DataDir, "tmp")
	if n, err := fixity.SweepTemp(root, time.Hour); err != nil {
		s.log.Warn("temporary files of stopped processes not all removed", "err", err)
	} else if n > 0 {
		s.log.Info("removed temporary files of stopped processes", "count", n)
	}
	tmp, release, err := fixity.ProcessTemp(root)
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	stop := make(chan struct{})
	s.tmp, s.releaseTmp = tmp, func() { close(stop); release() }
	go func() {
		t := time.NewTicker(s.cfg.ReconcileInterval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if _, err := fixity.SweepTemp(root, time.Hour); err != nil {
				s.log.Warn("temporary files of stopped processes not all removed", "err", err)
			}
		}
	}()
	if s.cfg.RedisURL != "" || s.lister == nil {
		return nil
	}
	ids, err := s.catalog.BatchIDs(ctx)
	if err != nil {
		return fmt.Errorf("clean-up: %w", err)
	}
	sw := &fixity.Sweeper{Checker: &fixity.Checker{Catalog: s.catalog, Store: s.store, Lister: s.lister, Log: s.log}}
	n, _, err := sw.Sweep(ctx, ids)
	if err != nil {
		s.log.Warn("orphan objects not removed", "err", err)
	} else if n > 0 {
		s.log.Warn("removed objects without catalog rows (left by an interrupted process)", "count", n)
	}
	return nil
}

// asynqLogger sends asynq's logs to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...), "component", "asynq")
	os.Exit(1)
}
