"""Releasing an edition: ``python pipeline.py --release VERSION``.

1. :func:`prepare` checks the version (MAJOR.MINOR.PATCH, newer than every frozen edition) and the checkout (a git
   work tree with no uncommitted change to a tracked file), then writes the version and today's date into
   ``CITATION.cff`` (both the edition and its preferred citation) and regenerates ``.zenodo.json``;
2. the pipeline runs on its defaults (the command line refuses ``--set``, ``--params`` and ``--scenario``);
3. :func:`freeze` writes ``editions/<version>/`` (key numbers, tables, datapackage, citation files: the catalogue
   the next edition's diff compares with) and archives the built site as ``build/editions/<version>/site.tar.gz``;
4. the book is built again, now carrying the edition under its stable address ``editions/<version>/``;
5. :func:`commit_and_tag` commits ``CITATION.cff``, ``.zenodo.json`` and ``editions/<version>/`` and tags the commit
   ``v<version>``.

If a step fails, :func:`restore` puts ``CITATION.cff`` and ``.zenodo.json`` back as they were and removes a half
frozen edition; data/processed and the book keep the last good run, as for any run.
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from dataclasses import dataclass

from compute_ledger import citation, editions, inputs, paths, zenodo
from compute_ledger.errors import InputFileError


class ReleaseError(InputFileError):
    """A release that cannot start: a bad version, an edition frozen already, a dirty or missing checkout."""


@dataclass(frozen=True)
class Prepared:
    version: str
    date: str
    commit: str  # the commit the edition is built from
    citation_before: str
    zenodo_before: str | None


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=paths.ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout.strip()


def dated_citation(text: str, version: str, date: str) -> str:
    """``CITATION.cff``'s text with every ``version:`` and ``date-released:`` line (the edition's and its preferred
    citation's) set to ``version`` and ``date``, and the preferred citation's ``year``; comments and layout kept."""
    text, versions = re.subn(r"(?m)^(\s*version:\s*).*$", lambda m: f'{m.group(1)}"{version}"', text)
    text, dates = re.subn(r"(?m)^(\s*date-released:\s*).*$", lambda m: f'{m.group(1)}"{date}"', text)
    text = re.sub(r"(?m)^(\s+year:\s*).*$", lambda m: f"{m.group(1)}{date[:4]}", text)
    if not versions or not dates:
        raise ReleaseError(f"{inputs.display(paths.CITATION_CFF)}: needs version and date-released lines")
    return text


def prepare(version: str, today: datetime.date | None = None) -> Prepared:
    """Check that ``version`` can be released from this checkout, then date ``CITATION.cff`` for it."""
    try:
        editions.version_key(version)
    except ValueError as error:
        raise ReleaseError(f"--release: {error}") from None
    frozen = editions.released()
    if any(e.version == version for e in frozen):
        raise ReleaseError(f"--release {version}: editions/{version} is frozen already; choose the next version")
    newer = [e.version for e in frozen if editions.version_key(e.version) > editions.version_key(version)]
    if newer:
        raise ReleaseError(f"--release {version}: older than the frozen edition(s) {', '.join(newer)}")
    commit = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    if dirty:
        first = dirty.splitlines()[0].strip()
        raise ReleaseError(f"--release: commit or stash your changes first (uncommitted: {first} ...)")
    if _git("tag", "--list", f"v{version}"):
        raise ReleaseError(f"--release {version}: the tag v{version} exists already")
    date = (today or datetime.datetime.now(datetime.UTC).date()).isoformat()
    before = inputs.read_text(paths.CITATION_CFF)
    zenodo_before = zenodo.ZENODO_JSON.read_text(encoding="utf-8") if zenodo.ZENODO_JSON.exists() else None
    paths.CITATION_CFF.write_text(dated_citation(before, version, date), encoding="utf-8")
    citation.edition.cache_clear()
    zenodo.main()
    return Prepared(version, date, commit, before, zenodo_before)


def freeze(prepared: Prepared) -> None:
    """Freeze the edition just built: its catalogue under ``editions/<version>/``, its site as an archive."""
    layout = paths.ProcessedLayout(paths.DATA_PROCESSED)
    editions.freeze(
        prepared.version,
        prepared.date,
        prepared.commit,
        f"released with pipeline.py --release {prepared.version} from commit {prepared.commit[:12]}",
        layout,
        paths.CITATION_CFF,
        paths.BOOK_HTML / "data" / "citations",
    )
    editions.archive_site(paths.BOOK_HTML, prepared.version)


def commit_and_tag(prepared: Prepared) -> str:
    """Commit the dated citation files and the frozen edition, tag the commit; returns the tag."""
    tag = f"v{prepared.version}"
    folder = editions.folder(prepared.version).relative_to(paths.ROOT).as_posix()
    _git("add", "CITATION.cff", zenodo.ZENODO_JSON.name, folder)
    message = (
        f"Edition {prepared.version} ({prepared.date}), released with pipeline.py --release: its catalogue frozen "
        f"under {folder}/, CITATION.cff and .zenodo.json dated"
    )
    _git("commit", "--quiet", "-m", message)
    _git("tag", "-a", tag, "-m", f"Edition {prepared.version} ({prepared.date})")
    return tag


def restore(prepared: Prepared) -> None:
    """Undo :func:`prepare` and a partial :func:`freeze` after a failed release."""
    paths.CITATION_CFF.write_text(prepared.citation_before, encoding="utf-8")
    if prepared.zenodo_before is not None:
        zenodo.ZENODO_JSON.write_text(prepared.zenodo_before, encoding="utf-8")
    citation.edition.cache_clear()
    frozen = editions.folder(prepared.version)
    if frozen.exists() and not _git("ls-files", frozen.relative_to(paths.ROOT).as_posix()):
        shutil.rmtree(frozen)
    shutil.rmtree(paths.EDITION_SITES / prepared.version, ignore_errors=True)
