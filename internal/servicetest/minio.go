package servicetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// MinIOServer is a running MinIO server.
type MinIOServer struct {
	Endpoint  string // host:port, plain HTTP
	AccessKey string
	SecretKey string
}

var minioOnce struct {
	sync.Once
	srv MinIOServer
	err error
}

// MinIO returns a MinIO server private to this test binary, starting it on
// first use on a free port with a temporary data directory, and waiting
// until it serves requests. Tests share the
// server and isolate themselves by each using a bucket of its own. The
// server stops when the test binary exits (see Main).
//
// The binary is $SOHOA_MINIO_BIN if set, else `minio` on PATH, else the one
// scripts/minio.sh builds into ${XDG_CACHE_HOME:-$HOME/.cache}/sohoa/bin
// (the script runs here when needed: the first build takes minutes).
func MinIO(t testing.TB) MinIOServer {
	t.Helper()
	minioOnce.Do(func() { minioOnce.srv, minioOnce.err = startMinIO() })
	if minioOnce.err != nil {
		unavailable(t, "MinIO", minioOnce.err)
	}
	return minioOnce.srv
}

func startMinIO() (MinIOServer, error) {
	bin, err := minioBinary()
	if err != nil {
		return MinIOServer{}, err
	}
	srv := MinIOServer{AccessKey: "sohoa-" + strings.ToLower(rand.Text()[:8]), SecretKey: rand.Text()}
	env := []string{
		"MINIO_ROOT_USER=" + srv.AccessKey,
		"MINIO_ROOT_PASSWORD=" + srv.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	}
	var lastErr error
	for range 3 { // a free port can be taken before MinIO binds it
		dir, err := os.MkdirTemp("", "sohoa-minio-*")
		if err != nil {
			return MinIOServer{}, err
		}
		port, err := pickFreePort()
		if err != nil {
			return MinIOServer{}, err
		}
		srv.Endpoint = "127.0.0.1:" + strconv.Itoa(port)
		s, err := startServer(dir, bin, []string{"server", "--quiet", "--address", srv.Endpoint, filepath.Join(dir, "data")}, env)
		if err != nil {
			os.RemoveAll(dir)
			return MinIOServer{}, fmt.Errorf("start %s: %w", bin, err)
		}
		// /minio/health/live answers 200 before MinIO can serve requests;
		// /minio/health/cluster waits for its object layer, bucket
		// metadata and IAM as well.
		health := "http://" + srv.Endpoint + "/minio/health/cluster"
		lastErr = s.waitReady(60*time.Second, func() error {
			resp, err := http.Get(health)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: %s", health, resp.Status)
			}
			return nil
		})
		if lastErr == nil {
			processServersMu.Lock()
			processServers = append(processServers, s)
			processServersMu.Unlock()
			return srv, nil
		}
		s.stop()
	}
	return MinIOServer{}, lastErr
}

// minioBinary finds or builds the MinIO server binary.
func minioBinary() (string, error) {
	if bin := os.Getenv("SOHOA_MINIO_BIN"); bin != "" {
		return bin, nil
	}
	if bin, err := exec.LookPath("minio"); err == nil {
		return bin, nil
	}
	cache, err := os.UserCacheDir()
	if xdg := os.Getenv("XDG_CACHE_HOME"); xdg != "" {
		cache, err = xdg, nil
	}
	if err != nil {
		return "", err
	}
	cached := filepath.Join(cache, "sohoa", "bin", "minio")
	root, err := findRepoRoot()
	if err != nil {
		if _, serr := os.Stat(cached); serr == nil {
			return cached, nil
		}
		return "", fmt.Errorf("no minio binary (set SOHOA_MINIO_BIN, put minio on PATH or run scripts/minio.sh) and no repository to build it from: %w", err)
	}
	// The script returns at once when the cached binary has the pinned version.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", filepath.Join(root, "scripts", "minio.sh"))
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("building MinIO with scripts/minio.sh (needs Go and network access to the module proxy; or install minio and put it on PATH): %w\n%s", err, stderr.String())
	}
	bin := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(bin, '\n'); i >= 0 {
		bin = bin[i+1:]
	}
	if _, err := os.Stat(bin); err != nil {
		return "", errors.New("scripts/minio.sh printed no binary path: " + bin)
	}
	return bin, nil
}
