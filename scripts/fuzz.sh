#!/usr/bin/env bash
# Runs every fuzz target of the repository (each "func Fuzz..." in a
# *_test.go file) for a bounded time: FUZZTIME each, default 10s. Every
# target runs even when one fails; the script exits non-zero if any did.
#
# A failure leaves its input in <package>/testdata/fuzz/<FuzzName>/: fix
# the bug and commit that file, which "go test" then runs as a regression
# test. A plain "go test" runs every seed and testdata input without
# fuzzing.
#
#   scripts/fuzz.sh                  # every target, 10s each
#   FUZZTIME=60s scripts/fuzz.sh     # longer
#   scripts/fuzz.sh FuzzSplit        # only the targets named
#
# FUZZMINIMIZETIME (default 5s) bounds the time spent shrinking each new
# interesting input: Go's default of 60s would use up a short FUZZTIME on
# the first one. FUZZPARALLEL (default: all cores) sets the workers.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
# Tesseract, linked into some test binaries, must run single-threaded.
export OMP_THREAD_LIMIT=1
FUZZTIME="${FUZZTIME:-10s}"
FUZZMINIMIZETIME="${FUZZMINIMIZETIME:-5s}"
parallel=()
if [ -n "${FUZZPARALLEL:-}" ]; then
	parallel=(-parallel "$FUZZPARALLEL")
fi

targets=$(git ls-files -co --exclude-standard -- '*_test.go' |
	xargs grep -Ho '^func Fuzz[A-Za-z0-9_]*' | sed 's/:func /:/' | sort)
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 1
fi

failed=()
ran=0
start=$SECONDS
for t in $targets; do
	file=${t%%:*}
	name=${t##*:}
	if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then
		continue
	fi
	pkg="./$(dirname "$file")"
	echo "=== $name in $pkg for $FUZZTIME"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" \
		-fuzzminimizetime "$FUZZMINIMIZETIME" "${parallel[@]}" "$pkg"; then
		failed+=("$name ($pkg)")
	fi
	ran=$((ran + 1))
done

echo "fuzz.sh: $ran targets in $((SECONDS - start))s"
if [ $ran -eq 0 ]; then
	echo "fuzz.sh: no target matched: $*" >&2
	exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
	printf 'fuzz.sh: FAILED: %s\n' "${failed[@]}" >&2
	exit 1
fi
