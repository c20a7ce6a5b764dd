#!/usr/bin/env bash
# Create .venv with the locked dependencies (hashes checked) and the compute_ledger package; .venv/cffconvert holds
# the citation-file validator the tests use. Safe to re-run: nothing is done while the locks are unchanged.
# Python: $PYTHON if set, else the newest supported one found (3.13, 3.12, 3.11) on PATH or among pyenv's versions
# (PYTHON_VERSION=3.11 looks for that version only).
# An existing .venv keeps its Python while it is supported; delete .venv to set up again with another one.
set -euo pipefail
cd "$(dirname "$0")/.."
SUPPORTED="3.13 3.12 3.11"  # newest first; pyproject.toml's requires-python is the same range
supported() { "$1" -c 'import sys; sys.exit(f"{sys.version_info[0]}.{sys.version_info[1]}" not in sys.argv[1].split())' "$SUPPORTED" 2>/dev/null; }
find_python() {
  local version candidate
  for version in ${PYTHON_VERSION:-$SUPPORTED}; do
    for candidate in "$(command -v "python$version" || true)" "${PYENV_ROOT:-$HOME/.pyenv}/versions/$version"*/bin/python"$version"; do
      if [ -x "$candidate" ] && supported "$candidate"; then echo "$candidate"; return; fi
    done
  done
  echo "No Python ${PYTHON_VERSION:-$SUPPORTED} found: install one, or set PYTHON=/path/to/python3.x" >&2
  exit 1
}
if [ -x .venv/bin/python ] && supported .venv/bin/python; then
  PYTHON=.venv/bin/python
elif [ -n "${PYTHON:-}" ]; then
  supported "$PYTHON" || { echo "PYTHON=$PYTHON is not a supported Python ($SUPPORTED)" >&2; exit 1; }
else
  PYTHON="$(find_python)"
fi
stamp=.venv/.installed-$(cat requirements-lock.txt requirements-cffconvert.txt pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || { rm -rf .venv; "$PYTHON" -m venv .venv; }
  echo "Setting up .venv with $(.venv/bin/python --version)"
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements-lock.txt
  .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
  [ -x .venv/cffconvert/bin/python ] || .venv/bin/python -m venv --without-pip .venv/cffconvert
  .venv/bin/python -m pip --python .venv/cffconvert/bin/python install --quiet --require-hashes \
    -r requirements-cffconvert.txt
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# Debian's chromium prints the PDF edition (the pipeline skips the PDF, and says so, where there is none).
bash scripts/debian-packages.sh chromium=chromium || echo "Could not install chromium: the pipeline will skip the PDF edition"
