"""Compute Ledger: the tested logic behind the pipeline and the book's chapters."""
