"""The run's parameters: defined once here (name, unit, description, default, allowed range, uncertainty
range, where the default comes from), set from the command line, a YAML file or a named scenario."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from compute_ledger import inputs, paths
from compute_ledger.errors import InputFileError


class ParameterError(Exception):
    """A parameter could not be set. The message names the parameter, what is allowed and what was given."""


def _meta(
    unit: str, source: str, uncertainty: tuple[float, float] | None = None, label: str | None = None
) -> dict[str, Any]:
    """``label``: the short name charts, tables and the what-if panel show (the parameter's name when none)."""
    return {"unit": unit, "source": source, "uncertainty": uncertainty, "label": label}


class Parameters(BaseModel):
    """Every parameter of a run. ``source`` is a figure id in data/raw, or "assumption" with the reasoning."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    horizon: int = Field(
        2030,
        ge=2026,
        le=2040,
        description="Last year of the projections.",
        json_schema_extra=_meta("year", "assumption: the seeds and published analyses look to 2030", label="horizon"),
    )
    fit_start_year: int = Field(
        2018,
        ge=2010,
        le=2024,
        description="First year of observations used in the growth fits.",
        json_schema_extra=_meta("year", "assumption: the era of GPU clusters for large language models"),
    )
    fit_include_announced: bool = Field(
        False,
        description="Also fit announced plans (by default plans are drawn but kept out of the fits).",
        json_schema_extra=_meta("flag", "assumption: fits describe what was built"),
    )
    growth_multiple_override: float | None = Field(
        None,
        ge=0.5,
        le=20.0,
        description="Yearly multiple of the largest cluster's accelerator count used in the projections; "
        "empty = the multiple fitted on the ledger.",
        json_schema_extra=_meta(
            "x per year", "computed: fit of the largest cluster per year", label="growth multiple per year"
        ),
    )
    growth_slowdown_per_year: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="Share by which the log of the yearly growth multiple shrinks each projected year "
        "(0 = the trend continues).",
        json_schema_extra=_meta("fraction per year", "assumption", (0.0, 0.3), label="growth slowdown per year"),
    )
    site_power_cap_mw: float | None = Field(
        None,
        ge=10.0,
        le=1_000_000.0,
        description="Largest facility power one site can get; growth stops there. Empty = no cap.",
        json_schema_extra=_meta("MW", "assumption: see the power-capped scenario", label="site power cap"),
    )
    gpu_unit_price_usd: float = Field(
        30_000.0,
        ge=1_000.0,
        le=200_000.0,
        description="Price of one H100 in the base year; the projections take it as the price of one H100-equivalent.",
        json_schema_extra=_meta(
            "USD per H100",
            "figure seed-004-h100-unit-price-30000 (range: money-h100-price-raymond-james to money-h100-price-gzero)",
            (25_000.0, 40_000.0),
            label="price per H100-equivalent",
        ),
    )
    accelerator_price_change_per_year: float = Field(
        0.0,
        ge=-0.5,
        le=0.5,
        description="Yearly change of the price of one frontier accelerator (-0.1 = 10 % cheaper each year).",
        json_schema_extra=_meta("fraction per year", "assumption", (-0.3, 0.15), label="yearly price change"),
    )
    accelerator_it_power_w: float = Field(
        1_275.0,
        ge=300.0,
        le=3_000.0,
        description="IT power per H100 including its share of server, network and storage "
        "(a DGX H100 server: 10.2 kW for 8 GPUs); the projections scale it to the base cluster's chips by their "
        "power per H100-equivalent in the chip table.",
        json_schema_extra=_meta(
            "W per H100",
            "figure hw-nvidia-dgx-h100-max-power-supercluster (10.2 kW / 8 GPUs); high end: "
            "hw-nvidia-gb200-nvl72-rack-power (120 kW / 72 GPUs)",
            (1_000.0, 1_700.0),
            label="IT power per H100 (all-in)",
        ),
    )
    pue: float = Field(
        1.2,
        ge=1.0,
        le=3.0,
        description="Power usage effectiveness: facility power / IT power.",
        json_schema_extra=_meta(
            "ratio",
            "assumption: between hw-google-fleet-pue-2023 (1.10) and hw-industry-pue-2023-uptime (1.58)",
            (1.1, 1.58),
            label="PUE",
        ),
    )
    utilisation: float = Field(
        0.8,
        gt=0.0,
        le=1.0,
        description="Average share of facility power drawn over a year.",
        json_schema_extra=_meta("fraction", "assumption", (0.6, 0.95), label="utilisation"),
    )
    electricity_price_usd_per_mwh: float = Field(
        80.0,
        ge=0.0,
        le=500.0,
        description="Price of electricity paid by the site.",
        json_schema_extra=_meta(
            "USD per MWh", "assumption: US industrial tariffs", (50.0, 120.0), label="electricity price"
        ),
    )
    check_tolerance_factor: float = Field(
        1.5,
        ge=1.05,
        le=10.0,
        description="Consistency checks flag a computed value that differs from the reported one by more than "
        "this factor (either way).",
        json_schema_extra=_meta("factor", "assumption: the spread of the ledger's own source disagreements"),
    )
    monte_carlo_draws: int = Field(
        20_000,
        ge=100,
        le=1_000_000,
        description="Number of Monte Carlo draws for the uncertainty bands.",
        json_schema_extra=_meta("draws", "assumption"),
    )
    random_seed: int = Field(
        20_261_122,
        ge=0,
        description="Seed of the Monte Carlo draws (same seed, same bands).",
        json_schema_extra=_meta("seed", "assumption"),
    )

    def chain_parameters(self) -> dict[str, float]:
        """The numbers the projection chain takes, with no cap as infinity."""
        return {
            "accelerator_it_power_w": self.accelerator_it_power_w,
            "pue": self.pue,
            "utilisation": self.utilisation,
            "electricity_price_usd_per_mwh": self.electricity_price_usd_per_mwh,
            "gpu_unit_price_usd": self.gpu_unit_price_usd,
            "accelerator_price_change_per_year": self.accelerator_price_change_per_year,
            "growth_slowdown_per_year": self.growth_slowdown_per_year,
            "site_power_cap_mw": math.inf if self.site_power_cap_mw is None else self.site_power_cap_mw,
        }


@dataclass(frozen=True)
class ParameterSpec:
    """What the book and ``--list-params`` show of one parameter."""

    name: str
    type: str
    unit: str
    description: str
    default: Any
    minimum: float | None
    maximum: float | None
    uncertainty: tuple[float, float] | None
    source: str
    label: str  # the short name charts, tables and the what-if panel show

    @property
    def allowed(self) -> str:
        if self.minimum is None and self.maximum is None:
            return "true/false" if self.type == "bool" else "any"
        low = "" if self.minimum is None else f"{self.minimum:g}"
        high = "" if self.maximum is None else f"{self.maximum:g}"
        return f"{low} to {high}"


def _bounds(field) -> tuple[float | None, float | None]:
    low = high = None
    for item in field.metadata:
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
        low = getattr(item, "gt", None) if getattr(item, "gt", None) is not None else low
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
        high = getattr(item, "lt", None) if getattr(item, "lt", None) is not None else high
    return low, high


def specs() -> list[ParameterSpec]:
    """All parameters, in definition order."""
    result = []
    for name, field in Parameters.model_fields.items():
        extra = field.json_schema_extra or {}
        annotation = field.annotation
        type_name = getattr(annotation, "__name__", str(annotation)).replace("typing.", "")
        if type_name.startswith("Optional") or "None" in str(annotation):
            type_name = str(annotation).replace("typing.", "").replace(" | None", "") + " or empty"
        low, high = _bounds(field)
        result.append(
            ParameterSpec(
                name=name,
                type=type_name,
                unit=extra["unit"],
                description=field.description or "",
                default=field.default,
                minimum=low,
                maximum=high,
                uncertainty=extra.get("uncertainty"),
                source=extra["source"],
                label=extra.get("label") or name,
            )
        )
    return result


def uncertainty_ranges(parameters: Parameters) -> dict[str, tuple[float, float, float]]:
    """(low, mode, high) of each uncertain chain parameter, the mode being the value in effect.

    A value set outside its published range widens the range to include it.
    """
    chain = parameters.chain_parameters()
    ranges = {}
    for spec in specs():
        if spec.uncertainty is None or spec.name not in chain:
            continue
        value = chain[spec.name]
        low, high = spec.uncertainty
        ranges[spec.name] = (min(low, value), value, max(high, value))
    return ranges


def suggest(name: str) -> str:
    """' (did you mean 'pue'?)' for a near miss, else the list of valid names."""
    names = list(Parameters.model_fields)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    if close:
        return f"did you mean '{close[0]}'?"
    return "valid names: " + ", ".join(names)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``name=value`` from ``--set``; the value is read as YAML (numbers, true/false, empty = none)."""
    if "=" not in text:
        raise ParameterError(f"--set {text!r}: expected name=value, e.g. --set gpu_unit_price_usd=25000")
    name, raw = text.split("=", 1)
    name = name.strip()
    raw = raw.strip()
    if raw == "" or raw.lower() in ("none", "null"):
        return name, None
    try:
        return name, yaml.safe_load(raw)
    except yaml.YAMLError:
        return name, raw


def read_parameter_file(path: Path) -> dict[str, Any]:
    """A YAML parameter file: either a plain mapping, or ``{description: ..., parameters: {...}}``."""
    name = inputs.display(path)
    try:
        content = inputs.read_yaml(path) or {}
    except InputFileError as error:
        raise ParameterError(f"parameter file {error}") from None
    if not isinstance(content, dict):
        raise ParameterError(f"parameter file {name}: expected a mapping of parameter names to values")
    values = content["parameters"] if "parameters" in content else content
    if not isinstance(values, dict):
        raise ParameterError(f"parameter file {name}: 'parameters' must be a mapping of names to values")
    return {key: value for key, value in values.items() if key not in ("description", "title")}


def scenario_path(name: str) -> Path:
    return paths.SCENARIOS / f"{name}.yaml"


def available_scenarios() -> list[str]:
    return sorted(p.stem for p in paths.SCENARIOS.glob("*.yaml"))


def scenario_description(name: str) -> str:
    try:
        content = inputs.read_yaml(scenario_path(name)) or {}
    except InputFileError as error:
        raise ParameterError(f"scenario file {error}") from None
    return str(content.get("description", "")).strip() if isinstance(content, dict) else ""


def read_scenario(name: str) -> dict[str, Any]:
    path = scenario_path(name)
    if not path.exists():
        close = difflib.get_close_matches(name, available_scenarios(), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"available: {', '.join(available_scenarios())}"
        raise ParameterError(f"unknown scenario '{name}' (no file {path.relative_to(paths.ROOT)}); {hint}")
    return read_parameter_file(path)


def build(*layers: Mapping[str, Any], origin: Iterable[str] = ()) -> Parameters:
    """Defaults overlaid by each mapping in turn; every problem named (parameter, allowed, given)."""
    origins = list(origin) + [""] * (len(layers) - len(list(origin)))
    merged: dict[str, Any] = {}
    given_in: dict[str, str] = {}
    problems = []
    for layer, where in zip(layers, origins, strict=False):
        for name, value in layer.items():
            if name not in Parameters.model_fields:
                place = f" (from {where})" if where else ""
                problems.append(f"unknown parameter '{name}'{place}; {suggest(name)}")
                continue
            merged[name] = value
            given_in[name] = where
    if problems:
        raise ParameterError("\n".join(problems))
    try:
        return Parameters(**merged)
    except ValidationError as error:
        raise ParameterError("\n".join(_explain(e, merged, given_in) for e in error.errors())) from None


def _explain(error: Mapping[str, Any], given: Mapping[str, Any], given_in: Mapping[str, str]) -> str:
    name = str(error["loc"][0]) if error["loc"] else "?"
    spec = next((s for s in specs() if s.name == name), None)
    allowed = f"allowed: {spec.type}, {spec.allowed} ({spec.unit})" if spec else ""
    place = f" (from {given_in[name]})" if given_in.get(name) else ""
    return f"parameter '{name}'{place}: {error['msg'].lower()}; {allowed}; given: {given.get(name)!r}"


def differences(parameters: Parameters) -> dict[str, tuple[Any, Any]]:
    """Parameters whose value differs from the default: name -> (default, value)."""
    defaults = Parameters()
    return {
        name: (getattr(defaults, name), getattr(parameters, name))
        for name in Parameters.model_fields
        if getattr(defaults, name) != getattr(parameters, name)
    }


def format_table() -> str:
    """The text ``--list-params`` prints."""
    lines = []
    for spec in specs():
        default = "empty" if spec.default is None else spec.default
        lines.append(f"{spec.name} = {default}  [{spec.unit}; {spec.type}; allowed {spec.allowed}]")
        lines.append(f"    {spec.description}")
        if spec.uncertainty:
            lines.append(f"    uncertainty range: {spec.uncertainty[0]:g} to {spec.uncertainty[1]:g}")
        lines.append(f"    source: {spec.source}")
    return "\n".join(lines)


def from_namespace(namespace: Mapping[str, Any]) -> Parameters:
    """The parameter set of a chapter: the known parameter names found in its namespace (its parameters
    cell, as papermill injected it), over the defaults."""
    return build({name: namespace[name] for name in Parameters.model_fields if name in namespace})


def used_by(namespace: Mapping[str, Any]) -> list[str]:
    """The parameter names a chapter declares in its parameters cell."""
    return [name for name in Parameters.model_fields if name in namespace]
