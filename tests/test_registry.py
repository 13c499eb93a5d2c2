"""Registry: officers' names for one partnership matched into one row with a stable ID."""

import pandas as pd
import pytest

from pipeline import ingest, protocol, registry, toolkit

PROTOCOL = protocol.load()
TOOLKIT = toolkit.load()


def _returns(rows):
    """Returns-shaped rows: every protocol column, blank unless given."""
    frame = pd.DataFrame([{q: None for q in PROTOCOL.ids} | row for row in rows])
    return frame.astype(object).where(frame.notna(), None)


def test_normalise_name_ignores_case_punctuation_ampersand_and_council_name():
    words, synonyms = TOOLKIT.ignore_words, TOOLKIT.synonyms

    assert registry.normalise_name("The Northmoor Homes Limited ", words, synonyms) == (
        registry.normalise_name("northmoor homes ltd", words, synonyms)
    )
    assert registry.normalise_name("Health & Wellbeing Board", words) == (
        "health and wellbeing board"
    )


def test_match_names_recovers_the_sample_partnerships(generated, sample_returns):
    returns = ingest.ingest_exports(generated.exports, PROTOCOL, generated.year).returns
    truth = {r.response_id: r.true_partnership for r in sample_returns}

    matching = registry.match_names(returns, TOOLKIT, registry.load_aliases())
    assigned = registry.assign_partnerships(returns, matching)

    pairs = assigned.assign(truth=assigned["response_id"].astype(int).map(truth))
    assert pairs.groupby("partnership_id")["truth"].nunique().max() == 1  # nothing merged wrongly
    assert pairs.groupby("truth")["partnership_id"].nunique().max() == 1  # nothing split
    assert assigned["partnership_id"].nunique() == len(set(truth.values()))


def test_match_names_lists_close_names_for_the_analyst_and_keeps_them_apart():
    returns = _returns([{"Q6": "Northmoor Homes Ltd"}, {"Q6": "Northmoor Hmoes Ltd"}] * 1)

    matching = registry.match_names(returns, TOOLKIT, aliases={})

    assert matching.names["partnership_id"].nunique() == 2
    assert len(matching.unsure_pairs) == 1


def test_match_names_uses_the_analysts_alias():
    returns = _returns([{"Q6": "LRF"}, {"Q6": "Northmoor Local Resilience Forum"}])

    matching = registry.match_names(
        returns, TOOLKIT, aliases={"LRF": "Northmoor Local Resilience Forum"}
    )

    assert matching.names["partnership_id"].nunique() == 1
    assert set(matching.names["method"]) == {"alias", "exact"}


def test_ids_are_carried_from_last_years_registry_and_new_ones_numbered_after():
    previous = pd.DataFrame(
        {
            "partnership_id": ["PSH-0007", "PSH-0012"],
            "name": ["Northmoor Housing Partnership", "Old Forum"],
        }
    )
    returns = _returns([{"Q6": "Northmoor Housing Partnership"}, {"Q6": "Brand New Board"}])

    names = registry.match_names(returns, TOOLKIT, {}, previous).names.set_index("typed_name")

    assert names.loc["Northmoor Housing Partnership", "partnership_id"] == "PSH-0007"
    assert names.loc["Brand New Board", "partnership_id"] == "PSH-0013"


def test_ids_do_not_depend_on_row_order():
    rows = [{"Q6": "Alpha Board"}, {"Q6": "Beta Forum"}, {"Q6": "alpha board"}]

    forward = registry.match_names(_returns(rows), TOOLKIT, {}).names
    backward = registry.match_names(_returns(rows[::-1]), TOOLKIT, {}).names

    pd.testing.assert_frame_equal(forward, backward)


@pytest.fixture
def two_officers():
    rows = [
        {
            "Q6": "Northmoor LRF",
            "Q4": "Resources",
            "Q5": "Emergency Planning",
            "Q12": "Member",
            "Q13": "Yes",
            "Q20": 1000.0,
            "Q21": None,
            "Q22": 2.0,
            "Q23": 100.0,
            "Q43": "Low",
            "Q26": "Better lives for all",
        },
        {
            "Q6": "Northmoor LRF",
            "Q4": "Public Health",
            "Q5": "Health Protection",
            "Q12": "Lead partner",
            "Q13": "No",
            "Q20": 500.0,
            "Q21": 50.0,
            "Q22": 3.0,
            "Q23": 300.0,
            "Q43": "High",
            "Q26": "Stronger communities",
        },
    ]
    returns = _returns(rows)
    matching = registry.match_names(returns, TOOLKIT, {})
    return registry.assign_partnerships(returns, matching)


def test_consolidate_sums_contributions_and_takes_median_external_funding(two_officers):
    register, _ = registry.consolidate_returns(two_officers, PROTOCOL, TOOLKIT)

    row = register.iloc[0]
    assert (row["cash"], row["in_kind"], row["officer_hours"]) == (1500.0, 50.0, 5.0)
    assert row["in_kind_missing"] == 1
    assert row["cost_missing_returns"] == 1
    assert row["external_funding"] == 200.0


def test_consolidate_ties_go_to_the_cautious_side_and_risk_to_the_highest(two_officers):
    register, disagreements = registry.consolidate_returns(two_officers, PROTOCOL, TOOLKIT)

    row = register.iloc[0]
    assert row["Q13"] == "No"
    assert row["Q43"] == "High"
    assert row["directorate"] == "Public Health"  # the lead partner's officer
    assert row["Q26"] == "Better lives for all; Stronger communities"
    assert {"Q13", "Q43"} <= set(disagreements["question_id"])


def test_consolidate_flags_two_returns_from_one_service(two_officers):
    same_service = two_officers.assign(Q4="Resources", Q5="Emergency Planning")

    register, _ = registry.consolidate_returns(same_service, PROTOCOL, TOOLKIT)

    assert register.iloc[0]["possible_double_count"] == "Resources / emergency planning"


def _evaluated(rows):
    columns = ["partnership_id", "name", "full_cost", "action", "overall_band", "Q43"]
    return pd.DataFrame(rows, columns=columns)


def test_changes_since_lists_new_ended_and_material_changes_only():
    before = _evaluated(
        [
            ("PSH-0001", "Alpha", 1000.0, "continue", "Strength", "Low"),
            ("PSH-0002", "Beta", 1000.0, "continue", "Strength", "Low"),
            ("PSH-0003", "Gamma", 1000.0, "continue", "Strength", "Low"),
            ("PSH-0004", "Delta", 1000.0, "continue", "Strength", "Low"),
        ]
    )
    now = _evaluated(
        [
            ("PSH-0001", "Alpha", 1100.0, "continue", "Strength", "Low"),  # +10%: not material
            ("PSH-0002", "Beta", 1300.0, "continue", "Strength", "Low"),  # +30%: material
            ("PSH-0003", "Gamma", 1000.0, "review", "Concern", "High"),
            ("PSH-0005", "Epsilon", 50.0, "develop", "Borderline", "Medium"),
        ]
    )

    changes = registry.changes_since(before, now, TOOLKIT).set_index("partnership_id")

    assert changes["change"].to_dict() == {
        "PSH-0005": "new",
        "PSH-0004": "ended",
        "PSH-0002": "changed",
        "PSH-0003": "changed",
    }
    assert changes.loc["PSH-0002", "what_changed"] == "full cost: £1,000 to £1,300"
    assert changes.loc["PSH-0003", "what_changed"] == (
        "recommended action: continue to review; principles band: Strength to Concern; "
        "risk: Low to High"
    )


def test_changes_since_is_empty_in_the_first_year():
    assert registry.changes_since(None, _evaluated([]), TOOLKIT).empty
