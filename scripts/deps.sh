#!/usr/bin/env bash
# Installs the Debian packages sohoa needs, only those missing.
# Usage: scripts/deps.sh run|test|bench
set -euo pipefail

run_pkgs=(gcc pkg-config tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd libtesseract-dev libleptonica-dev
  poppler-utils qpdf fonts-liberation2 icc-profiles-free ca-certificates ghostscript)
# Tests also drive real servers and outside verifiers.
test_pkgs=(redis-server postgresql openssl git libtiff-tools systemd libxml2-utils fonts-dejavu-core fonts-dejavu-extra softhsm2 opensc libnss3-tools sane-utils zbar-tools chromium
  img2pdf libopenjp2-tools libreoffice-writer imagemagick)

pkgs=("${run_pkgs[@]}")
if [ "${1:-run}" = test ]; then pkgs+=("${test_pkgs[@]}"); fi
# bench/ also runs OCRmyPDF for comparison.
if [ "${1:-run}" = bench ]; then pkgs+=("${test_pkgs[@]}" ocrmypdf wrk); fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# scripts/tessdata.sh fetches a model with npm: Debian's, unless an npm
# (e.g. from Node.js's own packages, which Debian's would conflict with)
# is already on PATH.
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "sohoa: installing missing packages: ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v go >/dev/null 2>&1; then
  echo "sohoa: Go 1.26 or newer is required (https://go.dev/dl/); put it on PATH (e.g. /usr/local/go/bin)" >&2
  exit 1
fi

# The OCR model (from the npm registry) into sohoa's own tessdata folder.
"$(dirname "$0")/tessdata.sh"
