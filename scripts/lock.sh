#!/usr/bin/env bash
# Regenerate the locks from the direct pins, with hashes, valid on every supported Python (3.11 to 3.13) and platform:
#   requirements.txt            -> requirements-lock.txt
#   requirements-cffconvert.in  -> requirements-cffconvert.txt (cffconvert needs jsonschema<4: its own environment)
# Re-run after changing a pin (or merging a branch that did). Versions already in a lock are kept where they still
# fit (uv prefers them); `bash scripts/lock.sh --upgrade` moves every transitive pin to its newest version.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
tools=build/lock-tools
if ! "$tools/bin/uv" --version 2>/dev/null | grep -q "^uv $UV_VERSION "; then
  python3 -m venv --clear "$tools"
  "$tools/bin/python" -m pip install --quiet "uv==$UV_VERSION"
fi
compile() {
  "$tools/bin/uv" pip compile "$1" --output-file "$2" --universal --python-version 3.11 --generate-hashes \
    --custom-compile-command "bash scripts/lock.sh" --quiet "${@:3}"
}
compile requirements.txt requirements-lock.txt "$@"
compile requirements-cffconvert.in requirements-cffconvert.txt "$@"
