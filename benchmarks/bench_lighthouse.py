"""Lighthouse scores of six pages of the built book, served gzipped on a local server, in Debian's chromium.

For each page: performance (Lighthouse's default mobile emulation and throttling), accessibility, best practices and
SEO, and the bytes the page transfers in all (Lighthouse's total-byte-weight, gzipped as served). Prints the targets of
issue 12: accessibility 100, best practices 100, SEO >= 95, performance >= 80 on mobile, a chart page <= 600 kB.

Lighthouse comes from the npm registry, pinned, installed once under build/lighthouse-tools (npm must be on PATH).
Run after the pipeline: ``.venv/bin/python benchmarks/bench_lighthouse.py [path/to/book/_build/html]``.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE_VERSION = "12.8.2"
TOOLS = ROOT / "build" / "lighthouse-tools"
PAGES = ("intro", "gpu_counts", "power", "money", "projections", "sources")
CHART_PAGES = ("intro", "gpu_counts", "power", "money", "projections")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 80, "accessibility": 100, "best-practices": 100, "seo": 95}
CHART_PAGE_LIMIT_KB = 600
COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync"
)


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text ones gzipped when the browser accepts it (as a production server would)."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path.split("?", 1)[0].split("#", 1)[0]))
        if path.is_dir():
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and wants_gzip and path.suffix in COMPRESSIBLE):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass


def lighthouse() -> Path:
    """The pinned Lighthouse command, installed under build/ on first use."""
    binary = TOOLS / "node_modules" / ".bin" / "lighthouse"
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True) if binary.exists() else None
    if version is None or version.stdout.strip() != LIGHTHOUSE_VERSION:
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", f"lighthouse@{LIGHTHOUSE_VERSION}"],
            cwd=TOOLS,
            check=True,
        )
    return binary


def audit(binary: Path, url: str) -> dict:
    """One Lighthouse run on ``url``: the category scores (0-100) and the page's total transfer in kB."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(
            [
                str(binary),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                f"--only-categories={','.join(CATEGORIES)}",
                f"--chrome-flags={CHROME_FLAGS}",
            ],
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            check=True,
        )
        result = json.loads(report.read_text(encoding="utf-8"))
    scores = {name: round(100 * (result["categories"][name]["score"] or 0)) for name in CATEGORIES}
    scores["kb"] = result["audits"]["total-byte-weight"]["numericValue"] / 1000
    scores["failed"] = sorted(
        audit_id
        for name in CATEGORIES[1:]
        for ref in result["categories"][name]["auditRefs"]
        if ref["weight"] > 0
        and (audit_id := ref["id"]) in result["audits"]
        and result["audits"][audit_id]["score"] is not None
        and result["audits"][audit_id]["score"] < 1
    )
    return scores


def main(html_root: Path) -> int:
    binary = lighthouse()
    server = _Server(("127.0.0.1", 0), functools.partial(_GzipHandler, directory=str(html_root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    rows = {}
    try:
        for page in PAGES:
            rows[page] = audit(binary, f"{base}/{page}.html")
    finally:
        server.shutdown()
    print(f"Lighthouse {LIGHTHOUSE_VERSION}, {CHROMIUM}, mobile emulation, pages served gzipped from {html_root}")
    print(f"{'page':<12} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5} {'kB':>8}  failed audits")
    for page, row in rows.items():
        print(
            f"{page:<12} {row['performance']:>5} {row['accessibility']:>5} {row['best-practices']:>5} "
            f"{row['seo']:>5} {row['kb']:>8.0f}  {', '.join(row['failed']) or '-'}"
        )
    for name, target in TARGETS.items():
        low = [page for page, row in rows.items() if row[name] < target]
        print(f"{name} >= {target} on every page: {'met' if not low else 'not met (' + ', '.join(low) + ')'}")
    heavy = [page for page in CHART_PAGES if rows[page]["kb"] > CHART_PAGE_LIMIT_KB]
    verdict = "met" if not heavy else f"not met ({', '.join(heavy)})"
    print(f"chart page <= {CHART_PAGE_LIMIT_KB} kB gzipped: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "book" / "_build" / "html"))
