package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/worker"
)

// testConfig is the configuration of the environment the tests run in,
// as the server would read it.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestLimitsFromEnv(t *testing.T) {
	def := ingest.DefaultLimits()
	for _, tc := range []struct {
		name               string
		bytes, pixels, pgs string
		want               ingest.Limits
		err                string
	}{
		{"defaults", "", "", "", def, ""},
		{"all set", "1048576", "4000000", "10", func() ingest.Limits {
			l := def
			l.MaxBytes, l.MaxPixels, l.MaxPages = 1<<20, 4_000_000, 10
			return l
		}(), ""},
		{"zero pages", "", "", "0", def, "SOHOA_MAX_PAGES"},
		{"not a number", "200MB", "", "", def, "SOHOA_MAX_FILE_BYTES"},
		{"negative pixels", "", "-5", "", def, "SOHOA_MAX_PAGE_PIXELS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SOHOA_MAX_FILE_BYTES", tc.bytes)
			t.Setenv("SOHOA_MAX_PAGE_PIXELS", tc.pixels)
			t.Setenv("SOHOA_MAX_PAGES", tc.pgs)
			cfg, err := loadConfig()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "positive") {
					t.Errorf("err = %v, want one naming %s", err, tc.err)
				}
				return
			}
			if got := limits(cfg); err != nil || got != tc.want {
				t.Errorf("limits = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// An idle worker looks for tasks every 100 ms unless told otherwise:
// asynq's own second would hold every stage of a document that long. A
// value that is no duration, or not above zero, stops start-up (it used
// to become the default silently).
func TestTaskCheckFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want time.Duration
		bad  bool
	}{
		{"", 100 * time.Millisecond, false},
		{"250ms", 250 * time.Millisecond, false},
		{"2s", 2 * time.Second, false},
		{"soon", 0, true},
		{"-1s", 0, true},
	} {
		t.Setenv("SOHOA_TASK_CHECK_INTERVAL", tc.env)
		cfg, err := loadConfig()
		var e *config.Error
		switch {
		case tc.bad && (!errors.As(err, &e) || e.Var != "SOHOA_TASK_CHECK_INTERVAL"):
			t.Errorf("SOHOA_TASK_CHECK_INTERVAL=%q: err %v, want one naming the variable", tc.env, err)
		case !tc.bad && (err != nil || cfg.TaskCheck != tc.want):
			t.Errorf("SOHOA_TASK_CHECK_INTERVAL=%q: %v, %v; want %v", tc.env, cfg.TaskCheck, err, tc.want)
		}
	}
}

// The defaults the struct documents are the ones the packages use.
func TestDefaultsMatchPackages(t *testing.T) {
	cfg, err := config.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := limits(cfg), ingest.DefaultLimits(); got != want {
		t.Errorf("default limits %+v, ingest's %+v", got, want)
	}
	if cfg.QCMaxSkew != worker.DefaultMaxSkew {
		t.Errorf("default SOHOA_QC_MAX_SKEW %v, worker's %v", cfg.QCMaxSkew, worker.DefaultMaxSkew)
	}
	for _, f := range config.Fields() {
		if f.Var == "SOHOA_SIGN_LEVEL" {
			for _, l := range f.Enum {
				if _, err := sign.ParseLevel(l); err != nil {
					t.Errorf("SOHOA_SIGN_LEVEL allows %s, which package sign refuses: %v", l, err)
				}
			}
		}
	}
}

// Values only their consumers can judge stop start-up too, naming the variable.
func TestCheckConfig(t *testing.T) {
	for _, tc := range []struct{ key, value, mode string }{
		{"SOHOA_RATE_VERIFY", "many", ""},
		{"SOHOA_RATE_AUTH_FAIL", "10/week", ""},
		{"SOHOA_QC_HOLD", "blank,smudged", ""},
		{"SOHOA_WEBHOOK_KEY", "short", ""},
		{"SOHOA_S3_RETENTION_PERIOD", "forever", "GOVERNANCE"},
		{"SOHOA_S3_RETENTION_PERIOD", "3650d", ""}, // without a mode it would do nothing
		{"SOHOA_SIGN_LEVEL", "B-T", ""},            // without SOHOA_TSA_URL
		{"SOHOA_REDIS_URL", "mysql://x", ""},
	} {
		t.Run(tc.key, func(t *testing.T) {
			t.Setenv(tc.key, tc.value)
			t.Setenv("SOHOA_S3_RETENTION_MODE", tc.mode)
			_, err := loadConfig()
			var e *config.Error
			if !errors.As(err, &e) || e.Var != tc.key || e.VI == "" || e.EN == "" {
				t.Errorf("%s=%q: err %v, want a bilingual one naming it", tc.key, tc.value, err)
			}
		})
	}
}

// serve --help and worker --help list every variable, from the struct.
func TestHelpListsVariables(t *testing.T) {
	for _, sub := range []string{"serve", "worker"} {
		out, code := run(t, sub, "--help")
		if code != 0 {
			t.Fatalf("%s --help exited %d", sub, code)
		}
		for _, f := range config.Fields() {
			if !strings.Contains(out, f.Var) || !strings.Contains(out, f.VI) {
				t.Errorf("%s --help lacks %s", sub, f.Var)
			}
		}
	}
}

// sohoa serve and sohoa worker refuse to start on an unusable value.
func TestServeRefusesMalformed(t *testing.T) {
	t.Setenv("SOHOA_DATA_DIR", t.TempDir())
	t.Setenv("SOHOA_TASK_CHECK_INTERVAL", "soon")
	t.Setenv("SOHOA_SIGN_VISIBLE", "yes")
	for _, sub := range []string{"serve", "worker"} {
		cmd := rootCmd()
		cmd.SetArgs([]string{sub})
		cmd.SetOut(io.Discard)
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), "SOHOA_TASK_CHECK_INTERVAL") || !strings.Contains(err.Error(), "SOHOA_SIGN_VISIBLE") ||
			!strings.Contains(err.Error(), "true hoặc false") || !strings.Contains(err.Error(), "want a duration") {
			t.Errorf("sohoa %s: %v", sub, err)
		}
	}
}
