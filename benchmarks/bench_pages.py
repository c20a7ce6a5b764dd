"""Page weights of the built book, measured in a real browser (Debian's chromium) on a local server.

For every page: the bytes it transfers (HTML, theme assets, our scripts, the Vega bundle when it has charts), the
number of requests, and whether it loaded the Vega bundle. Prints the goals of issue 4: pages without charts load
no Vega; a chart page adds at most ~1 MB to the theme's own assets (measured against the lightest page).

Run after the pipeline: ``.venv/bin/python benchmarks/bench_pages.py [path/to/book/_build/html]``.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
GOAL_CHART_EXTRA_MB = 1.0


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a browser closing a connection early (e.g. on a missing favicon.ico) is not an error here


def measure(html_root: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(html_root))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    results = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for page_path in sorted(html_root.glob("*.html")):
                context = browser.new_context()  # a fresh cache for every page
                page = context.new_page()
                sizes: dict[str, int] = {}
                gzipped: dict[str, int] = {}

                def on_response(response, sizes=sizes, gzipped=gzipped):
                    try:
                        body = response.body()
                    except Exception:  # redirects and aborted requests have no body
                        body = b""
                    sizes[response.url] = len(body)
                    gzipped[response.url] = len(gzip.compress(body, 6)) if body else 0

                page.on("response", on_response)
                page.goto(f"{base}/{page_path.name}", wait_until="networkidle")
                charts = page.locator("div.cl-chart").count()
                if charts:
                    page.locator("div.cl-chart svg").first.wait_for(state="attached", timeout=20_000)
                    page.wait_for_load_state("networkidle")
                vega = sum(size for url, size in sizes.items() if "vega-bundle" in url)
                results.append(
                    {
                        "page": page_path.name,
                        "charts": charts,
                        "requests": len(sizes),
                        "html_kb": page_path.stat().st_size / 1024,
                        "total_kb": sum(sizes.values()) / 1024,
                        "gzip_kb": sum(gzipped.values()) / 1024,
                        "vega_kb": vega / 1024,
                    }
                )
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return results


def main() -> int:
    html_root = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "book" / "_build" / "html"
    if not (html_root / "index.html").exists():
        print(f"no built book in {html_root}: run `python pipeline.py` first", file=sys.stderr)
        return 2
    results = measure(html_root)
    print(f"{'page':<22} {'charts':>6} {'requests':>8} {'HTML kB':>9} {'total kB':>9} {'gzip kB':>8} {'Vega kB':>8}")
    for r in results:
        print(
            f"{r['page']:<22} {r['charts']:>6} {r['requests']:>8} {r['html_kb']:>9.0f} {r['total_kb']:>9.0f} "
            f"{r['gzip_kb']:>8.0f} {r['vega_kb']:>8.0f}"
        )
    without = [r for r in results if r["charts"] == 0]
    with_charts = [r for r in results if r["charts"] > 0]
    lightest = min(r["total_kb"] for r in without)
    heaviest = max(with_charts, key=lambda r: r["total_kb"])
    extra_mb = (heaviest["total_kb"] - lightest) / 1024
    vega_leaks = [r["page"] for r in without if r["vega_kb"] > 0]
    print()
    print(f"theme baseline (lightest page without charts): {lightest:,.0f} kB")
    print(
        f"heaviest chart page: {heaviest['page']} {heaviest['total_kb']:,.0f} kB, +{extra_mb:.2f} MB over the baseline "
        f"(goal ≤ {GOAL_CHART_EXTRA_MB:.1f} MB: {'met' if extra_mb <= GOAL_CHART_EXTRA_MB else 'NOT met'})"
    )
    light_gzip = min(r["gzip_kb"] for r in without)
    print(
        f"the same compressed as a static host would serve it (gzip): baseline {light_gzip:,.0f} kB, heaviest chart "
        f"page +{(heaviest['gzip_kb'] - light_gzip) / 1024:.2f} MB"
    )
    print(f"pages without charts that load Vega: {', '.join(vega_leaks) or 'none'} (goal: none)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
