#!/bin/sh
# minio.sh builds the MinIO server used by tests (internal/servicetest) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/sohoa/bin/minio with `go install`, unless
# that binary exists and was built from the pinned version (stamp file).
#
# MinIO tags releases as RELEASE.* which are not semver, so the module proxy
# only knows pseudo-versions; this one is the last commit of the upstream
# repository, needs go >= 1.24 and has no replace directives in its go.mod
# (go install refuses those). Building takes several minutes on 2 cores.
#
# Usage: scripts/minio.sh            prints the binary path on stdout
#        MINIO_VERSION=v0.0.0-... scripts/minio.sh   to try another version
set -eu

MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
BIN_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/sohoa/bin"
BIN="$BIN_DIR/minio"
STAMP="$BIN_DIR/minio.version"

if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$MINIO_VERSION" ]; then
	echo "$BIN"
	exit 0
fi

mkdir -p "$BIN_DIR"
# Test binaries of several packages may ask at once: build only once.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$BIN_DIR/.minio.lock"
	flock 9
	if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$MINIO_VERSION" ]; then
		echo "$BIN"
		exit 0
	fi
fi
echo "minio.sh: building github.com/minio/minio@$MINIO_VERSION into $BIN_DIR (takes a few minutes)" >&2
rm -f "$STAMP"
# Build outside any module so the project's go.mod plays no part.
cd "$BIN_DIR"
GOBIN="$BIN_DIR" GOFLAGS="${GOFLAGS:-} -trimpath" CGO_ENABLED=0 \
	go install "github.com/minio/minio@$MINIO_VERSION" >&2
printf '%s\n' "$MINIO_VERSION" > "$STAMP"
echo "$BIN"
