#!/usr/bin/env bash
# Installs what is missing, builds sohoa and runs the whole pipeline on the
# embedded default (local files, in-process queue, SQLite) over generated
# sample scans. Usage: scripts/demo.sh [DIR]   (default DIR: ./sohoa-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
scripts/deps.sh run
mkdir -p bin
go build -o bin/sohoa ./cmd/sohoa
exec bin/sohoa demo --dir "${1:-sohoa-demo}"
