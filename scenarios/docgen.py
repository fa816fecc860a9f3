"""Generate ``docs/scenario.md`` from the schema: ``python -m scenarios.docgen > docs/scenario.md``.

A test checks that the committed file equals what this prints, so the reference never
drifts from the code.
"""
from __future__ import annotations

from scenarios.loader import SECTIONS
from scenarios.params import describe
from scenarios.schema import OfferShare, Step

__all__ = ["render"]

_INTRO = """# Scenario reference

A scenario is a TOML file a finance team edits. Every key is optional: what is not given
takes the default below (or, in a what-if, the value of the file it `extends`). Unknown
keys are errors with a "did you mean" suggestion; every problem is reported at once as
`file: key: problem (got X, expected Y)`.

Top-level keys: `name`, `description`, `extends = "base.toml"` (a path relative to this
file; tables merge key by key, lists and values replace), `replace = ["segments"]` (named
top-level tables replace the parent's instead of merging).

This page is generated from `scenarios/schema.py` by `python -m scenarios.docgen`.
"""

_SEGMENTS = """## [segments.NAME]

One table per segment, in the order they are written. Every debtor must fall in exactly one
segment (`acordo validate` reports the unassigned and overlapping counts).

| key | type | meaning |
|---|---|---|
| `rule` | table | conditions over portfolio columns, all of which must hold: `column = [low, high]` (low <= x < high; `inf` allowed), `column = true/false` (flags, and `chronic`: prior_delinquencies >= portfolio.chronic_threshold), `column = ["SP", "RJ"]` (one of the texts) |
| `behaviour` | table | overrides of the `[behaviour]` keys for this segment (e.g. `{ self_cure_h0 = 0.006 }`) |
| `description` | text | shown in reports |
| `risk_band` | text | a chronic segment is compared with the non-chronic segment of the same risk band (optimizer) |
| `max_discount` | number, 0..1 | the largest discount this segment may be offered (default 1: only `offers.max_discount` applies) |
"""

_CADENCES = """## [cadences]

`default = [{ day = 1, channel = "sms" }, ...]` for every segment, and `SEGMENT = [...]` for a
segment with its own cadence (régua). An attempt on a day the debtor's state forbids is
moved to the next allowed day.

"""

_BASELINE = """## [baseline] (and `--policy` files)

The team's current practice: `offers = [{ discount = 0.1, installments = 1, share = 0.5 }, ...]`
for every segment, and `[baseline.segments.NAME] offers = [...]` for a segment with its own
mix. Shares of a mix sum to 1. A `--policy` file has the same keys (TOML), or is the
optimizer's `policy.json`.

"""


def _table(rows) -> list[str]:
    out = ["| key | type | unit | range | default | meaning |", "|---|---|---|---|---|---|"]
    for key, tp, unit, rng, default, meaning in rows:
        out.append(f"| `{key}` | {tp} | {unit} | {rng} | `{default}` | {meaning} |")
    return out


def render() -> str:
    """The whole reference page."""
    lines = [_INTRO]
    for name, cls in SECTIONS.items():
        if name == "baseline":
            continue
        lines.append(f"## [{name}]\n")
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        lines.append(doc + "\n")
        lines.extend(_table(describe(cls, name)))
        lines.append("")
        if name == "behaviour":
            lines.append(_SEGMENTS)
    lines.append(_CADENCES)
    lines.extend(_table(describe(Step, "cadences.NAME[i]")))
    lines.append("")
    lines.append(_BASELINE)
    lines.extend(_table(describe(OfferShare, "baseline.offers[i]")))
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
