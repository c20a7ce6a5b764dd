"""The one entry point: python pipeline.py [--set NAME=VALUE ...] [--params FILE] [--scenario NAME ...]."""

import sys

from compute_ledger.cli import main

if __name__ == "__main__":
    sys.exit(main())
