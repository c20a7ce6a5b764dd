"""The one entry point: python pipeline.py [--set NAME=VALUE ...] [--params FILE] [--scenario NAME ...]."""

import os
import sys

from compute_ledger.cli import main

if __name__ == "__main__":
    code = main()
    # Leave without tearing the interpreter down: the run is over (lock released, staging folder removed, child
    # processes waited for), and unloading pandas, papermill and Altair would take another half second.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
