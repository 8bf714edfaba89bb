package main

import (
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/ingest"
)

// limits returns the limits on what one input file may be:
// ingest.DefaultLimits, changed by SOHOA_MAX_FILE_BYTES (bytes per file),
// SOHOA_MAX_PAGE_PIXELS (pixels per page, checked before decoding) and
// SOHOA_MAX_PAGES (pages per file). Package config has checked that they
// are positive.
func limits(cfg config.Config) ingest.Limits {
	l := ingest.DefaultLimits()
	l.MaxBytes, l.MaxPixels, l.MaxPages = cfg.MaxFileBytes, cfg.MaxPagePixels, int(cfg.MaxPages)
	return l
}
