"""Open data: the published registry's columns, its schema, and cells a spreadsheet would
run as a formula published as text."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import paths, protocol, tables, toolkit
from pipeline.report import open_data
from pipeline.report.open_data import neutralise, open_registry

PROTOCOL = protocol.load()

BACKTEST = Path(__file__).parent / "backtest"
KIT = toolkit.load(BACKTEST, PROTOCOL)  # the pinned toolkit: its seven governance headings
YEAR = 2025


def test_neutralise_quotes_formula_like_text():
    assert [neutralise(v) for v in ["=SUM(A1)", "+44", "-", "@x", "Fine", 5]] == [
        "'=SUM(A1)",
        "'+44",
        "'-",
        "'@x",
        "Fine",
        5,
    ]


@pytest.fixture
def published(project_root):
    """The open data written from the back test's expected evaluation (5 partnerships)."""
    target = tables.path("evaluation", YEAR, project_root)
    target.parent.mkdir(parents=True)
    shutil.copyfile(BACKTEST / "expected_evaluation.csv", target)
    open_data.write_open_data(YEAR, "Northmoor County Council", project_root)
    folder = paths.open_data_dir(YEAR, project_root)
    registry = pd.read_csv(folder / "registry.csv", dtype=str, keep_default_na=False)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    return registry.set_index("partnership_id", drop=False), package


def test_open_data_publishes_which_key_criteria_each_partnership_met(published):
    registry, _ = published

    westbrook = registry.loc["PSH-0005"]
    assert westbrook["key_partnership"] == "True"
    assert westbrook["key_criteria_met"] == (
        "Required by law or regulation; High risk to the council; "
        "Serves 3 or more Council Plan priorities"
    )
    assert registry.loc["PSH-0002", "key_criteria_met"] == "High risk to the council"


def test_open_data_publishes_counted_priorities_beside_those_any_officer_named(published):
    registry, _ = published

    row = registry.loc["PSH-0005"]
    assert row["council_plan_priorities"] == (
        "Better lives for all; Economic ambition; Stronger communities"
    )
    assert row["council_plan_priorities_count"] == "3"
    assert row["council_plan_priorities_named_by_any"] == row["council_plan_priorities"]


def test_the_datapackage_schema_lists_every_published_column_with_its_type(published):
    registry, package = published

    fields = package["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in fields] == list(registry.columns)
    types = {f["name"]: f["type"] for f in fields}
    assert types["key_partnership"] == "boolean"
    assert types["key_criteria_met"] == "string"
    assert types["council_plan_priorities_count"] == "integer"
    described = {f["name"] for f in fields if f.get("description")}
    assert {"key_criteria_met", "council_plan_priorities", "pooled_budget"} <= described


def test_every_description_is_of_a_published_column():
    published_names = {name for name, _ in open_data.COLUMNS.values()}

    assert set(open_data.DESCRIPTIONS) <= published_names


def test_open_registry_publishes_value_for_money_without_officers_words():
    evaluation = pd.DataFrame(
        {
            "partnership_id": ["PSH-0001"],
            "name": ["Alpha Board"],
            "vfm_cost_ratio": [2.5],
            "vfm_economy_band": ["Poor"],
            "vfm_judgement": ["Poor"],
            "vfm_reason": ["=HYPERLINK(x)"],
            "vfm_rule": ["rule 4: effectiveness eq Poor"],
            "vfm_measures": ["Cost for its type: Poor"],
            "vfm_achievements_reported": [2],
            "achievements": ["Opened two hubs (Jo Bloggs)"],
        }
    )

    published = open_registry(evaluation, PROTOCOL, KIT)

    assert list(published.columns) == [
        "partnership_id",
        "name",
        "full_cost_to_type_median",
        "vfm_economy",
        "value_for_money",
        "value_for_money_reason",
        "value_for_money_rule",
    ]
    assert published["value_for_money_reason"].item() == "'=HYPERLINK(x)"
    assert published["value_for_money_rule"].item() == "rule 4: effectiveness eq Poor"


HEADINGS = [KIT.governance.column(key) for key in KIT.governance.headings]


def test_open_data_publishes_governance_heading_by_heading_and_uncontrolled_risk(published):
    registry, _ = published
    expected = pd.read_csv(BACKTEST / "expected_evaluation.csv", dtype=str, keep_default_na=False)
    expected = expected.set_index("partnership_id")

    columns = list(registry.columns)
    at = columns.index("governance_completeness")
    assert columns[at - len(HEADINGS) : at] == HEADINGS  # in the toolkit's order, then overall
    for column in [*HEADINGS, "governance_completeness", "governance_band"]:
        assert registry[column].tolist() == expected.loc[registry.index, column].tolist()
    assert registry["governance_missing"].tolist() == (
        expected.loc[registry.index, "governance_missing"].tolist()
    )
    assert registry["uncontrolled_risk"].tolist() == (
        expected.loc[registry.index, "uncontrolled_risk"].tolist()
    )
    assert registry["officers_disagree_count"].tolist() == (
        expected.loc[registry.index, "officers_disagree_count"].tolist()
    )
    assert "main_risks" not in columns


def test_open_registry_never_publishes_the_main_risks_officers_typed():
    evaluation = pd.DataFrame(
        {
            "partnership_id": ["PSH-0001"],
            "name": ["Alpha Board"],
            KIT.governance.column("exit"): [None],
            KIT.governance.column("risk"): [0.5],
            "governance_completeness": [0.5],
            "governance_missing": ["-no risk register"],
            "uncontrolled_risk": [True],
            "risk_controls_missing": ["@no risk register"],
            "officers_disagree_on": ["P1; P3"],
            "officers_disagree_count": [2],
            "main_risks": ["Jo Bloggs may leave"],
        }
    )

    published = open_registry(evaluation, PROTOCOL, KIT)

    assert list(published.columns) == [
        "partnership_id",
        "name",
        KIT.governance.column("risk"),
        KIT.governance.column("exit"),
        "governance_completeness",
        "governance_missing",
        "uncontrolled_risk",
        "risk_controls_missing",
        "officers_disagree_on",
        "officers_disagree_count",
    ]
    assert "Jo Bloggs" not in published.to_csv()
    assert published["governance_missing"].item() == "'-no risk register"
    assert published["risk_controls_missing"].item() == "'@no risk register"


def test_the_datapackage_describes_and_types_the_governance_and_disagreement_fields(published):
    _, package = published

    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}

    for key, heading in KIT.governance.headings.items():
        field = fields[KIT.governance.column(key)]
        assert field["type"] == "number"
        assert f"'{heading.name}'" in field["description"]
    assert fields["uncontrolled_risk"]["type"] == "boolean"
    assert (
        "High and any of its controls is missing (no risk register or no agreed exit"
        in (fields["uncontrolled_risk"]["description"])
    )
    assert fields["officers_disagree_count"]["type"] == "integer"
    assert fields["governance_items_asked"]["type"] == "integer"
    for name in ("governance_missing", "risk_controls_missing", "officers_disagree_on"):
        assert fields[name]["type"] == "string" and fields[name]["description"]


# Table Schema's default lexical forms (frictionless validates the CSV against them).
_LEXICAL = {
    "number": r"-?\d+(\.\d+)?([eE][-+]?\d+)?",
    "integer": r"-?\d+",
    "boolean": r"true|True|TRUE|1|false|False|FALSE|0",
    "date": r"\d{4}-\d{2}-\d{2}",
}


def test_every_published_cell_reads_as_its_declared_type(published):
    registry, package = published

    for field in package["resources"][0]["schema"]["fields"]:
        pattern = _LEXICAL.get(field["type"])
        if pattern is None:
            continue
        given = registry[field["name"]][registry[field["name"]] != ""]
        wrong = given[~given.str.fullmatch(pattern)]
        assert wrong.empty, (field["name"], wrong.tolist())
