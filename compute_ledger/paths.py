"""Every path the project uses, derived from the project root. No other module builds paths by hand."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DATA_RAW = ROOT / "data" / "raw"
SOURCES_CSV = DATA_RAW / "sources.csv"
FIGURES_CSV = DATA_RAW / "figures.csv"
CHIPS_CSV = DATA_RAW / "chips.csv"
SYSTEMS_CSV = DATA_RAW / "systems.csv"
SCORECARD_CSV = DATA_RAW / "scorecard.csv"  # published projections paired with later outturns

DATA_PROCESSED = ROOT / "data" / "processed"
NOTEBOOKS = ROOT / "notebooks"
BOOK = ROOT / "book"
BOOK_HTML = BOOK / "_build" / "html"
SCENARIOS = ROOT / "scenarios"
CITATION_CFF = ROOT / "CITATION.cff"
DATA_CHANGELOG = ROOT / "data" / "CHANGELOG.md"
# Frozen editions: each released edition's catalogue (key numbers, tables, datapackage, citation files), in the repo.
EDITIONS = ROOT / "editions"

# Work area of a run: staging copies, the lock, the cache. Never published, never committed.
WORK = ROOT / "build"
LOCK_FILE = WORK / "pipeline.lock"
STAGING = WORK / "staging"  # what a run writes before publishing; one at a time (the lock), removed after the run
FAILED_NOTEBOOKS = WORK / "failed"  # the executed copy of a notebook that failed, with its traceback
# The book's assembled sources and Sphinx's build folder, kept between runs so that Sphinx re-reads changed pages only.
BOOK_WORK = WORK / "book"
# The built site of each released edition, as an archive (too large for the repo): editions/<version>/site.tar.gz.
# The book unpacks each one under editions/<version>/ of the site; a published site must keep that folder.
EDITION_SITES = WORK / "editions"
EDITION_SITE_ARCHIVE = "site.tar.gz"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"


class ProcessedLayout:
    """Where a run writes inside a processed folder (the live one or a staging copy)."""

    def __init__(self, base: Path):
        self.base = base
        self.database = base / "ledger.duckdb"
        self.tables = base / "tables"
        self.notebooks = base / "notebooks"
        self.exports = base / "exports"
        self.key_numbers_dir = base / "key_numbers"  # one JSON file per chapter
        self.key_numbers_csv = base / "key_numbers.csv"
        self.key_numbers_json = base / "key_numbers.json"
        self.manifest = base / "run_manifest.json"
        self.datapackage = base / "datapackage.json"

    def chapter_exports(self, chapter: str) -> Path:
        return self.exports / chapter
