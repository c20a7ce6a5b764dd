"""Wall time of 100,000 Monte Carlo draws of the whole projection chain to 2030.

Run from the project root: ``python benchmarks/bench_projection.py``. Prints one line per figure:
best of 5 timed runs after one warm-up, for the draws alone and for draws plus the percentile bands,
the memory held by the result and the peak memory allocated while producing it.
"""

from __future__ import annotations

import math
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from compute_ledger.projection import MonteCarloResult, milestone_bands, monte_carlo  # noqa: E402 (after the sys.path insert above)

N_DRAWS = 100_000
BASE_YEAR = 2024
HORIZON = 2030
REPEATS = 5

PARAM_RANGES: dict[str, tuple[float, float, float]] = {
    "accelerator_it_power_w": (1000.0, 1275.0, 1800.0),
    "pue": (1.1, 1.2, 1.4),
    "utilisation": (0.6, 0.8, 0.95),
    "electricity_price_usd_per_mwh": (40.0, 80.0, 150.0),
    "gpu_unit_price_usd": (20_000.0, 30_000.0, 45_000.0),
    "accelerator_price_change_per_year": (-0.25, -0.1, 0.05),
    "growth_slowdown_per_year": (0.0, 0.1, 0.4),
    "site_power_cap_mw": (2_000.0, 5_000.0, 10_000.0),
}


def run_draws() -> MonteCarloResult:
    """One Monte Carlo run of the whole chain with every parameter ranged."""
    return monte_carlo(
        BASE_YEAR,
        200_000.0,
        growth_log_mean=math.log(2.5),
        growth_log_sd=0.2,
        param_ranges=PARAM_RANGES,
        fixed_params={},
        horizon=HORIZON,
        n_draws=N_DRAWS,
        seed=2025,
    )


def run_draws_and_summaries() -> None:
    """Draws plus the percentile bands and milestone bands a chapter would show."""
    result = run_draws()
    result.bands()
    milestone_bands(result)


def best_seconds(function: Callable[[], object]) -> float:
    """Best wall time of ``REPEATS`` runs after one warm-up run."""
    function()
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    """Print the benchmark figures, one per line."""
    n_years = HORIZON - BASE_YEAR + 1
    print(f"setup: {N_DRAWS:,} draws x {n_years} years ({BASE_YEAR}-{HORIZON}), {os.cpu_count()} CPUs visible")
    print(f"monte_carlo draws, best of {REPEATS}: {best_seconds(run_draws):.3f} s")
    with_summaries = best_seconds(run_draws_and_summaries)
    print(f"monte_carlo + bands + milestone_bands, best of {REPEATS}: {with_summaries:.3f} s")
    tracemalloc.start()
    result = run_draws()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"result memory (all arrays): {result.nbytes / 1e6:.1f} MB")
    print(f"peak memory allocated during one run: {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
