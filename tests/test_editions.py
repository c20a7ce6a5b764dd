"""Editions (issue 17): the diff between two frozen catalogues (known answers), the frozen folder and the site
archive, the dated CITATION.cff, and the release command end to end in a git copy of the project."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import tarfile

import pandas as pd
import pytest
import yaml

from compute_ledger import edition_diff, editions, paths, release
from tests.conftest import run_pipeline

FIELDS = ["figure_id", "category", "value", "low", "high", "unit", "source_id", "quote", "note", "decimal_year"]


def figures(*rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(FIELDS, row, strict=True)) for row in rows], dtype=str)


OLD = figures(
    ("a", "power", "58", "", "", "TWh", "s1", "q", "", "2014.5"),
    ("b", "power", "100", "", "", "MW", "s1", "q", "", "2020.5"),
    ("c", "money", "5", "", "", "USD", "s2", "q", "", "2021.5"),
    ("d", "money", "7", "", "", "USD", "s2", "q", "", "2022.5"),
    ("gone", "money", "1", "", "", "USD", "s2", "q", "", "2022.5"),
    ("same", "power", "3", "", "", "MW", "s1", "q", "", "2022.5"),
)
NEW = figures(
    ("a", "power", "58.0", "", "", "TWh", "s1", "q", "", "2014.0"),  # same number written differently; derived moved
    ("b", "power", "120", "", "", "MW", "s1", "q", "", "2020.5"),  # corrected
    ("c", "money", "5", "", "", "USD", "s3", "q2", "", "2021.5"),  # re-sourced (quote with it)
    ("d", "money", "7", "", "", "USD", "s2", "q", "a note", "2022.5"),  # edited
    ("new", "power", "9", "", "", "MW", "s4", "q", "", "2026.5"),  # added
    ("same", "power", "3", "", "", "MW", "s1", "q", "", "2022.5"),
)


def test_ledger_changes_classify_each_kind_of_change():
    changes = edition_diff.ledger_changes(OLD, NEW).set_index("figure_id")
    assert changes["change"].to_dict() == {
        "b": "corrected",
        "c": "re-sourced",
        "d": "edited",
        "gone": "removed",
        "new": "added",
    }
    assert changes.at["b", "fields"] == "value"
    assert changes.at["c", "fields"].split() == ["source_id", "quote"]
    # Independently: the rows only one side has, by set difference.
    assert set(changes.index[changes["change"] == "added"]) == set(NEW["figure_id"]) - set(OLD["figure_id"])
    assert set(changes.index[changes["change"] == "removed"]) == set(OLD["figure_id"]) - set(NEW["figure_id"])


def test_ledger_summary_counts_by_category_and_in_all():
    changes = edition_diff.ledger_changes(OLD, NEW)
    summary = edition_diff.ledger_summary(changes, OLD, NEW).set_index("category")
    assert summary.loc["power"].to_dict() == {
        "before": 3,
        "after": 4,
        "added": 1,
        "removed": 0,
        "corrected": 1,
        "re-sourced": 0,
        "edited": 0,
    }
    assert summary.loc["money"].to_dict() == {
        "before": 3,
        "after": 2,
        "added": 0,
        "removed": 1,
        "corrected": 0,
        "re-sourced": 1,
        "edited": 1,
    }
    assert summary.loc["all", "before"] == len(OLD) and summary.loc["all", "after"] == len(NEW)
    assert summary.loc["all", ["added", "removed", "corrected", "re-sourced", "edited"]].sum() == len(changes)


def catalogue(*rows) -> pd.DataFrame:
    columns = ["id", "description", "value", "unit", "method", "inputs", "parameters"]
    return pd.DataFrame([dict(zip(columns, row, strict=True)) for row in rows], dtype=object)


def test_key_number_changes_say_old_new_change_and_why():
    old = catalogue(
        ("p.site", "largest site", 100.0, "MW", "max", ["b", "same"], {"pue": 1.2}),
        ("p.fixed", "unchanged", 3.0, "MW", "max", ["same"], {}),
        ("p.param", "a parameter moved", 10.0, "GW", "chain", [], {"pue": 1.2}),
        ("p.only_old", "dropped", 1.0, "MW", "x", [], {}),
    )
    new = catalogue(
        ("p.site", "largest site", 120.0, "MW", "max", ["b", "same", "new"], {"pue": 1.2}),
        ("p.fixed", "unchanged", 3.0000000000001, "MW", "max", ["same"], {}),
        ("p.param", "a parameter moved", 12.5, "GW", "chain, capped", ["c"], {"pue": 1.3}),
        ("p.only_new", "added", 2.0, "MW", "x", [], {}),
    )
    changes = edition_diff.ledger_changes(OLD, NEW)
    moved = edition_diff.key_number_changes(old, new, changes).set_index("id")
    assert list(moved.index) == ["p.site", "p.param"]
    assert moved.at["p.site", "change"] == pytest.approx(20.0)
    assert moved.at["p.site", "ratio"] == pytest.approx(1.2)
    assert moved.at["p.site", "why"] == [("input rows added", ("new",)), ("input rows corrected", ("b",))]
    why = dict(moved.at["p.param", "why"])
    assert why["input rows re-sourced"] == ("c",)
    assert ("parameter pue: 1.2 → 1.3", ()) in moved.at["p.param", "why"]
    assert any(text.startswith("method changed") for text in why)
    added, removed = edition_diff.key_numbers_added_removed(old, new)
    assert list(added["id"]) == ["p.only_new"] and list(removed["id"]) == ["p.only_old"]


def test_a_key_number_whose_inputs_did_not_change_says_so():
    old = catalogue(("p.x", "x", 1.0, "MW", "m", ["same"], {}))
    new = catalogue(("p.x", "x", 2.0, "MW", "m", ["same"], {}))
    moved = edition_diff.key_number_changes(old, new, edition_diff.ledger_changes(OLD, NEW))
    assert moved["why"].iloc[0][0][0].startswith("no input row, parameter or method of its own changed")


def test_the_catalogue_cells_read_as_published():
    """key_numbers.json gives lists and mappings; the CSV gives them as Python text. Both read the same."""
    assert edition_diff._list("['a', 'b']") == edition_diff._list(["a", "b"]) == ["a", "b"]
    assert edition_diff._mapping("{'pue': 1.2}") == {"pue": 1.2}
    assert edition_diff._list("[]") == [] and edition_diff._mapping("") == {}


@pytest.fixture
def edition_store(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "EDITIONS", tmp_path / "editions")
    monkeypatch.setattr(paths, "EDITION_SITES", tmp_path / "build" / "editions")
    processed = paths.ProcessedLayout(tmp_path / "processed")
    processed.tables.mkdir(parents=True)
    for name in editions.CATALOGUE_FILES:
        (processed.base / name).write_text("[]" if name.endswith(".json") else "id\n", encoding="utf-8")
    NEW.to_csv(processed.tables / "figures.csv", index=False)
    (tmp_path / "CITATION.cff").write_text('version: "1.0.0"\n', encoding="utf-8")
    return tmp_path, processed


def test_a_frozen_edition_reads_back_and_is_frozen_once(edition_store):
    root, processed = edition_store
    editions.freeze("1.0.0", "2026-01-02", "abc", "by a test", processed, root / "CITATION.cff", None)
    editions.freeze("0.9.0", "2025-01-02", "def", "by a test", processed, root / "CITATION.cff", None)
    assert [e.version for e in editions.released()] == ["0.9.0", "1.0.0"]
    frozen = editions.by_version("1.0.0")
    pd.testing.assert_frame_equal(frozen.table("figures"), NEW.fillna(""), check_dtype=False)
    assert editions.previous("1.0.0").version == "0.9.0" and editions.previous("0.9.0") is None
    assert json.loads((frozen.folder / "edition.json").read_text())["commit"] == "abc"
    with pytest.raises(Exception, match="frozen once"):
        editions.freeze("1.0.0", "2026-01-02", "abc", "again", processed, root / "CITATION.cff", None)
    with pytest.raises(ValueError, match="not an edition number"):
        editions.version_key("1.0")


def test_the_site_archive_is_reproducible_and_each_edition_is_published_beside_its_files(edition_store):
    root, processed = edition_store
    editions.freeze("1.0.0", "2026-01-02", "abc", "by a test", processed, root / "CITATION.cff", None)
    html = root / "html"
    (html / "editions" / "0.9.0").mkdir(parents=True)
    (html / "editions" / "0.9.0" / "index.html").write_text("older edition", encoding="utf-8")
    (html / "index.html").write_text("<p>1.0.0</p>", encoding="utf-8")
    first = editions.archive_site(html, "1.0.0").read_bytes()
    os.utime(html / "index.html", (0, 12345))
    assert editions.archive_site(html, "1.0.0").read_bytes() == first
    with tarfile.open(editions.by_version("1.0.0").site_archive) as archive:
        assert archive.getnames() == ["index.html"]  # an earlier edition's copy is not archived again
    # A later build (1.1.0) carries its own pages and 1.0.0's archive, each beside its frozen files.
    site = root / "site"
    (site / "_static").mkdir(parents=True)
    (site / "index.html").write_text("<p>1.1.0</p>", encoding="utf-8")
    (site / "_static" / "style.css").write_text("css", encoding="utf-8")
    (site / "editions" / "1.0.0").mkdir(parents=True)
    (site / "editions" / "1.0.0" / "key_numbers.csv").write_text("frozen", encoding="utf-8")
    assert editions.publish_sites(site, "1.1.0") == ["1.0.0", "1.1.0"]
    assert (site / "editions" / "1.0.0" / "index.html").read_text() == "<p>1.0.0</p>"
    assert (site / "editions" / "1.0.0" / "key_numbers.csv").read_text() == "frozen"
    assert (site / "editions" / "1.1.0" / "index.html").read_text() == "<p>1.1.0</p>"
    assert (site / "editions" / "1.1.0" / "_static" / "style.css").read_text() == "css"
    assert not (site / "editions" / "1.1.0" / "editions").exists()


def test_dating_the_citation_sets_both_versions_and_dates_and_keeps_comments():
    text = paths.CITATION_CFF.read_text(encoding="utf-8")
    dated = release.dated_citation(text, "9.8.7", "2031-02-03")
    content = yaml.safe_load(dated)
    assert content["version"] == content["preferred-citation"]["version"] == "9.8.7"
    assert content["date-released"] == content["preferred-citation"]["date-released"] == "2031-02-03"
    assert content["preferred-citation"]["year"] == 2031
    assert [line for line in dated.splitlines() if line.startswith("#")] == [
        line for line in text.splitlines() if line.startswith("#")
    ]
    assert {k: v for k, v in content.items() if k not in ("version", "date-released", "preferred-citation")} == {
        k: v for k, v in yaml.safe_load(text).items() if k not in ("version", "date-released", "preferred-citation")
    }


def test_the_changes_page_of_this_build_shows_the_previous_edition(built_project):
    page = (built_project / "book" / "_build" / "html" / "changes.html").read_text(encoding="utf-8")
    previous = editions.previous(yaml.safe_load((built_project / "CITATION.cff").read_text())["version"])
    assert previous is not None, "no edition older than this one is frozen in editions/"
    assert f"From edition {previous.version} ({previous.date})" in page
    assert 'id="tbl-key-numbers-moved"' in page and 'id="tbl-ledger-changes"' in page
    frozen = built_project / "book" / "_build" / "html" / "editions" / previous.version
    assert (frozen / "key_numbers.csv").read_bytes() == (previous.folder / "key_numbers.csv").read_bytes()


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Compute Ledger test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Compute Ledger test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}


def git(project, *args) -> str:
    env = {**os.environ, **GIT_IDENTITY}
    return subprocess.run(["git", *args], cwd=project, env=env, capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_the_release_command_freezes_dates_archives_and_tags(built_copy, monkeypatch):
    for name, value in GIT_IDENTITY.items():
        monkeypatch.setenv(name, value)
    git(built_copy, "init", "--quiet")
    git(built_copy, "add", "--all")
    git(built_copy, "commit", "--quiet", "-m", "the project as tested")
    source_commit = git(built_copy, "rev-parse", "HEAD").strip()

    older = run_pipeline(built_copy, "--release", "0.0.1")
    assert older.returncode == 2 and "older than the frozen edition" in older.stderr, older.stderr

    completed = run_pipeline(built_copy, "--release", "9.0.0")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    cff = yaml.safe_load((built_copy / "CITATION.cff").read_text(encoding="utf-8"))
    assert (cff["version"], cff["date-released"]) == ("9.0.0", today)
    frozen = built_copy / "editions" / "9.0.0"
    record = json.loads((frozen / "edition.json").read_text(encoding="utf-8"))
    assert record == {**record, "version": "9.0.0", "date": today, "commit": source_commit}
    numbers = json.loads((frozen / "key_numbers.json").read_text(encoding="utf-8"))
    assert {n["edition"] for n in numbers} == {"9.0.0"} and {n["edition_date"] for n in numbers} == {today}
    assert (frozen / "citations" / "compute-ledger.bib").is_file() and (frozen / "tables" / "figures.csv").is_file()
    # The tag is on a commit holding the frozen edition and the dated CITATION.cff; the tree is clean.
    assert "editions/9.0.0/edition.json" in git(built_copy, "ls-tree", "-r", "--name-only", "v9.0.0")
    assert git(built_copy, "status", "--porcelain", "--untracked-files=no") == ""
    # The site carries the edition at its stable address, and its citations point there.
    html = built_copy / "book" / "_build" / "html"
    assert "edition 9.0.0" in (html / "editions" / "9.0.0" / "intro.html").read_text(encoding="utf-8")
    assert "editions/9.0.0/key_numbers.html#kn-" in (html / "data" / "citations" / "compute-ledger.bib").read_text()
    assert "edition 9.0.0" in (html / "changes.html").read_text(encoding="utf-8")

    again = run_pipeline(built_copy, "--release", "9.0.0")
    assert again.returncode == 2 and "frozen already" in again.stderr, again.stderr
    (built_copy / "README.md").write_text("changed\n", encoding="utf-8")
    dirty = run_pipeline(built_copy, "--release", "9.1.0")
    assert dirty.returncode == 2 and "commit or stash" in dirty.stderr, dirty.stderr
    assert yaml.safe_load((built_copy / "CITATION.cff").read_text())["version"] == "9.0.0"
