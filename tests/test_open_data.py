"""Open data: cells a spreadsheet would run as a formula are published as text."""

import pandas as pd

from pipeline import protocol
from pipeline.report.open_data import neutralise, open_registry

PROTOCOL = protocol.load()


def test_neutralise_quotes_formula_like_text():
    assert [neutralise(v) for v in ["=SUM(A1)", "+44", "-", "@x", "Fine", 5]] == [
        "'=SUM(A1)",
        "'+44",
        "'-",
        "'@x",
        "Fine",
        5,
    ]


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
