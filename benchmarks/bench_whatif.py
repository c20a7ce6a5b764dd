"""The in-page what-if (issue 15): the page weight its panel adds, and the time of one recompute in headless Chromium.

Run from the project root: ``python benchmarks/bench_whatif.py`` (Debian's /usr/bin/chromium; no pipeline run needed:
the database is built from data/raw in a temporary folder). Prints:

* the panel's bytes (style, markup, the Vega spec with the chain's transforms, the glue script), raw and gzipped; the
  Vega bundle is not counted, the page loads it anyway for its other charts;
* one recompute, from setting the signals to the numbers written into the page (the page's own
  ``performance.now()``, ``data-recompute-ms``), median and slowest of N moves of the growth multiple, after warm-up;
* the same from the input event to the numbers shown, as the test harness sees it (includes polling).
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

from compute_ledger import charts, database, params, queries, scenarios, schema  # noqa: E402
from compute_ledger.views import whatif  # noqa: E402

MOVES = 40
WARM_UP = 5
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
            browser.close()
        server.shutdown()
    print(
        f"one recompute (signals set -> numbers shown), {MOVES} moves: median {statistics.median(recomputes):.1f} ms, "
        f"slowest {max(recomputes):.1f} ms"
    )
    print(
        f"input event -> numbers shown: median {statistics.median(round_trips):.1f} ms, "
        f"slowest {max(round_trips):.1f} ms"
    )


if __name__ == "__main__":
    main()
