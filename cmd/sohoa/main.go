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

	"github.com/sohoa-vn/sohoa/config"
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
deployment point it at Redis, MinIO/S3 and PostgreSQL (SOHOA_REDIS_URL,
SOHOA_S3_*, SOHOA_DATABASE_URL); "sohoa serve --help" lists every variable.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(qcCmd(), batchesCmd(), searchCmd(), serveCmd(), workerCmd(), ingestCmd(), ocrCmd(), signCmd(), verifyCmd(), demoCmd(), samplesCmd(), queuesCmd(), apikeyCmd(), auditCmd(), resultsCmd(),
		exportCmd(), reportCmd(), watchCmd(), scanCmd(), separatorSheetCmd(), fixityCmd())
	return root
}

func newLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// envHelp is the help's list of variables, generated from config.Config.
var envHelp = `

Environment variables [default] / Biến môi trường [mặc định]; a value that
cannot be used stops start-up / giá trị không dùng được sẽ dừng khởi động:

` + config.Help()

func serveCmd() *cobra.Command {
	var fl serverFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API and the workers (embedded default, or real servers from SOHOA_*)",
		Long:  "Run the API and the workers (embedded default, or real servers from SOHOA_*)." + envHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := fl.config(cmd)
			if err != nil {
				return err
			}
			if cfg.Role != "all" && cfg.Role != "api" && cfg.Role != "worker" {
				return fmt.Errorf("--role must be all, api or worker")
			}
			if cfg.Role == "api" && cfg.RedisURL == "" {
				return fmt.Errorf("--role api needs SOHOA_REDIS_URL: an API alone cannot share an embedded queue with workers / cần SOHOA_REDIS_URL")
			}
			return serve(cmd.Context(), cfg)
		},
	}
	fl.add(cmd)
	cmd.Flags().StringVar(&fl.role, "role", "all", "what to run: all (API + workers), api, or worker")
	return cmd
}

func workerCmd() *cobra.Command {
	var fl serverFlags
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run workers only (OCR, assemble, sign) against SOHOA_REDIS_URL",
		Long:  "Run workers only (OCR, assemble, sign) against SOHOA_REDIS_URL." + envHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fl.role = "worker"
			cfg, err := fl.config(cmd)
			if err != nil {
				return err
			}
			if cfg.RedisURL == "" {
				return fmt.Errorf("sohoa worker needs SOHOA_REDIS_URL (use sohoa serve for the embedded default) / cần SOHOA_REDIS_URL")
			}
			return serve(cmd.Context(), cfg)
		},
	}
	fl.add(cmd)
	return cmd
}

// serverFlags are the flags of serve and worker; a flag given overrides
// its variable.
type serverFlags struct {
	addr, data, role, tessdata string
	workers                    int
}

func (fl *serverFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&fl.addr, "addr", "", "API listen address (default $SOHOA_ADDR, else 127.0.0.1:8080)")
	f.StringVar(&fl.data, "data", "", "data directory (default $SOHOA_DATA_DIR, else ~/.local/share/sohoa)")
	f.IntVar(&fl.workers, "workers", 0, "concurrent tasks and OCR engines (default: number of cores)")
	f.StringVar(&fl.tessdata, "tessdata", "", "folder of *.traineddata (default $SOHOA_TESSDATA, else sohoa's own, installed by scripts/tessdata.sh)")
}

func (fl *serverFlags) config(cmd *cobra.Command) (config.Config, error) {
	cfg, err := loadConfig()
	if err != nil {
		return cfg, err
	}
	f := cmd.Flags()
	if f.Changed("addr") {
		cfg.Addr = fl.addr
	}
	if f.Changed("data") {
		cfg.DataDir = fl.data
	}
	if f.Changed("workers") {
		if fl.workers < 1 {
			return cfg, fmt.Errorf("--workers must be at least 1 / --workers phải từ 1 trở lên")
		}
		cfg.Workers = fl.workers
	}
	if f.Changed("tessdata") {
		cfg.Tessdata = fl.tessdata
	}
	if fl.role != "" {
		cfg.Role = fl.role
	}
	return cfg, nil
}

func serve(ctx context.Context, cfg config.Config) error {
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
