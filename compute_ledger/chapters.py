"""The chapters of the book, in order: one place for their names, numbers, titles and notebooks."""

from __future__ import annotations

from dataclasses import dataclass

from compute_ledger import paths


@dataclass(frozen=True)
class Chapter:
    name: str  # page name in the book and folder name of its exports
    number: int
    title: str

    @property
    def notebook(self):
        return paths.NOTEBOOKS / f"{self.name}.ipynb"


CHAPTERS = (
    Chapter("gpu_counts", 1, "GPU counts"),
    Chapter("power", 2, "Data-centre power"),
    Chapter("money", 3, "Money"),
    Chapter("growth", 4, "Growth"),
    Chapter("projections", 5, "Projections"),
    Chapter("checks", 6, "Cross-checks"),
    Chapter("claims", 7, "Claims ledger"),
    Chapter("scorecard", 8, "Scorecard of projections"),
)


def by_name(name: str) -> Chapter:
    for chapter in CHAPTERS:
        if chapter.name == name:
            return chapter
    raise KeyError(f"no chapter named {name!r}; chapters: {', '.join(c.name for c in CHAPTERS)}")
