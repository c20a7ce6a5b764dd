"""Exported SVG and PNG charts stand alone: a footer with the edition, the licence and the page's address, and text
set in the font shipped with the package (so a PNG does not depend on the fonts of the machine that made it)."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import altair as alt
import pandas as pd
import pytest

from compute_ledger import charts, citation


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    charts.enable()
    data = pd.DataFrame({"year": [2020, 2021, 2022], "gpus": [1000, 4000, 16000]})
    chart = alt.Chart(data).mark_line().encode(x="year:O", y="gpus:Q")
    folder = tmp_path_factory.mktemp("exports")
    published = charts.publish(
        chart,
        chart_id="growth-test-chart",
        title="Largest cluster <by year> & more",
        caption="c",
        source_line="Test source",
        description="d",
        data=data,
        chapter="growth",
        numbers=charts.FigureNumbers(2),
        exports_dir=folder,
    )
    return folder / "growth-test-chart", published


def _footer_lines(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)  # also proves the SVG is well-formed XML (the title's "<" and "&" escaped)
    footer = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "cl-footer")
    return [text.text for text in footer.iter("{http://www.w3.org/2000/svg}text")]


def test_the_svg_footer_names_the_edition_the_licence_and_the_page(exported):
    stem, _ = exported
    footer = " ".join(_footer_lines(stem.with_suffix(".svg").read_text(encoding="utf-8")))
    edition = citation.edition()
    assert f"edition {edition.version} ({edition.date})" in footer
    assert f"Licence: {edition.licence}" in footer and edition.licence == "CC-BY-4.0"
    assert citation.page_url("growth", "fig-growth-test-chart") in footer


def test_the_footer_fits_under_the_chart_in_a_taller_image(exported):
    stem, _ = exported
    svg = stem.with_suffix(".svg").read_text(encoding="utf-8")
    width, height, view = re.match(r'<svg [^>]*?width="([\d.]+)" height="([\d.]+)" viewBox="([^"]+)"', svg).groups()
    assert view == f"0 0 {width} {height}"
    footer_y = [float(y) for y in re.findall(r'<text x="5" y="([\d.]+)"', svg)]
    background = float(re.search(r'<rect width="[\d.]+" height="([\d.]+)" fill="white"/>', svg)[1])
    assert footer_y and background < min(footer_y) <= max(footer_y) < float(height)


def test_every_text_of_the_image_is_set_in_the_shipped_font(exported):
    stem, _ = exported
    svg = stem.with_suffix(".svg").read_text(encoding="utf-8")
    families = set(re.findall(r'font-family="([^"]*)"', svg))
    assert families == {charts.IMAGE_FONT}, families  # no generic "sans-serif", which each machine resolves its way
    assert {p.name for p in charts.FONTS.glob("*.ttf")} == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}
    assert "Bitstream Vera" in (charts.FONTS / "LICENSE").read_text(encoding="utf-8")


def test_the_png_is_rasterised_from_the_svg_with_its_footer(exported):
    import vl_convert

    stem, _ = exported
    png = stem.with_suffix(".png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png == vl_convert.svg_to_png(stem.with_suffix(".svg").read_text(encoding="utf-8"), scale=2)
    height = int.from_bytes(png[20:24], "big")  # the IHDR height
    svg_height = float(re.search(r'<svg [^>]*?height="([\d.]+)"', stem.with_suffix(".svg").read_text())[1])
    assert height == round(2 * svg_height)
