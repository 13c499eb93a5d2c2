"""Open data: the published registry's columns, its schema, and cells a spreadsheet would
run as a formula published as text."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import paths, protocol, tables
from pipeline.report import open_data
from pipeline.report.open_data import neutralise, open_registry

PROTOCOL = protocol.load()

BACKTEST = Path(__file__).parent / "backtest"
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

    published = open_registry(evaluation, PROTOCOL)

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
