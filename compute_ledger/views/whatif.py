"""The in-page what-if of the Projections chapter: one input per chain parameter, and the main scenario's chain
recomputed in the reader's browser (no network, no server) as they move an input.

The chain is not written again here: the chart's Vega-Lite spec carries :data:`chain.PROJECTION` and
:func:`chain.milestone` as transforms (:func:`chain.vega_lite_transforms`), the very steps
:mod:`compute_ledger.projection` evaluates with numpy. The inputs are Vega signals; ``whatif.js`` (shipped beside this
module) only moves values between the form, the signals, the address bar and the numbers shown, and writes the YAML.
The Monte Carlo band in the chart is the run's, and the panel says so.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import vl_convert
from IPython.display import HTML

from compute_ledger import chain, charts, escape, params, projection, scenarios

SCRIPT = Path(__file__).with_name("whatif.js")
# The page's horizon-year numbers: the chain column, the label shown.
NUMBERS = {
    "accelerators": "H100-equivalents",
    "facility_power_mw": "Facility power",
    "energy_twh": "Electricity used per year",
    "electricity_cost_usd": "Electricity bill per year",
    "hardware_capex_usd": "Hardware value",
}
MILESTONE_COLUMNS = {threshold: f"milestone_{threshold / 1000:g}gw" for threshold in scenarios.MILESTONES_MW}
WHATIF_COLOUR = charts.PALETTE[0]
RUN_COLOUR = "#555555"


@dataclass(frozen=True)
class Field:
    """One input of the panel: ``key`` is the parameter of the YAML file (and of the address bar), ``signal`` the
    Vega signal it sets; ``minimum``/``maximum`` the input's ends (an excluded bound moved in by one ``step``)."""

    key: str
    signal: str
    label: str
    unit: str
    minimum: float
    maximum: float
    step: float
    value: float | None
    allowed: str
    run_text: str
    slider: bool = True
    optional: bool = False


# Parameter -> (signal, step of the input, has a slider). The order is the panel's.
INPUTS: dict[str, tuple[str, float, bool]] = {
    "growth_multiple_override": (projection.GROWTH_PARAMETER, 0.01, True),
    "growth_slowdown_per_year": ("growth_slowdown_per_year", 0.01, True),
    "site_power_cap_mw": ("site_power_cap_mw", 10.0, False),
    "accelerator_it_power_w": ("it_power_w_per_h100", 5.0, True),
    "pue": ("pue", 0.01, True),
    "utilisation": ("utilisation", 0.01, True),
    "electricity_price_usd_per_mwh": ("electricity_price_usd_per_mwh", 1.0, True),
    "gpu_unit_price_usd": ("gpu_unit_price_usd", 500.0, True),
    "accelerator_price_change_per_year": ("accelerator_price_change_per_year", 0.01, True),
    "horizon": ("horizon", 1.0, True),
}


def _exclusive(name: str) -> tuple[bool, bool]:
    """Whether the parameter's lower and upper bounds are excluded (``gt``/``lt``)."""
    metadata = params.Parameters.model_fields[name].metadata
    return (
        any(getattr(item, "gt", None) is not None for item in metadata),
        any(getattr(item, "lt", None) is not None for item in metadata),
    )


def fields(run: scenarios.ScenarioRun) -> list[Field]:
    """The panel's inputs, each starting at the run's value, with its unit and range from :mod:`params`."""
    specs = {spec.name: spec for spec in params.specs()}
    values = {**run.parameters.model_dump(), "growth_multiple_override": run.growth_multiple}
    result = []
    for key, (signal, step, slider) in INPUTS.items():
        spec = specs[key]
        low_out, high_out = _exclusive(key)
        low = float(spec.minimum) + (step if low_out else 0.0)
        high = float(spec.maximum) - (step if high_out else 0.0)
        if key == "horizon":
            low = max(low, float(run.base.year + 1))
        # The horizon must also be after the base year.
        number = ".10g" if key == "horizon" else ",.10g"  # years without a thousands separator
        allowed = f"{low if key == 'horizon' else spec.minimum:{number}}{' (excluded)' if low_out else ''} to "
        allowed += f"{spec.maximum:{number}}"
        allowed += " (excluded)" if high_out else ""
        value = values[key]
        shown = "no cap" if value is None else f"{value:{number.replace('10', '6')}}"
        label = spec.label
        result.append(
            Field(
                key=key,
                signal=signal,
                label=label[0].upper() + label[1:],
                unit=spec.unit,
                minimum=low,
                maximum=high,
                step=step,
                value=None if value is None else float(value),
                allowed=allowed,
                run_text=shown,
                slider=slider,
                optional=key == "site_power_cap_mw",
            )
        )
    return result


def vega_lite_spec(run: scenarios.ScenarioRun, inputs: list[Field]) -> dict:
    """The what-if chart: the run's P10–P90 band and central path (fixed), and the what-if path, recomputed by the
    chain's own steps from the input signals."""
    base = run.base
    last = int(next(field.maximum for field in inputs if field.key == "horizon"))
    years = [{"year": float(year)} for year in range(base.year, last + 1)]
    steps = list(chain.PROJECTION)
    for threshold, column in MILESTONE_COLUMNS.items():
        steps += chain.milestone(threshold, column)
    # No cap is infinity in the chain. JSON has no infinity: the spec starts from the largest double, which the
    # chain's first step turns into an infinite cap in accelerators, and the page then sets the signal to Infinity.
    signals = [
        {"name": field.signal, "value": sys.float_info.max if field.value is None else field.value} for field in inputs
    ]
    signals += [
        {"name": "base_year", "value": float(base.year)},
        {"name": "base_accelerators", "value": base.h100e},
        # The chain takes ln of the growth multiple and the power per H100-equivalent of the base's chips
        # (scenarios.scaled_chain multiplies by the same ratio).
        {"name": "growth_log", "expr": f"log({projection.GROWTH_PARAMETER})"},
        {"name": "accelerator_it_power_w", "expr": f"it_power_w_per_h100 * {base.power_ratio!r}"},
    ]
    bands = run.bands.loc[run.bands["quantity"] == "accelerators"]
    band_rows = [
        {"year": float(row.year), "p10": float(row.p10), "p90": float(row.p90)} for row in bands.itertuples(index=False)
    ]
    central = [
        {"year": float(row.year), "accelerators": float(row.accelerators)}
        for row in run.projection.itertuples(index=False)
    ]
    log = {"type": "log"}
    x = {"field": "year", "type": "quantitative", "title": "Year", "axis": {"format": "d", "tickMinStep": 1}}
    y_title = "Largest cluster, H100-equivalents (log scale)"
    legend = {
        "domain": [f"the book's {run.name} run", "your what-if"],
        "range": [RUN_COLOUR, WHATIF_COLOUR],
    }
    colour_of = {
        "scale": legend,
        "title": None,
        "legend": {"orient": "bottom", "columns": 1, "labelLimit": 300},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container",
        "height": 280,
        "autosize": {"type": "fit-x", "contains": "padding", "resize": True},
        "params": signals,
        "layer": [
            {
                "data": {"values": band_rows},
                "mark": {"type": "area", "opacity": 0.18, "color": RUN_COLOUR},
                "encoding": {
                    "x": x,
                    "y": {"field": "p10", "type": "quantitative", "scale": log, "title": y_title},
                    "y2": {"field": "p90"},
                },
            },
            {
                "data": {"values": central},
                "mark": {"type": "line", "strokeDash": [6, 4], "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": {"field": "accelerators", "type": "quantitative", "scale": log},
                    "color": {"datum": legend["domain"][0], **colour_of},
                },
            },
            {
                "data": {"values": years},
                "transform": [{"filter": "datum.year <= horizon"}, *chain.vega_lite_transforms(steps, ["year"])],
                "mark": {"type": "line", "strokeWidth": 2.5, "point": True},
                "encoding": {
                    "x": x,
                    "y": {"field": "accelerators", "type": "quantitative", "scale": log},
                    "color": {"datum": legend["domain"][1], **colour_of},
                    "tooltip": [
                        {"field": "year", "type": "quantitative", "title": "Year", "format": "d"},
                        {"field": "accelerators", "type": "quantitative", "title": "H100e", "format": ",.3s"},
                        {
                            "field": "facility_power_mw",
                            "type": "quantitative",
                            "title": "Facility MW",
                            "format": ",.3s",
                        },
                    ],
                },
            },
        ],
    }


@cache
def _compiled(spec_json: str) -> tuple[dict, str]:
    """The Vega spec the page runs and the name of its dataset holding the chain's rows."""
    import json

    vega = vl_convert.vegalite_to_vega(json.loads(spec_json), vl_version=charts.VEGA_LITE_VERSION)
    last = MILESTONE_COLUMNS[scenarios.MILESTONES_MW[-1]]
    for data in vega["data"]:
        if any(item.get("as") == last for item in data.get("transform", [])):
            return vega, data["name"]
    raise LookupError("the compiled what-if spec has no dataset with the chain's last column")


def vega_spec(run: scenarios.ScenarioRun, inputs: list[Field]) -> tuple[dict, str]:
    """:func:`vega_lite_spec` compiled to Vega (so the page can read the chain's rows by dataset name)."""
    import json

    return _compiled(json.dumps(vega_lite_spec(run, inputs), sort_keys=True))


def _input_html(field: Field) -> str:
    """One labelled input (a number box, and a slider for a bounded parameter), its unit and range read out."""
    ident = f"whatif-{field.key}"
    name = escape.html_text(f"{field.label} ({field.unit})")
    described = f"{ident}-range"
    attributes = f'min="{field.minimum!r}" max="{field.maximum!r}" data-key="{escape.html_text(field.key)}"'
    number = (
        f'<input type="number" id="{ident}" step="any" {attributes} data-role="number" aria-describedby="{described}">'
    )
    slider = (
        f'<input type="range" step="{field.step!r}" {attributes} data-role="slider" aria-label="{name}" '
        f'aria-describedby="{described}">'
        if field.slider
        else ""
    )
    no_cap = (
        f'<label class="cl-whatif-nocap"><input type="checkbox" data-key="{escape.html_text(field.key)}" '
        f'data-role="none" aria-describedby="{described}"> no cap</label>'
        if field.optional
        else ""
    )
    return (
        f'<div class="cl-whatif-field"><label for="{ident}">{escape.html_text(field.label)} '
        f'<span class="cl-whatif-unit">({escape.html_text(field.unit)})</span></label>'
        f"{number}{slider}{no_cap}"
        f'<span class="cl-whatif-range" id="{described}">Range {escape.html_text(field.allowed)} '
        f"{escape.html_text(field.unit)}; the book's run: "
        f"{escape.html_text(field.run_text)}</span></div>"
    )


STYLE = """
.cl-whatif{border:2px solid #0072B2;border-radius:6px;padding:.8rem;margin:1.2rem 0;box-sizing:border-box}
.cl-whatif-note{background:#eef5fb;padding:.4rem .6rem;border-radius:4px}
.cl-whatif-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.6rem 1rem}
.cl-whatif-field{display:flex;flex-direction:column;gap:.2rem;min-width:0}
.cl-whatif-field input[type=number],.cl-whatif-field input[type=range]{width:100%;box-sizing:border-box}
.cl-whatif-range{font-size:.8rem;color:#444}
.cl-whatif-numbers{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.4rem 1rem;margin:.6rem 0}
.cl-whatif-numbers div{display:flex;flex-direction:column}
.cl-whatif-numbers output{font-size:1.2rem;font-weight:600}
.cl-whatif-actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0}
.cl-whatif-actions button{padding:.35rem .7rem}
.cl-whatif-chart{width:100%;min-height:300px}
"""


def panel(run: scenarios.ScenarioRun, edition: str) -> HTML:
    """The what-if panel for the main scenario ``run``: inputs, horizon-year numbers, milestones, the chart, the
    buttons, and the script that ties them together."""
    inputs = fields(run)
    spec, dataset = vega_spec(run, inputs)
    others = {key: value for key, value in run.parameters.model_dump(mode="json").items() if key not in INPUTS}
    config = {
        "fields": [asdict(field) for field in inputs],
        "spec": spec,
        "dataset": dataset,
        "numbers": list(NUMBERS),
        "milestones": list(MILESTONE_COLUMNS.values()),
        "others": others,
        "yamlHeader": [
            f"What-if assumptions from the Projections page of Compute Ledger, edition {edition}.",
            "Re-run the book with them: python pipeline.py --params THIS_FILE",
            f"The {run.name} scenario's deterministic path is then the what-if the page showed. These values go on top "
            f"of every scenario file; add --scenario {run.name} to run that scenario alone.",
        ],
        "bundle": charts.VENDOR_BUNDLE,
    }
    numbers = "".join(
        f'<div><span>{escape.html_text(label)} in <span data-role="horizon-year"></span></span>'
        f'<output data-number="{escape.html_text(column)}"></output></div>'
        for column, label in NUMBERS.items()
    )
    milestones = "".join(
        f"<div><span>Facility power passes {threshold / 1000:g} GW</span>"
        f'<output data-number="{escape.html_text(column)}"></output></div>'
        for threshold, column in MILESTONE_COLUMNS.items()
    )
    draws = run.parameters.monte_carlo_draws
    html = (
        f"<style>{STYLE}</style>"
        '<section class="cl-whatif" id="what-if" aria-labelledby="what-if-title">'
        '<h3 id="what-if-title">What if? Move the assumptions</h3>'
        '<p class="cl-whatif-note"><strong>This is a what-if, computed in your browser.</strong> Each input starts '
        f"at the value of the book's {escape.html_text(run.name)} scenario. Moving one recomputes the chain "
        "(H100-equivalents, power, energy, money) in this page, with the same steps the book's Python runs, from "
        f"the same largest observed cluster ({escape.html_text(run.base.subject)}, {run.base.year}). The grey band is "
        f"the P10–P90 of the book's own {draws:,} Monte Carlo draws: it does not move with the inputs. Your "
        "settings are kept in the page's address, so a link shares them.</p>"
        f'<div class="cl-whatif-grid">{"".join(_input_html(field) for field in inputs)}</div>'
        '<div class="cl-whatif-actions">'
        '<button type="button" data-role="reset">Reset to the book\'s values</button>'
        '<button type="button" data-role="download">Download these assumptions (YAML)</button></div>'
        f'<div class="cl-whatif-numbers" aria-live="polite">{numbers}{milestones}</div>'
        '<div class="cl-whatif-chart" role="img" aria-label="Line chart: the largest cluster in H100-equivalents on '
        "your what-if path, beside the book's path and its Monte Carlo band, log scale\"></div>"
        '<p class="cl-whatif-status" data-role="status" aria-live="polite"></p>'
        f"<script>(function (config) {{\n{SCRIPT.read_text(encoding='utf-8')}\n}})"
        f"({escape.script_json(config, sort_keys=True)});</script>"
        "</section>"
    )
    return HTML(html)
