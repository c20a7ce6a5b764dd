#!/usr/bin/env bash
# Set up (Python packages; Debian's chromium for the browser tests and the PDF, poppler-utils for the PDF's test),
# then lint and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/debian-packages.sh chromium=chromium pdftotext=poppler-utils
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# In parallel, one worker per core, a test file per worker (tests/conftest.py builds the shared project once).
.venv/bin/python -m pytest -n auto --dist loadfile "$@"
