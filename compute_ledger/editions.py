"""Frozen editions: what a released edition keeps, where, and how it is read back.

A released edition keeps, in the repository under ``editions/<version>/`` (small text files only):

* ``edition.json``: the version, the date, the commit it was built from and how it was frozen;
* ``key_numbers.csv`` and ``key_numbers.json``: its key-numbers catalogue;
* ``tables/*.csv`` and ``datapackage.json``: its published tables and their Frictionless description (the package's
  paths are relative, so the frozen folder is itself a valid data package);
* ``CITATION.cff`` and ``citations/`` (BibTeX, CSL-JSON, RIS): how to cite it.

Its built site is kept as an archive outside the repository (``build/editions/<version>/site.tar.gz``). Each build
puts its own pages under ``editions/<its version>/`` of the site (the stable address its citations point to) and
unpacks there the archive of each earlier edition it finds.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from compute_ledger import citation, paths
from compute_ledger.errors import InputFileError

VERSION_PATTERN = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
EDITION_FILE = "edition.json"
SITE_ARCHIVE = paths.EDITION_SITE_ARCHIVE
SITE_FOLDER = citation.EDITIONS_FOLDER  # the site's folder of frozen editions: editions/<version>/
CATALOGUE_FILES = ("key_numbers.csv", "key_numbers.json", "datapackage.json")
CITATION_FILES = ("compute-ledger.bib", "compute-ledger.json", "compute-ledger.ris")


def version_key(version: str) -> tuple[int, int, int]:
    """``"0.10.1"`` -> ``(0, 10, 1)``; raises :class:`ValueError` for anything but MAJOR.MINOR.PATCH."""
    match = VERSION_PATTERN.match(version)
    if not match:
        raise ValueError(f"{version!r} is not an edition number (MAJOR.MINOR.PATCH, e.g. 0.3.0)")
    return tuple(int(part) for part in match.groups())


@dataclass(frozen=True)
class FrozenEdition:
    version: str
    date: str
    commit: str
    frozen_by: str  # how the folder was made: the release command, or rebuilt from the project's history
    folder: Path

    def table(self, name: str) -> pd.DataFrame:
        """One of the edition's published tables (``figures``, ``sources``, ...), every cell as text."""
        return pd.read_csv(self.folder / "tables" / f"{name}.csv", dtype=str, keep_default_na=False)

    def key_numbers(self) -> pd.DataFrame:
        """The edition's key-numbers catalogue, as published (values as JSON gave them)."""
        return pd.DataFrame(json.loads((self.folder / "key_numbers.json").read_text(encoding="utf-8")), dtype=object)

    @property
    def site_archive(self) -> Path:
        return paths.EDITION_SITES / self.version / SITE_ARCHIVE


def folder(version: str) -> Path:
    return paths.EDITIONS / version


def released() -> list[FrozenEdition]:
    """Every frozen edition in ``editions/``, oldest first."""
    found = []
    if not paths.EDITIONS.is_dir():
        return found
    for path in paths.EDITIONS.iterdir():
        if not (path / EDITION_FILE).is_file():
            continue
        try:
            version_key(path.name)
        except ValueError:
            raise InputFileError(f"editions/{path.name}: a frozen edition's folder is named by its version") from None
        record = json.loads((path / EDITION_FILE).read_text(encoding="utf-8"))
        if record.get("version") != path.name:
            raise InputFileError(f"editions/{path.name}/{EDITION_FILE}: version {record.get('version')!r}")
        found.append(
            FrozenEdition(
                version=record["version"],
                date=record["date"],
                commit=record["commit"],
                frozen_by=record["frozen_by"],
                folder=path,
            )
        )
    return sorted(found, key=lambda e: version_key(e.version))


def by_version(version: str) -> FrozenEdition | None:
    return next((e for e in released() if e.version == version), None)


def previous(version: str) -> FrozenEdition | None:
    """The latest frozen edition older than ``version``, or None."""
    older = [e for e in released() if version_key(e.version) < version_key(version)]
    return older[-1] if older else None


def freeze(
    version: str,
    date: str,
    commit: str,
    frozen_by: str,
    processed: paths.ProcessedLayout,
    citation_cff: Path,
    citations: Path | None,
) -> Path:
    """Write ``editions/<version>/`` from a processed folder, a ``CITATION.cff`` and a folder of citation files
    (``None``: none, as for an edition rebuilt without its site). Written beside and renamed into place, so a failed
    freeze leaves no half folder. Refuses to overwrite an edition already frozen."""
    version_key(version)
    target = folder(version)
    if target.exists():
        raise InputFileError(f"editions/{version} exists: an edition is frozen once (choose the next version)")
    staging = target.with_name(f".{version}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "tables").mkdir(parents=True)
    for name in CATALOGUE_FILES:
        shutil.copyfile(processed.base / name, staging / name)
    for table in sorted(processed.tables.glob("*.csv")):
        shutil.copyfile(table, staging / "tables" / table.name)
    shutil.copyfile(citation_cff, staging / "CITATION.cff")
    if citations is not None:
        (staging / "citations").mkdir()
        for name in CITATION_FILES:
            shutil.copyfile(citations / name, staging / "citations" / name)
    record = {"version": version, "date": date, "commit": commit, "frozen_by": frozen_by}
    (staging / EDITION_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(staging, target)
    return target


def archive_site(html: Path, version: str) -> Path:
    """Pack a built site into ``build/editions/<version>/site.tar.gz`` (sorted, fixed times and owners: the same site
    gives the same bytes). The site's own ``editions/`` folder (earlier editions) is left out."""
    target = paths.EDITION_SITES / version / SITE_ARCHIVE
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as archive:
        for path in sorted(html.rglob("*")):
            relative = path.relative_to(html)
            if relative.parts[0] == SITE_FOLDER or not path.is_file():
                continue
            info = tarfile.TarInfo(relative.as_posix())
            info.size = path.stat().st_size
            info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = 0, 0o644, 0, 0, "", ""
            with path.open("rb") as stream:
                archive.addfile(info, stream)
    partial = target.with_suffix(".partial")
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, target)
    return target


def site_archives() -> dict[str, Path]:
    """version -> the archive of its built site, for the frozen editions that have one on this machine."""
    return {e.version: e.site_archive for e in released() if e.site_archive.is_file()}


def publish_sites(site: Path, version: str) -> list[str]:
    """Put every frozen edition's site under ``site/editions/<version>/``, beside the edition's frozen files: this
    build's own copy for its own ``version`` (so its citations resolve in every build, released or not), the archive
    of each earlier edition that has one on this machine. Returns the versions whose site is there."""
    own = site / SITE_FOLDER / version
    own.mkdir(parents=True, exist_ok=True)
    for path in sorted(site.iterdir()):
        if path.name == SITE_FOLDER:
            continue
        if path.is_dir():
            shutil.copytree(path, own / path.name, dirs_exist_ok=True)
        else:
            shutil.copy2(path, own / path.name)
    versions = [version]
    for other, archive_path in site_archives().items():
        if other == version:
            continue
        target = site / SITE_FOLDER / other  # holds the edition's frozen files already (the book's extra files)
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive_path, mode="r:gz") as archive:
            archive.extractall(target, filter="data")
        versions.append(other)
    return sorted(versions, key=version_key)
