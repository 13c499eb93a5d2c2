"""Open data: the year's registry and evaluation as a published CSV with a datapackage.json.

Published, so: no names, emails or free text about people; every text cell that a
spreadsheet would run as a formula (starting = + - @) is neutralised with a leading quote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline import paths, protocol, tables
from pipeline.protocol import Protocol

# Published columns: name in the evaluation table (question keys and derived names) ->
# (published name, Table Schema type). Published names are kept from year to year.
COLUMNS: dict[str, tuple[str, str]] = {
    "partnership_id": ("partnership_id", "string"),
    "name": ("name", "string"),
    "partners": ("partners", "string"),
    "partnership_type": ("type", "string"),
    "legal_form": ("legal_form", "string"),
    "statutory_requirement": ("required_by_law", "string"),
    "statutory_basis": ("statutory_basis", "string"),
    "council_role": ("council_role", "string"),
    "directorate": ("lead_directorate", "string"),
    "terms_of_reference": ("terms_of_reference", "string"),
    "partnership_agreement": ("signed_agreement", "string"),
    "reporting_line": ("reports_to", "string"),
    "risk_register": ("risk_register", "string"),
    "exit_strategy": ("exit_strategy", "string"),
    "last_reviewed": ("last_reviewed", "date"),
    "meeting_frequency": ("meets", "string"),
    "cash": ("cash_gbp", "number"),
    "in_kind": ("in_kind_gbp", "number"),
    "officer_hours": ("officer_hours_per_month", "number"),
    "officer_time_cost": ("officer_time_cost_gbp", "number"),
    "full_cost": ("full_cost_gbp", "number"),
    "external_funding": ("external_funding_gbp", "number"),
    "pooled_budget": ("pooled_budget", "string"),
    "accountable_body_funds": ("council_accountable_for_funds", "string"),
    "priorities": ("council_plan_priorities", "string"),
    "priority_count": ("council_plan_priorities_count", "integer"),
    "priorities_named_by_any": ("council_plan_priorities_named_by_any", "string"),
    "overall_score": ("principles_score", "number"),
    "overall_band": ("principles_band", "string"),
    "governance_completeness": ("governance_completeness", "number"),
    "risk_level": ("risk", "string"),
    "key_partnership": ("key_partnership", "boolean"),
    "key_criteria": ("key_criteria_met", "string"),
    "action": ("recommended_action", "string"),
    "action_reason": ("recommendation_reason", "string"),
    # value for money (decision D18)
    "vfm_cost_known": ("full_cost_known", "boolean"),
    "vfm_type_median_cost": ("type_median_full_cost_gbp", "number"),
    "vfm_cost_ratio": ("full_cost_to_type_median", "number"),
    "vfm_cost_per_priority": ("cost_per_priority_gbp", "number"),
    "vfm_economy_band": ("vfm_economy", "string"),
    "vfm_efficiency_band": ("vfm_efficiency", "string"),
    "vfm_effectiveness_band": ("vfm_effectiveness", "string"),
    "vfm_equity_band": ("vfm_equity", "string"),
    "vfm_judgement": ("value_for_money", "string"),
    "vfm_reason": ("value_for_money_reason", "string"),
    "vfm_rule": ("value_for_money_rule", "string"),
}
# What a published field means, where its name alone does not say (datapackage.json).
DESCRIPTIONS: dict[str, str] = {
    "council_plan_priorities": "Council Plan priorities the partnership serves: each named "
    "by at least the toolkit's share of its returns, or by its lead officer (decision D7); "
    "joined by '; '.",
    "council_plan_priorities_count": "How many Council Plan priorities it serves, as "
    "council_plan_priorities lists them.",
    "council_plan_priorities_named_by_any": "Every Council Plan priority any of its officers "
    "named; joined by '; '. Not counted.",
    "pooled_budget": "Is there a pooled budget? Yes when at least the toolkit's share of "
    "the returns answering say so, or its lead officer does.",
    "council_accountable_for_funds": "Is the council the accountable body for the "
    "partnership's funds? Consolidated as pooled_budget is.",
    "key_partnership": "Meets at least the toolkit's number of key-partnership criteria.",
    "key_criteria_met": "The key-partnership criteria it meets, as the toolkit words them "
    "(stating the numbers in force), joined by '; '.",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def open_registry(evaluation: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """The published registry: chosen columns only, renamed, text neutralised."""
    personal = set(protocol.personal_keys)
    chosen = [c for c in COLUMNS if c in evaluation.columns and c not in personal]
    published = evaluation[chosen].rename(columns={c: COLUMNS[c][0] for c in chosen})
    text = [COLUMNS[c][0] for c in chosen if COLUMNS[c][1] == "string"]
    return published.assign(**{c: published[c].map(neutralise) for c in text})


def _datapackage(table: pd.DataFrame, year: int, council_name: str) -> dict:
    types = {published: kind for published, kind in COLUMNS.values()}
    return {
        "name": f"partnerships-registry-{year}",
        "title": f"{council_name}: registry of partnerships {year}",
        "licenses": [{"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0"}],
        "resources": [
            {
                "name": "registry",
                "path": "registry.csv",
                "format": "csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": c, "type": types[c]}
                        | ({"description": DESCRIPTIONS[c]} if c in DESCRIPTIONS else {})
                        for c in table.columns
                    ],
                    "primaryKey": ["partnership_id"],
                },
            }
        ],
    }


def write_open_data(year: int, council_name: str, root: Path | str | None = None) -> list[Path]:
    """Write outputs/<year>/open_data/registry.csv and its datapackage.json."""
    evaluation = tables.read("evaluation", year, root, personal=False)
    table = open_registry(evaluation, protocol.load(root))
    folder = paths.open_data_dir(year, root)
    csv_path = tables.write_csv(table, folder / "registry.csv")
    package = folder / "datapackage.json"
    package.write_text(
        json.dumps(_datapackage(table, year, council_name), indent=2) + "\n", encoding="utf-8"
    )
    return [csv_path, package]
