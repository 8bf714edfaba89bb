// Package httpget saves what a URL answers to a file, for the bench
// commands: signed PDFs from the API, CPU profiles from a sohoa process's
// probe address (SOHOA_PPROF=true).
package httpget

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
)

// ToFile GETs url, with the bearer token when it is not "", and writes
// the body of a 200 answer to path.
func ToFile(ctx context.Context, url, token, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CPUProfile saves a CPU profile of secs seconds from the probe address
// base (http://host:port) to path, for go tool pprof.
func CPUProfile(ctx context.Context, base string, secs int, path string) error {
	return ToFile(ctx, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, secs), "", path)
}
