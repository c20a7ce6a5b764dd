"""Table cells read as people write numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from compute_ledger import report


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (100000.0, "100,000"),
        (np.float64(13824.0), "13,824"),
        (np.int64(700), "700"),
        (1.82, "1.82"),
        (1.8214285714, "1.82143"),
        (0.0125, "0.0125"),
        (math.nan, ""),
        (None, ""),
        (True, "True"),
        ("H100 GPUs", "H100 GPUs"),
    ],
)
def test_cell(value, text):
    assert report.cell(value) == text


def test_html_table_prints_no_float_tail():
    html = report.html_table(pd.DataFrame({"GPUs": [100000.0, 25000.0], "W": [700.0, 1200.0]}), "t", "c").data
    assert "100,000" in html and "1,200" in html and ".0<" not in html
