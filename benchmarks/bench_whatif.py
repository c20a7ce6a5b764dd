"""The in-page what-if (issue 15): the page weight its panel adds, and the time of one recompute in headless Chromium.

Run from the project root: ``python benchmarks/bench_whatif.py`` (Debian's /usr/bin/chromium; no pipeline run needed:
the database is built from data/raw in a temporary folder). Prints:

* the panel's bytes (style, markup, the Vega spec with the chain's transforms, the glue script), raw and gzipped; the
  Vega bundle is not counted, the page loads it anyway for its other charts;
* one recompute, from setting the signals to the numbers written into the page (the page's own
  ``performance.now()``, ``data-recompute-ms``), median and slowest of N moves of the growth multiple, after warm-up;
* the same from the input event to the numbers shown, as the test harness sees it (includes polling);
* the Monte Carlo in the page: the run's 20,000 draws (the same parameters, drawn by ``projection.monte_carlo``) as
  rows, the chain's own Vega transforms grouped by draw and a quantile per year, timed from a signal change to the
  P10/P50/P90 (median and slowest of a few runs), set against the 200 ms budget of issue 15, and the largest
  relative gap between the page's percentiles and numpy's on the same draws.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import numpy as np  # noqa: E402
import vl_convert  # noqa: E402

from compute_ledger import chain, charts, database, params, projection, queries, scenarios, schema  # noqa: E402
from compute_ledger.views import whatif  # noqa: E402

MOVES = 40
WARM_UP = 5
MONTE_CARLO_DRAWS = 20_000
MONTE_CARLO_RUNS = 5
BUDGET_MS = 200.0
PERCENTILES = (0.1, 0.5, 0.9)
CHROMIUM = "/usr/bin/chromium"

_MOVE = """
async (value) => {
  const panel = document.querySelector('.cl-whatif');
  const box = panel.querySelector('input[data-key="growth_multiple_override"][data-role="number"]');
  const start = performance.now();
  box.value = String(value);
  box.dispatchEvent(new Event('input', {bubbles: true}));
  while (panel.dataset.version !== panel.dataset.requested) await new Promise((r) => setTimeout(r, 0));
  return [performance.now() - start, Number(panel.dataset.recomputeMs)];
}
"""


_MONTE_CARLO = """
async ([spec, dataset, base, runs]) => {
  const element = document.createElement('div');
  document.body.appendChild(element);
  const result = await vegaEmbed(element, spec, {actions: false, renderer: 'none'});
  const view = result.view;
  const times = [];
  for (let run = 0; run < runs; run += 1) {
    const start = performance.now();
    view.signal('base_accelerators', base * (1 + 1e-12 * (run + 1)));
    await view.runAsync();
    times.push(performance.now() - start);
  }
  view.signal('base_accelerators', base);
  await view.runAsync();
  return [times, view.data(dataset).map((row) => ({year: row.year, prob: row.prob, value: row.value}))];
}
"""


def monte_carlo_spec(run: scenarios.ScenarioRun) -> tuple[dict, str, dict]:
    """A Vega-Lite spec that runs the chain over ``MONTE_CARLO_DRAWS`` draws of ``run``'s Monte Carlo (one row per
    draw and year, the drawn parameters as columns) and takes each year's percentiles of accelerators, compiled to
    Vega; the name of the dataset holding the percentiles; and numpy's percentiles of the same draws, year -> values."""
    parameters = run.parameters
    result = projection.monte_carlo(
        base_year=run.base.year,
        base_accelerators=run.base.h100e,
        growth_log_mean=float(np.log(run.growth_multiple)),
        growth_log_sd=run.growth_log_sd,
        param_ranges=run.ranges,
        fixed_params=run.chain,
        horizon=parameters.horizon,
        n_draws=MONTE_CARLO_DRAWS,
        seed=parameters.random_seed,
    )
    # JSON has no infinity: no cap travels as the largest float, as in the what-if panel (the cap is then infinite).
    drawn = {"growth_log": np.log(result.growth_multiple), **result.parameters}
    drawn = {name: np.where(np.isinf(values), sys.float_info.max, values) for name, values in drawn.items()}
    rows = [
        {"draw": draw, "year": float(year), **{name: float(values[draw]) for name, values in drawn.items()}}
        for draw in range(MONTE_CARLO_DRAWS)
        for year in result.years
    ]
    steps = chain.vega_lite_transforms(chain.PROJECTION, ["year", "draw", *drawn], groupby=["draw"])
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "params": [
            {"name": "base_year", "value": run.base.year},
            {"name": "base_accelerators", "value": run.base.h100e},
        ],
        "data": {"values": rows},
        "transform": [
            *steps,
            {"quantile": "accelerators", "groupby": ["year"], "probs": list(PERCENTILES), "as": ["prob", "value"]},
        ],
        "mark": "point",
        "encoding": {"x": {"field": "year", "type": "quantitative"}, "y": {"field": "value", "type": "quantitative"}},
    }
    vega = vl_convert.vegalite_to_vega(spec, vl_version=charts.VEGA_LITE_VERSION)
    dataset = next(d["name"] for d in vega["data"] if any(t.get("type") == "quantile" for t in d.get("transform", [])))
    numpy = {
        float(year): np.quantile(result.draws["accelerators"][:, index], PERCENTILES)
        for index, year in enumerate(result.years)
    }
    return vega, dataset, numpy


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        db = root / "ledger.duckdb"
        database.build_database(schema.validate(), db)
        with database.connect_read_only(db) as connection:
            inputs = scenarios.ChainInputs(**queries.chain_inputs(connection))
        sets = scenarios.parameter_sets({}, params.Parameters())
        main_name = scenarios.main_scenario(list(sets))
        run = scenarios.run_scenario(inputs, main_name, sets[main_name])
        panel = whatif.panel(run, "benchmark").data.encode("utf-8")
        print(f"panel: {len(panel):,} bytes, {len(gzip.compress(panel, compresslevel=9, mtime=0)):,} bytes gzipped")
        (root / "index.html").write_bytes(
            b'<!doctype html><html data-content_root="./"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
            b"</head><body>" + panel + b"</body></html>"
        )
        charts.write_vendor_bundle(root / charts.VENDOR_BUNDLE)
        handler = functools.partial(_QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
            page.wait_for_function("() => document.querySelector('.cl-whatif').dataset.version", timeout=30_000)
            print(f"page load to first numbers: {1000 * (time.perf_counter() - started):.0f} ms")
            round_trips, recomputes = [], []
            for move in range(WARM_UP + MOVES):
                round_trip, recompute = page.evaluate(_MOVE, 1.5 + (move % 10) * 0.25)
                if move >= WARM_UP:
                    round_trips.append(round_trip)
                    recomputes.append(recompute)
            spec, dataset, numpy = monte_carlo_spec(run)
            page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
            page.wait_for_function("() => document.querySelector('.cl-whatif').dataset.version", timeout=30_000)
            times, percentiles = page.evaluate(_MONTE_CARLO, [spec, dataset, run.base.h100e, MONTE_CARLO_RUNS])
            browser.close()
        server.shutdown()
    gaps = [
        abs(row["value"] - numpy[row["year"]][PERCENTILES.index(row["prob"])]) / numpy[row["year"]][0]
        for row in percentiles
    ]
    print(
        f"one recompute (signals set -> numbers shown), {MOVES} moves: median {statistics.median(recomputes):.1f} ms, "
        f"slowest {max(recomputes):.1f} ms"
    )
    print(
        f"input event -> numbers shown: median {statistics.median(round_trips):.1f} ms, "
        f"slowest {max(round_trips):.1f} ms"
    )
    median = statistics.median(times)
    print(
        f"Monte Carlo in the page, {MONTE_CARLO_DRAWS:,} draws x {len(numpy)} years through the chain's transforms "
        f"and percentiles, {MONTE_CARLO_RUNS} runs: median {median:,.0f} ms, slowest {max(times):,.0f} ms; budget "
        f"{BUDGET_MS:.0f} ms: {'met' if median <= BUDGET_MS else 'not met'} (x{median / BUDGET_MS:.1f}); largest "
        f"relative gap to numpy's percentiles {max(gaps):.1e}"
    )


if __name__ == "__main__":
    main()
