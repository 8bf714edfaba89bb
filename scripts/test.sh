#!/usr/bin/env bash
# Installs what is missing (Debian packages, a pinned MinIO server built
# from source and cached) and runs every test: go vet, then go test.
# Tests use the Redis and PostgreSQL running on this machine or start
# their own, and start MinIO; a missing service fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
scripts/deps.sh test
SOHOA_MINIO_BIN="$(scripts/minio.sh)"; export SOHOA_MINIO_BIN
test -z "$(gofmt -l $(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $(git ls-files '*.go'); exit 1; }
go vet ./...
# Each OCR engine must run single-threaded (see ocr/).
export OMP_THREAD_LIMIT=1
go test -count=1 -timeout 40m ./... "$@"
# Every fuzz target for a bounded time (FUZZTIME each, default 10s).
scripts/fuzz.sh
