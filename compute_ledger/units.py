"""Comparable units: accelerator counts in H100-equivalents and in chip power, through the chip table.

Convention (stated once; the About page and the data dictionary quote it):

- A count of chip X is ``count × dense_16bit_tflops(X) / dense_16bit_tflops(h100)`` H100-equivalents (H100e), the
  dense (not sparse) BF16/FP16 tensor throughput of the vendors' spec sheets. Memory, interconnect and low-precision
  formats (FP8, FP4) are not in the ratio, so H100e compares 16-bit training compute, not every workload.
- A count whose chip is ``unknown`` or ``mixed`` gets a range: from the lowest to the highest ratio among the chip
  models of the table available in the ``UNKNOWN_WINDOW_YEARS`` years up to the figure's year; its central value is
  the geometric middle of that range. Without a year, the whole table is the window. A count of a mix of named
  models (``gb200|gb300``) ranges the same way over those models only.
- Chip power is ``count × TDP``: the accelerators alone, not the servers, the network or the cooling.

Pure functions: DataFrames in, DataFrames out.
"""

from __future__ import annotations

import math

import pandas as pd

from compute_ledger import metadata

REFERENCE_CHIP = "h100"
UNKNOWN_WINDOW_YEARS = 3
EQUIVALENT_COLUMNS = ("h100e", "h100e_low", "h100e_high", "chip_power_mw", "chip_power_mw_low", "chip_power_mw_high")


def ratios(chips: pd.DataFrame) -> pd.Series:
    """H100-equivalents per chip, by chip_id (dense 16-bit TFLOPS over the H100's)."""
    by_id = chips.set_index("chip_id")
    if REFERENCE_CHIP not in by_id.index:
        raise ValueError(f"the chip table has no {REFERENCE_CHIP!r} row: H100-equivalents need it")
    return by_id["dense_16bit_tflops"] / by_id.at[REFERENCE_CHIP, "dense_16bit_tflops"]


def window(chips: pd.DataFrame, year: float | None) -> pd.DataFrame:
    """The chip models an unspecified count of ``year`` may be: those available in the window up to that year."""
    if year is None or (isinstance(year, float) and math.isnan(year)):
        return chips
    inside = chips[(chips["year"] <= year) & (chips["year"] > year - UNKNOWN_WINDOW_YEARS)]
    return inside if not inside.empty else chips[chips["year"] <= year].nlargest(1, "year")


def mix(chips: pd.DataFrame, chip: str) -> pd.DataFrame:
    """The chip models of a mix such as ``gb200|gb300``."""
    return chips[chips["chip_id"].isin(chip.split(metadata.CHIP_MIX_SEPARATOR))]


def equivalents(figures: pd.DataFrame, chips: pd.DataFrame) -> pd.DataFrame:
    """For every accelerator count (``metric`` accelerator_count): its H100e and its chip power (MW), each with a
    low and a high; for an H100e figure (``metric`` compute_capacity) the H100e are the figure itself. Other rows
    get empty values. One row per figure, in the input's order, indexed like it."""
    per_chip = ratios(chips)
    tdp = chips.set_index("chip_id")["tdp_w"]
    out = pd.DataFrame(index=figures.index, columns=list(EQUIVALENT_COLUMNS), dtype="float64")
    for index, row in figures.iterrows():
        value = row["value"]
        low = row["low"] if row["low"] == row["low"] else value
        high = row["high"] if row["high"] == row["high"] else value
        if row["metric"] == "compute_capacity" and row["unit"] == "H100e":
            out.loc[index, ["h100e", "h100e_low", "h100e_high"]] = (value, low, high)
            continue
        if row["metric"] != "accelerator_count":
            continue
        chip = row["chip"]
        if chip in metadata.CHIP_PLACEHOLDERS or metadata.CHIP_MIX_SEPARATOR in chip:
            # A mix of named models ranges over them; an unspecified count over the models of its years.
            candidates = window(chips, row.get("ref_year")) if chip in metadata.CHIP_PLACEHOLDERS else mix(chips, chip)
            r = per_chip.loc[candidates["chip_id"]]
            w = tdp.loc[candidates["chip_id"]]
            r_low, r_high, w_low, w_high = r.min(), r.max(), w.min(), w.max()
            r_mid, w_mid = math.sqrt(r_low * r_high), math.sqrt(w_low * w_high)
        else:
            r_low = r_high = r_mid = per_chip.at[chip]
            w_low = w_high = w_mid = tdp.at[chip]
        out.loc[index] = (
            value * r_mid,
            low * r_low,
            high * r_high,
            value * w_mid / 1e6,
            low * w_low / 1e6,
            high * w_high / 1e6,
        )
    return out.astype("float64")


def h100e(count: float, chip: str, chips: pd.DataFrame) -> float:
    """One count of a named chip in H100-equivalents."""
    return float(count * ratios(chips).at[chip])


__all__ = [
    "EQUIVALENT_COLUMNS",
    "REFERENCE_CHIP",
    "UNKNOWN_WINDOW_YEARS",
    "equivalents",
    "h100e",
    "mix",
    "ratios",
    "window",
]
