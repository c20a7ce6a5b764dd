"""Every fitted or projected number the intro quotes lies inside the interval of its own fit or band."""

import json
import re

GLUED = re.compile(r"\{glue:text\}`([a-z_]+)\.ipynb::([a-z0-9_]+)")
# A central value's key-number name -> the names of the ends of its interval (same chapter).
INTERVALS = (
    (re.compile(r"(.+)_multiple$"), ("{}_ci_low", "{}_ci_high")),
    (re.compile(r"(.+)_central$"), ("{}_low", "{}_high")),
    (re.compile(r"(main_power_gw)$"), ("{}_p10", "{}_p90")),
)


def intervals_of_the_intro(intro_text: str, values: dict[str, float]) -> list[tuple[str, float, float, float]]:
    """(id, low, value, high) for each glued intro number that has an interval among the key numbers."""
    found = []
    for chapter, name in sorted(set(GLUED.findall(intro_text))):
        for pattern, ends in INTERVALS:
            match = pattern.match(name)
            low_id, high_id = (f"{chapter}.{end.format(match.group(1))}" for end in ends) if match else ("", "")
            if match and low_id in values and high_id in values:
                found.append((f"{chapter}.{name}", values[low_id], values[f"{chapter}.{name}"], values[high_id]))
    return found


def test_every_fitted_or_projected_intro_number_is_inside_its_interval(built_project):
    intro = (built_project / "book" / "intro.md").read_text(encoding="utf-8")
    rows = json.loads((built_project / "data" / "processed" / "key_numbers.json").read_text(encoding="utf-8"))
    values = {row["id"]: row["value"] for row in rows}
    checked = intervals_of_the_intro(intro, values)
    ids = {item[0] for item in checked}
    # The record multiples, the cluster fit, both record what-ifs and the main scenario's power: at least these.
    assert {"growth.record_h100e_multiple", "projections.outlook_mw_central", "projections.main_power_gw"} <= ids
    outside = [item for item in checked if not item[1] <= item[2] <= item[3]]
    assert not outside, outside


def test_an_intro_number_outside_its_interval_is_found():
    intro = "{glue:text}`growth.ipynb::record_mw_multiple:.2f`"
    values = {"growth.record_mw_multiple": 3.0, "growth.record_mw_ci_low": 1.5, "growth.record_mw_ci_high": 1.9}
    [(name, low, value, high)] = intervals_of_the_intro(intro, values)
    assert name == "growth.record_mw_multiple" and not low <= value <= high
