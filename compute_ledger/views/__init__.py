"""Views: the charts, tables and prose values of each chapter, one module per chapter, named like the chapter, plus
the chart helpers every chapter shares (``common``).

A view function takes the chapter's context (:mod:`compute_ledger.chapter_context`) and returns what the cell
displays: it reads the ledger through :mod:`compute_ledger.queries` (views run no SQL), computes through the analysis
modules, and draws, formats, glues and records the key numbers.
"""

from compute_ledger.views import (
    checks,
    claims,
    common,
    gpu_counts,
    growth,
    money,
    power,
    projections,
    scorecard,
    whatif,
)

__all__ = ["checks", "claims", "common", "gpu_counts", "growth", "money", "power", "projections", "scorecard", "whatif"]
