// Command sohoa digitizes paper for Vietnamese public administration:
// scans in, OCR'd, searchable and digitally signed PDFs out.
//
// Run "sohoa help" for the subcommands.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sohoa-vn/sohoa/ocr"
)

func main() {
	// Tesseract reads OMP_THREAD_LIMIT once, when it loads: one engine per
	// core, each single-threaded, is much faster than OpenMP threads.
	if err := ocr.EnsureThreadLimit(); err != nil {
		fmt.Fprintln(os.Stderr, "sohoa:", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "sohoa:", err)
		if e, ok := err.(exitError); ok {
			os.Exit(e.code)
		}
		os.Exit(1)
	}
}

// exitError ends the program with a given status after printing its message.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "sohoa",
		Short: "Số hóa: scans in, OCR'd, searchable, digitally signed PDFs out",
		Long: `sohoa turns scanned paper into searchable, digitally signed PDFs (PAdES).

Without any SOHOA_* server settings it runs embedded: files under the data
directory, SQLite as the catalog and an in-process queue. For a real
deployment point it at Redis, MinIO/S3 and PostgreSQL:

  SOHOA_REDIS_URL      redis://host:6379/0
  SOHOA_DATABASE_URL   postgres://user@host/db
  SOHOA_S3_ENDPOINT, SOHOA_S3_ACCESS_KEY, SOHOA_S3_SECRET_KEY, SOHOA_S3_BUCKET, SOHOA_S3_USE_SSL
  SOHOA_DATA_DIR       data directory (default ~/.local/share/sohoa)
  SOHOA_ADDR           API listen address (default 127.0.0.1:8080)
  SOHOA_SIGN_P12, SOHOA_SIGN_PASSWORD   signing identity (default: a DEMO identity)
  SOHOA_PKCS11_MODULE, SOHOA_PKCS11_TOKEN, SOHOA_PKCS11_KEY, SOHOA_PKCS11_PIN   or a PKCS#11 token
  SOHOA_SIGN_LEVEL     B-B (default), B-T, B-LT or B-LTA; SOHOA_TSA_URL from B-T up
  SOHOA_SIGN_VISIBLE=true, SOHOA_SIGN_ORG   a visible stamp with the organisation's name
  SOHOA_TRUST_ROOTS    PEM files (comma-separated) of trusted roots for POST /v1/verify
  SOHOA_WEBHOOK_KEY    32-byte key (hex or base64) sealing webhook secrets; shared by API and workers
  SOHOA_PUBLIC_URL     public address of the verification pages (default: the API's)
  SOHOA_CERTIFIER_P12, SOHOA_CERTIFIER_PASSWORD   the certifier's identity for certified copies
  SOHOA_CERTIFY_OFFICES  JSON file of offices (name, book number, statement template)
  SOHOA_TLS_CERT, SOHOA_TLS_KEY   TLS for the API; plain HTTP is refused off loopback unless SOHOA_INSECURE_HTTP=true
  SOHOA_S3_RETENTION_MODE, SOHOA_S3_RETENTION_PERIOD   WORM (GOVERNANCE|COMPLIANCE, e.g. 3650d) on a new bucket
  SOHOA_FIXITY_INTERVAL  run the fixity audit this often (e.g. 24h; on one process only; default off)
  SOHOA_RATE_VERIFY, SOHOA_RATE_AUTH_FAIL   per-client limits (default 30/m, 10/m)
  SOHOA_METRICS_ADDR   /metrics, /healthz, /readyz (default 127.0.0.1:9101)
  SOHOA_OFFICE         office of the bootstrap API key (default "default")
  SOHOA_OCR_LANGUAGES  Tesseract languages joined by + (default vie)
  SOHOA_OCR_ENGINE     tesseract (default); "benchmark" skips recognition (benchmarks and fault tests only)
  SOHOA_RECONCILE_INTERVAL  how often workers re-queue lost work (default 1m)`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(qcCmd(), serveCmd(), workerCmd(), ingestCmd(), ocrCmd(), signCmd(), verifyCmd(), demoCmd(), samplesCmd(), queuesCmd(), apikeyCmd(), auditCmd(), resultsCmd(),
		exportCmd(), reportCmd(), watchCmd(), scanCmd(), separatorSheetCmd(), fixityCmd())
	return root
}

func newLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func serveCmd() *cobra.Command {
	cfg := configFromEnv()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API and the workers (embedded default, or real servers from SOHOA_*)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Role != "all" && cfg.Role != "api" && cfg.Role != "worker" {
				return fmt.Errorf("--role must be all, api or worker")
			}
			if cfg.Role == "api" && cfg.RedisURL == "" {
				return fmt.Errorf("--role api needs SOHOA_REDIS_URL: an API alone cannot share an embedded queue with workers / cần SOHOA_REDIS_URL")
			}
			return serve(cmd.Context(), cfg)
		},
	}
	addServerFlags(cmd, &cfg)
	cmd.Flags().StringVar(&cfg.Role, "role", cfg.Role, "what to run: all (API + workers), api, or worker")
	return cmd
}

func workerCmd() *cobra.Command {
	cfg := configFromEnv()
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run workers only (OCR, assemble, sign) against SOHOA_REDIS_URL",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.RedisURL == "" {
				return fmt.Errorf("sohoa worker needs SOHOA_REDIS_URL (use sohoa serve for the embedded default) / cần SOHOA_REDIS_URL")
			}
			cfg.Role = "worker"
			return serve(cmd.Context(), cfg)
		},
	}
	addServerFlags(cmd, &cfg)
	return cmd
}

func addServerFlags(cmd *cobra.Command, cfg *config) {
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", cfg.Addr, "API listen address ($SOHOA_ADDR)")
	f.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory ($SOHOA_DATA_DIR)")
	f.IntVar(&cfg.Workers, "workers", cfg.Workers, "concurrent tasks and OCR engines (default: number of cores)")
}

func serve(ctx context.Context, cfg config) error {
	log := newLogger()
	sys, err := startSystem(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer sys.Close()
	if sys.listener != nil {
		log.Info("sohoa serving", "url", sys.URL(), "role", cfg.Role, "data", cfg.DataDir)
	} else {
		log.Info("sohoa worker running", "data", cfg.DataDir)
	}
	<-ctx.Done()
	log.Info("shutting down")
	return nil
}

func newFileLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
