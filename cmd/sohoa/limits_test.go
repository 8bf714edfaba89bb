package main

import (
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/ingest"
)

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
			got, err := limitsFromEnv()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "positive") {
					t.Errorf("err = %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("limitsFromEnv = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// An idle worker looks for tasks every 100 ms unless told otherwise:
// asynq's own second would hold every stage of a document that long.
func TestTaskCheckFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want time.Duration
	}{
		{"", 100 * time.Millisecond},
		{"250ms", 250 * time.Millisecond},
		{"2s", 2 * time.Second},
		{"soon", 100 * time.Millisecond},
		{"-1s", 100 * time.Millisecond},
	} {
		t.Setenv("SOHOA_TASK_CHECK_INTERVAL", tc.env)
		if got := configFromEnv().TaskCheck; got != tc.want {
			t.Errorf("SOHOA_TASK_CHECK_INTERVAL=%q: %v, want %v", tc.env, got, tc.want)
		}
	}
}
