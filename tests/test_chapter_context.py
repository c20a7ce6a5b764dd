"""The one-line set-up: a chapter's parameters come from its namespace over the defaults, and publish, table and the
key numbers write where the namespace says, numbered for the chapter."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

from compute_ledger import database, schema
from compute_ledger.chapter_context import chapter_context


@pytest.fixture(scope="module")
def database_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "ledger.duckdb"
    database.build_database(schema.validate(), path)
    return path


def test_chapter_context_reads_the_namespace_and_writes_where_it_says(database_path, tmp_path):
    namespace = {
        "db_path": str(database_path),
        "exports_dir": str(tmp_path / "exports" / "growth"),
        "key_numbers_path": str(tmp_path / "key_numbers" / "growth.json"),
        "fit_start_year": 2020,  # differs from the default (2018)
        "unrelated": 1,
    }
    chapter = chapter_context("growth", namespace)
    assert chapter.name == "growth" and chapter.chapter.number == 4
    assert chapter.parameters.fit_start_year == 2020
    assert chapter.parameters.fit_include_announced is False  # not in the namespace: the default
    assert chapter.used == ["fit_start_year"]
    assert chapter.connection.execute("SELECT count(*) FROM figures").fetchone()[0] > 0
    with pytest.raises(Exception, match="read-only"):
        chapter.connection.execute("CREATE TABLE x (a INTEGER)")

    frame = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    chart = alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q")
    first = chapter.publish(
        chart, chart_id="growth-test", title="T", caption="C", source_line="S", description="D", data=frame
    )
    second = chapter.publish(
        chart, chart_id="growth-test-2", title="T", caption="C", source_line="S", description="D", data=frame
    )
    assert (first.number, second.number) == ("4.1", "4.2")
    assert (tmp_path / "exports" / "growth" / "growth-test.csv").read_text() == "x,y\n1,3\n2,4\n"
    assert first.exports["CSV"] == "exports/growth/growth-test.csv"

    chapter.keys.add("a_number", 2.5, unit="x", description="d", method="m")
    written = json.loads((tmp_path / "key_numbers" / "growth.json").read_text())
    assert [(e["id"], e["value"], e["parameters"]) for e in written] == [
        ("growth.a_number", 2.5, {"fit_start_year": 2020})
    ]
    assert written[0]["parameter_set"].startswith("custom-")

    html = chapter.table(pd.DataFrame({"figure": ["seed-000-x"], "n": [1000]}), "t", "c", figure_columns=("figure",))
    assert 'href="sources.html#figure-seed-000-x"' in html.data and "<td>1,000</td>" in html.data
    assert "fit_start_year" in chapter.parameter_box().data
