"""Every figure read in a seed article quotes it verbatim, and the seeds' checklist is covered."""

from __future__ import annotations

import os
import re

import pytest

from compute_ledger import paths, schema


@pytest.fixture
def seeds():
    """The seed articles' folder, ``../shared/seeds`` beside the project. CI's clone has it beside (CI=true): there a
    missing folder fails the tests that read the texts; elsewhere (a clone of the repository alone) they skip. The
    texts are not copied into the repository: they are the articles themselves, quoted briefly in data/raw."""
    if not paths.SHARED_SEEDS.is_dir():
        message = f"{paths.SHARED_SEEDS} is missing: the seed articles are not beside the project"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message + " (CI=true: they must be)")
        pytest.skip(message)
    return paths.SHARED_SEEDS


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _seed_figures():
    ledger = schema.validate()
    seeds = ledger.sources[ledger.sources["seed_file"] != ""]
    return ledger.figures.merge(seeds[["source_id", "seed_file"]], on="source_id")


def test_each_seed_file_is_a_source(seeds):
    cited = set(_seed_figures()["seed_file"])
    on_disk = {p.name for p in seeds.glob("*.txt")}
    assert cited == on_disk


def test_seed_quotes_are_verbatim(seeds):
    figures = _seed_figures()
    texts = {name: _normalise((seeds / name).read_text(encoding="utf-8")) for name in set(figures.seed_file)}
    missing = [
        f"{row.figure_id}: {row.quote!r}"
        for row in figures.itertuples()
        if _normalise(row.quote) not in texts[row.seed_file]
    ]
    assert not missing, "quotes not found verbatim in their seed:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("seed", "metric", "value"),
    [
        ("000", "power_reference", 1000),
        ("000", "data_centre_power", 50),
        ("000", "data_centre_power", 100),
        ("000", "data_centre_power", 150),
        ("000", "data_centre_power", 300),
        ("000", "data_centre_power", 500),
        ("001", "fundraising", 7e12),
        ("001", "training_cost", 1e8),
        ("001", "cost_decline_rate", 75),
        ("001", "investment", 3e11),
        ("001", "workforce_gap", 67000),
        ("001", "multiple", 100),
        ("002", "fundraising", 1e11),
        ("002", "accelerator_count", 600000),
        ("002", "startup_funding", 22.4e9),
        ("002", "manufacturer_count", 3),
        ("002", "market_value", 130e9),
        ("003", "investment", 1e11),
        ("003", "facility_count", 5),
        ("003", "bond_issue", 18e9),
        ("003", "subscription_price", 200),
        ("004", "accelerator_count", 700),
        ("004", "accelerator_count", 3000),
        ("004", "accelerator_count", 100000),
        ("004", "accelerator_unit_price", 30000),
        ("004", "investment", 3e9),
        ("004", "multiple", 140),
    ],
)
def test_checklist_figure_is_in_the_ledger(seed, metric, value):
    figures = _seed_figures()
    rows = figures[figures.seed_file.str.startswith(seed) & (figures.metric == metric)]
    assert (abs(rows["value"] - value) <= 1e-9 * value).any(), rows[["figure_id", "value"]].to_string()


def test_relayed_outlets_are_named():
    outlets = set(_seed_figures()["original_outlet"])
    assert {"The Wall Street Journal", "Bloomberg", "Dealroom"} <= outlets


def test_seed_dates_not_given_are_left_unknown():
    ledger = schema.validate()
    seeds = ledger.sources[ledger.sources["seed_file"] != ""]
    undated = seeds[seeds["date_published"] == ""]
    assert (undated["date_note"] != "").all(), "an undated seed source must say why in date_note"
