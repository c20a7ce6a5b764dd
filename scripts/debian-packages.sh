#!/usr/bin/env bash
# Install Debian packages that are missing: each argument is COMMAND=PACKAGE (installed when COMMAND is not found).
# As root, or through sudo. Used by setup.sh (chromium: the PDF edition) and test.sh (pdftotext: the PDF's test).
set -euo pipefail
missing=()
for pair in "$@"; do
  command -v "${pair%%=*}" >/dev/null 2>&1 || [ -x "/usr/bin/${pair%%=*}" ] || missing+=("${pair#*=}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "Installing Debian packages: ${missing[*]}"
run apt-get update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
