"""A chapter's one-line set-up: ``chapter = chapter_context("growth", globals())``.

The returned :class:`ChapterContext` holds what every chapter used to build by hand in its set-up cell: the
parameters (the chapter's ``parameters`` cell over the defaults), the read-only database connection, the key-numbers
recorder, the figure numbering, and ``glue``, ``publish`` and ``table`` bound to the chapter (its name, its exports
folder, its numbers). The notebook's ``parameters`` cell (as papermill injected it) names the database, the exports
folder and the key-numbers file.

The set-up glues the box of the parameters the chapter uses as ``parameter_box``: the chapter's first markdown cell
shows it under its purpose paragraph with a ``{glue} parameter_box`` directive, so the first section's computations
can share the set-up cell and a chapter keeps its sections within ten cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import pandas as pd
from IPython.display import HTML

from compute_ledger import chapters, charts, database, key_numbers, params, report

PARAMETER_BOX = "parameter_box"  # the glue name of the parameters box (see the module's docstring)


@dataclass
class ChapterContext:
    """What a chapter's cells and its view functions work with."""

    chapter: chapters.Chapter
    parameters: params.Parameters
    used: list[str]  # the parameter names the chapter declares in its parameters cell
    connection: duckdb.DuckDBPyConnection
    keys: key_numbers.KeyNumbers
    numbers: charts.FigureNumbers
    exports_dir: Path

    @property
    def name(self) -> str:
        return self.chapter.name

    def glue(self, name: str, value: object) -> None:
        """A number or a text for the prose (``{glue:text}``)."""
        report.glue(name, value)

    def publish(self, chart: alt.TopLevelMixin, *, data: pd.DataFrame, **figure: str) -> charts.PublishedChart:
        """The chart as the chapter's next numbered figure, with its exports (``charts.publish``)."""
        return charts.publish(
            chart, data=data, chapter=self.name, numbers=self.numbers, exports_dir=self.exports_dir, **figure
        )

    def table(self, frame: pd.DataFrame, table_id: str, caption: str, figure_columns: tuple[str, ...] = ()) -> HTML:
        """An anchored HTML table (``report.html_table``)."""
        return report.html_table(frame, table_id, caption, figure_columns=figure_columns)

    def parameter_box(self) -> HTML:
        """The collapsed box of the parameters the chapter uses."""
        return report.parameter_box(self.parameters, used=self.used)


def chapter_context(name: str, namespace: dict[str, Any]) -> ChapterContext:
    """The set-up of chapter ``name`` from its namespace (``globals()`` after the parameters cell ran); glues the
    parameters box as :data:`PARAMETER_BOX`."""
    chapter = chapters.by_name(name)
    parameters = params.from_namespace(namespace)
    used = params.used_by(namespace)
    charts.enable()
    context = ChapterContext(
        chapter=chapter,
        parameters=parameters,
        used=used,
        connection=database.connect_read_only(namespace["db_path"]),
        keys=key_numbers.KeyNumbers(chapter.name, Path(namespace["key_numbers_path"]), parameters, used),
        numbers=charts.FigureNumbers(chapter.number),
        exports_dir=Path(namespace["exports_dir"]),
    )
    context.glue(PARAMETER_BOX, context.parameter_box())
    return context
