"""H100-equivalents and chip power of accelerator counts: known answers, computed here by hand from the chip table."""

import math

import pandas as pd
import pytest

from compute_ledger import units

CHIPS = pd.DataFrame(
    {
        "chip_id": ["h100", "a100", "v100", "gb200", "gb300"],
        "year": [2022, 2020, 2017, 2024, 2025],
        "dense_16bit_tflops": [989.4, 312.0, 125.0, 2500.0, 2500.0],
        "tdp_w": [700.0, 400.0, 300.0, 1200.0, 1400.0],
    }
)


def count(chip: str, value: float = 1000.0, year: float = 2025.0) -> dict[str, object]:
    return {
        "metric": "accelerator_count",
        "unit": "accelerators",
        "chip": chip,
        "value": value,
        "low": float("nan"),
        "high": float("nan"),
        "ref_year": year,
    }


def converted(*rows: dict[str, object]) -> pd.DataFrame:
    return units.equivalents(pd.DataFrame(list(rows)), CHIPS)


def test_a_named_chip_converts_by_its_dense_throughput_and_tdp():
    row = converted(count("a100")).iloc[0]
    assert row["h100e"] == pytest.approx(1000 * 312.0 / 989.4, rel=1e-12)
    assert row["h100e_low"] == row["h100e_high"] == row["h100e"]
    assert row["chip_power_mw"] == pytest.approx(1000 * 400.0 / 1e6, rel=1e-12)


def test_a_mix_of_named_models_ranges_over_those_models_only():
    same_speed = converted(count("gb200|gb300")).iloc[0]
    assert same_speed["h100e"] == pytest.approx(1000 * 2500.0 / 989.4, rel=1e-12)  # both 2,500 TFLOPS
    assert same_speed["h100e_low"] == pytest.approx(same_speed["h100e_high"])
    assert same_speed["chip_power_mw"] == pytest.approx(1000 * math.sqrt(1200.0 * 1400.0) / 1e6, rel=1e-12)
    assert same_speed["chip_power_mw_low"] == pytest.approx(1000 * 1200.0 / 1e6)
    assert same_speed["chip_power_mw_high"] == pytest.approx(1000 * 1400.0 / 1e6)
    two_speeds = converted(count("a100|v100")).iloc[0]
    assert two_speeds["h100e_low"] == pytest.approx(1000 * 125.0 / 989.4, rel=1e-12)
    assert two_speeds["h100e_high"] == pytest.approx(1000 * 312.0 / 989.4, rel=1e-12)
    assert two_speeds["h100e"] == pytest.approx(1000 * math.sqrt(125.0 * 312.0) / 989.4, rel=1e-12)


def test_an_unknown_chip_ranges_over_the_models_of_its_years_not_a_named_mix():
    # 2025: the window (2023, 2025] holds gb200 and gb300; a mixed count of 2021 holds a100 only (2019-2021].
    assert converted(count("unknown", year=2025)).iloc[0]["h100e"] == pytest.approx(1000 * 2500.0 / 989.4)
    assert converted(count("mixed", year=2021)).iloc[0]["h100e"] == pytest.approx(1000 * 312.0 / 989.4)
