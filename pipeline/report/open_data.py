"""Open data: the year's registry and evaluation as a published CSV with a datapackage.json.

Published, so: no names, emails or free text about people (the main risks officers type
may name people, so they are never published); every text cell that a spreadsheet would
run as a formula (starting = + - @) is neutralised with a leading quote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline import paths, settings, tables
from pipeline.protocol import Protocol
from pipeline.toolkit import Toolkit

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
    # governance by heading (decision D8): one completeness column per heading of the
    # toolkit comes just before governance_completeness (open_registry adds them)
    "governance_completeness": ("governance_completeness", "number"),
    "governance_band": ("governance_band", "string"),
    "governance_evidenced": ("governance_items_evidenced", "integer"),
    "governance_asked": ("governance_items_asked", "integer"),
    "governance_missing": ("governance_missing", "string"),
    "risk_level": ("risk", "string"),
    "uncontrolled_risk": ("uncontrolled_risk", "boolean"),
    "risk_controls_missing": ("risk_controls_missing", "string"),
    # agreement between officers (decision D17)
    "officers_disagree_on": ("officers_disagree_on", "string"),
    "officers_disagree_count": ("officers_disagree_count", "integer"),
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
    "governance_completeness": "Mean of the governance headings' completeness (0-1) over "
    "the headings the survey asked, each heading counting equally; blank when it asked none.",
    "governance_band": "The overall governance completeness banded by the toolkit's "
    "governance thresholds.",
    "governance_items_evidenced": "Governance evidence items the partnership evidences, "
    "over every heading.",
    "governance_items_asked": "Governance evidence items the year's survey asked, over "
    "every heading (an item not asked counts neither for nor against).",
    "governance_missing": "The governance evidence it lacks, in the toolkit's plain words "
    "(such as 'no signed agreement'), heading by heading, joined by '; '.",
    "risk": "The highest risk to the council any of its officers reported.",
    "risk_controls_missing": "The controls missing from an uncontrolled risk, in plain "
    "words, joined by '; '.",
    "officers_disagree_on": "The principles (by the toolkit's code, such as P3) on which "
    "its officers' own mean answers are at least the toolkit's spread apart, joined by '; '.",
    "officers_disagree_count": "How many principles its officers disagree on.",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _columns(toolkit: Toolkit) -> dict[str, tuple[str, str]]:
    """COLUMNS with each governance heading's completeness (published under its own name)
    just before the overall completeness, in the toolkit's order of headings."""
    headings = {
        toolkit.governance.column(key): (toolkit.governance.column(key), "number")
        for key in toolkit.governance.headings
    }
    columns: dict[str, tuple[str, str]] = {}
    for source, published in COLUMNS.items():
        if source == "governance_completeness":
            columns.update(headings)
        columns[source] = published
    return columns


def _descriptions(toolkit: Toolkit) -> dict[str, str]:
    """DESCRIPTIONS, and each governance heading's completeness described by its name."""
    headings = {
        toolkit.governance.column(key): f"Share (0-1) of the '{heading.name}' heading's "
        "governance evidence items the partnership evidences, out of those the year's survey "
        "asked; blank when it asked none of them (not asked)."
        for key, heading in toolkit.governance.headings.items()
    }
    uncontrolled = toolkit.risk.uncontrolled
    words = {
        item.question: item.missing or item.unanswered for _, item in toolkit.governance.items()
    }
    controls = " or ".join(words[control] for control in uncontrolled.controls)
    risk = {
        "uncontrolled_risk": f"True when its risk is {' or '.join(uncontrolled.levels)} and "
        f"any of its controls is missing ({controls}), as the toolkit judges them."
    }
    return DESCRIPTIONS | headings | risk


def open_registry(evaluation: pd.DataFrame, protocol: Protocol, toolkit: Toolkit) -> pd.DataFrame:
    """The published registry: chosen columns only, renamed, text neutralised. Never a
    personal question's answer, nor the main risks officers typed (they may name people)."""
    columns = _columns(toolkit)
    never = set(protocol.personal_keys) | {toolkit.risk.main_risks}
    chosen = [c for c in columns if c in evaluation.columns and c not in never]
    published = evaluation[chosen].rename(columns={c: columns[c][0] for c in chosen})
    text = [columns[c][0] for c in chosen if columns[c][1] == "string"]
    return published.assign(**{c: published[c].map(neutralise) for c in text})


def _datapackage(table: pd.DataFrame, year: int, council_name: str, toolkit: Toolkit) -> dict:
    types = {published: kind for published, kind in _columns(toolkit).values()}
    descriptions = _descriptions(toolkit)
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
                        | ({"description": descriptions[c]} if c in descriptions else {})
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
    config = settings.load(root)
    table = open_registry(evaluation, config.protocol, config.toolkit)
    folder = paths.open_data_dir(year, root)
    csv_path = tables.write_csv(table, folder / "registry.csv")
    package = folder / "datapackage.json"
    package.write_text(
        json.dumps(_datapackage(table, year, council_name, config.toolkit), indent=2) + "\n",
        encoding="utf-8",
    )
    return [csv_path, package]
