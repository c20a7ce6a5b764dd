#!/usr/bin/env bash
# Set up, then run the main job with the default parameters: data/raw -> DuckDB -> chapters -> book/_build/html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python pipeline.py "$@"
echo "Open book/_build/html/index.html (or: .venv/bin/python -m http.server -d book/_build/html -b 127.0.0.1 8000)"
