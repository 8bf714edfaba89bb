package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/sohoa-vn/sohoa/ingest"
)

// limitsFromEnv returns the limits on what one input file may be:
// ingest.DefaultLimits, changed by SOHOA_MAX_FILE_BYTES (bytes per file),
// SOHOA_MAX_PAGE_PIXELS (pixels per page, checked before decoding) and
// SOHOA_MAX_PAGES (pages per file).
func limitsFromEnv() (ingest.Limits, error) {
	l := ingest.DefaultLimits()
	for _, v := range []struct {
		key string
		set func(int64)
	}{
		{"SOHOA_MAX_FILE_BYTES", func(n int64) { l.MaxBytes = n }},
		{"SOHOA_MAX_PAGE_PIXELS", func(n int64) { l.MaxPixels = n }},
		{"SOHOA_MAX_PAGES", func(n int64) { l.MaxPages = int(n) }},
	} {
		s := os.Getenv(v.key)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 || n > 1<<40 {
			return l, fmt.Errorf("%s=%q: cần một số nguyên dương / want a positive whole number", v.key, s)
		}
		v.set(n)
	}
	return l, nil
}
