"""The in-page what-if (issue 15) in a real headless browser (Debian's chromium), offline: every number the panel
shows equals the Python chain to 1e-9 relative, for parameter sets at the ends of every range and with a binding
power cap; the inputs move it, the address keeps it, reset restores the run, and the YAML it downloads re-runs the
pipeline's parameters to the same path. The page is the panel of the real ledger's main scenario, served alone on
127.0.0.1 with the site's Vega bundle (no pipeline run needed)."""

from __future__ import annotations

import functools
import http.server
import math
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import numpy as np
import pytest

from compute_ledger import chain, charts, cli, params, projection, queries, scenarios
from compute_ledger.views import whatif

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
RELATIVE = 1e-9


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def chain_inputs(ledger_connection) -> scenarios.ChainInputs:
    return scenarios.ChainInputs(**queries.chain_inputs(ledger_connection))


@pytest.fixture(scope="module")
def run(chain_inputs) -> scenarios.ScenarioRun:
    sets = scenarios.parameter_sets({}, params.Parameters())
    main = scenarios.main_scenario(list(sets))
    return scenarios.run_scenario(chain_inputs, main, sets[main])


@pytest.fixture(scope="module")
def page_url(run, tmp_path_factory):
    root = tmp_path_factory.mktemp("whatif")
    panel = whatif.panel(run, "test").data
    (root / "index.html").write_text(
        '<!doctype html><html data-content_root="./"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>{panel}</body></html>',
        encoding="utf-8",
    )
    charts.write_vendor_bundle(root / charts.VENDOR_BUNDLE)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/index.html"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: scripts/test.sh installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, page_url):
    """Open the panel (with an optional query) offline: any request to another host fails the test."""
    contexts, problems = [], []

    def opener(query: str = "", width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))

        def route(request_route):
            if urlparse(request_route.request.url).hostname not in ("127.0.0.1", None):
                problems.append(f"asked another host: {request_route.request.url}")
                request_route.abort()
            else:
                request_route.continue_()

        page.route("**/*", route)
        page.goto(page_url + query)
        settled(page)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert not problems


def settled(page) -> None:
    """Wait until the page has shown the numbers of its latest recompute."""
    page.wait_for_function(
        "() => { const p = document.querySelector('.cl-whatif'); "
        "return p.dataset.version && p.dataset.version === p.dataset.requested; }",
        timeout=20_000,
    )


def shown(page) -> dict[str, float]:
    """Every number the panel shows, by its chain column, as the exact value in its data attribute."""
    pairs = page.eval_on_selector_all("output[data-number]", "els => els.map(e => [e.dataset.number, e.dataset.value])")
    values = {column: float(text) for column, text in pairs}
    values["horizon"] = float(page.eval_on_selector(".cl-whatif", "e => e.dataset.horizon"))
    return values


def book_settings(run: scenarios.ScenarioRun) -> dict:
    return {field.key: field.value for field in whatif.fields(run)}


def expected(run: scenarios.ScenarioRun, settings: dict) -> dict[str, float]:
    return scenarios.whatif_values(run, settings, whatif.MILESTONE_COLUMNS)


def assert_equal_to_python(page, run, settings) -> None:
    page_values, python = shown(page), expected(run, settings)
    assert set(page_values) == {*whatif.NUMBERS, *whatif.MILESTONE_COLUMNS.values(), "horizon"}
    for key, value in page_values.items():
        close = math.isclose(value, python[key], rel_tol=RELATIVE) or (math.isnan(value) and math.isnan(python[key]))
        assert close, f"{key}: page {value!r}, Python {python[key]!r} for {settings}"


def query(settings: dict) -> str:
    return "?" + urlencode({key: "none" if value is None else repr(value) for key, value in settings.items()})


def combinations(run: scenarios.ScenarioRun) -> list[dict]:
    """The book's values; every input at the low end, then at the high end, of its range; caps that bind (from a
    middle year, and from the base year); a slow, cheap case and a steep, expensive one."""
    inputs = whatif.fields(run)
    book = book_settings(run)
    low = {field.key: field.minimum for field in inputs}
    high = {field.key: field.maximum for field in inputs}
    base_mw = run.base.h100e * run.chain["accelerator_it_power_w"] * run.parameters.pue / 1e6
    cap_from_middle = {**book, "site_power_cap_mw": round(base_mw * 3, 1), "growth_multiple_override": 2.5}
    return [
        book,
        low,
        high,
        {**high, "growth_slowdown_per_year": 0.0, "site_power_cap_mw": None},
        cap_from_middle,
        {**book, "site_power_cap_mw": 10.0, "horizon": 2035},
        {**book, "growth_multiple_override": 1.3, "growth_slowdown_per_year": 0.2, "pue": 1.1, "utilisation": 0.6},
        {**book, "growth_multiple_override": 4.0, "gpu_unit_price_usd": 45_000.0, "horizon": 2040},
    ]


def test_every_number_equals_the_python_chain(open_page, run):
    cases = combinations(run)
    assert len(cases) >= 6
    capped = 0
    for settings in cases:
        page = open_page(query(settings))
        assert_equal_to_python(page, run, settings)
        built = params.build(run.parameters.model_dump(), settings)
        chain_params, _ = scenarios.scaled_chain(built, run.base.power_ratio)
        path = projection.project_largest_cluster(
            run.base.year, run.base.h100e, settings["growth_multiple_override"], chain_params, built.horizon
        )
        capped += bool(path["power_capped"].iloc[-1]) and not bool(path["power_capped"].iloc[0])
    assert capped >= 1, "no case where the power cap starts binding after the base year"


def test_moving_inputs_recomputes_the_chart_and_numbers_and_the_address_keeps_them(open_page, run):
    page = open_page()
    settings = book_settings(run)
    assert_equal_to_python(page, run, settings)
    line = page.locator(".cl-whatif-chart svg path").all()
    before = [path.get_attribute("d") for path in line]
    page.fill('input[data-key="growth_multiple_override"][data-role="number"]', "3.1")
    settled(page)
    settings["growth_multiple_override"] = 3.1
    assert_equal_to_python(page, run, settings)
    assert [path.get_attribute("d") for path in page.locator(".cl-whatif-chart svg path").all()] != before
    # Keyboard: the utilisation slider, one step down; the no-cap box unticked, then a cap typed.
    slider = page.locator('input[data-key="utilisation"][data-role="slider"]')
    slider.focus()
    page.keyboard.press("ArrowLeft")
    settled(page)
    settings["utilisation"] = float(slider.input_value())
    assert settings["utilisation"] < run.parameters.utilisation
    page.locator('input[data-key="site_power_cap_mw"][data-role="none"]').uncheck()
    page.fill('input[data-key="site_power_cap_mw"][data-role="number"]', "4000")
    settled(page)
    settings["site_power_cap_mw"] = 4000.0
    assert_equal_to_python(page, run, settings)
    address = parse_qs(urlparse(page.url).query)
    assert float(address["site_power_cap_mw"][0]) == 4000.0 and float(address["growth_multiple_override"][0]) == 3.1
    shared = open_page("?" + urlparse(page.url).query)
    assert {key: repr(value) for key, value in shown(shared).items()} == {
        key: repr(value) for key, value in shown(page).items()
    }
    page.click('button[data-role="reset"]')
    settled(page)
    assert urlparse(page.url).query == ""
    assert_equal_to_python(page, run, book_settings(run))


def test_downloaded_assumptions_rerun_the_pipeline_parameters_to_the_same_path(open_page, run, chain_inputs, tmp_path):
    settings = {**book_settings(run), "growth_multiple_override": 2.75, "site_power_cap_mw": 3000.0, "pue": 1.35}
    page = open_page(query(settings))
    with page.expect_download() as download:
        page.click('button[data-role="download"]')
    path = tmp_path / "what-if.yaml"
    download.value.save_as(path)
    # What `python pipeline.py --params FILE` builds for the main scenario.
    arguments = cli.parser().parse_args(["--params", str(path)])
    parameters = cli.parameters_from(arguments, scenarios=[run.name])
    rerun = scenarios.run_scenario(chain_inputs, run.name, parameters)
    horizon_row = rerun.projection.iloc[-1]
    page_values = shown(page)
    for column in whatif.NUMBERS:
        assert math.isclose(page_values[column], float(horizon_row[column]), rel_tol=RELATIVE), column
    for threshold, column in whatif.MILESTONE_COLUMNS.items():
        central = float(rerun.milestones.set_index("threshold_mw").loc[threshold, "central_year"])
        assert repr(central) == repr(page_values[column]), column
    untouched = {key: value for key, value in run.parameters.model_dump().items() if key not in whatif.INPUTS}
    assert {key: getattr(parameters, key) for key in untouched} == untouched


def test_labelled_keyboard_inputs_that_fit_a_phone(open_page, run):
    page = open_page(width=390)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    names = page.eval_on_selector_all(
        ".cl-whatif input[data-role=number], .cl-whatif input[data-role=slider]",
        "els => els.map(e => [e.dataset.key, e.labels.length ? e.labels[0].textContent : e.getAttribute('aria-label'), "
        "e.tabIndex, document.getElementById(e.getAttribute('aria-describedby')).textContent])",
    )
    units = {field.key: field.unit for field in whatif.fields(run)}
    assert {key for key, *_ in names} == set(units) == set(whatif.INPUTS)
    for key, name, tab_index, described in names:
        assert units[key] in name and tab_index >= 0, key
        assert "Range" in described, key
    note = page.locator(".cl-whatif-note").inner_text()
    assert "what-if" in note and f"{run.parameters.monte_carlo_draws:,}" in note and "does not move" in note


def test_the_page_runs_the_chains_own_steps():
    """The chart's transforms are the translation of chain.PROJECTION (not a copy), and the translation keeps
    Python's grouping: a changed step changes the page."""
    assert chain.vega_expression("a + b * c ** d", {"a"}) == "(datum.a + (b * pow(c, d)))"
    assert chain.vega_expression("where(x >= 1, W_PER_MW, NaN)", {"x"}) == "if((datum.x >= 1.0), 1000000.0, NaN)"
    with pytest.raises(chain.ChainDefinitionError):
        chain.vega_expression("__import__('os')", set())
    made = chain.evaluate(
        chain.milestone(1000.0, "m"), {"year": np.array([[1.0, 2.0, 3.0]]), "facility_power_mw": np.ones((1, 3))}, {}
    )
    assert np.isnan(made["m"][0, 0])
