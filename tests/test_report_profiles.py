"""Partnership profiles (Appendices A and B, decision D32): who gets one, what each shows,
and that officer-typed text is escaped and blanks read as words.

The pure functions and the rendering of hand-made rows use the pinned toolkit (KIT,
tests/helpers.py); the last tests render every profile of the real sample
(``sample_stages``) and check them against its evaluation.csv.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import KIT
from test_report_sections import evaluation, partnership, report_data, text_of

from pipeline import protocol, settings, tables
from pipeline.report import figures, formats, profiles, sections
from pipeline.toolkit import governance

YEAR = 2025
SCRIPT = "<script>alert(1)</script>"
PROTOCOL = protocol.load()


def row(number: int, **values: Any) -> dict[str, Any]:
    """An evaluation row with every column a profile reads: a plain partnership."""
    return partnership(
        number,
        **{
            "returns": 2,
            "cash_missing": 0,
            "in_kind_missing": 0,
            "officer_hours": 0.0,
            "officer_hours_missing": 0,
            "statutory": False,
            "statutory_basis": None,
            "risk_register": "Yes",
            "exit_strategy": "Yes",
            "equality_score": 4.5,
            "officer_exit_share": 0.0,
            "action_rule": "default: no rule matched",
            "achievements": None,
            "vfm_type_median_cost": 1000.0,
            "vfm_measures": "Cost for its type: Good; Leverage: Poor",
            "governance_evidenced": 17,
            "governance_asked": 17,
            **values,
        },
    )


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return evaluation(*rows)


def ids_in(markup: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', markup)


# --- who gets a profile ---------------------------------------------------------------


def test_a_profiles_anchor_is_its_id_in_lower_case():
    assert profiles.profile_anchor("PSH-0104") == "profile-psh-0104"


def test_appendix_b_lists_attention_partnerships_by_action_in_the_toolkits_order_then_id():
    listed = frame(
        row(1, action="review"),
        row(2, action="exit"),
        row(3, action="continue"),
        row(4, action="review", key_partnership=True),
        row(5, action="exit"),
    )

    order = profiles.attention_listed(listed, KIT)["partnership_id"].tolist()
    own = profiles.attention_profiled(listed, KIT)["partnership_id"].tolist()

    assert order == ["PSH-0002", "PSH-0005", "PSH-0001", "PSH-0004"]
    assert own == ["PSH-0002", "PSH-0005", "PSH-0001"]  # the key one is profiled in A


def test_profiles_are_numbered_per_appendix_key_partnerships_by_cost():
    listed = frame(
        row(1, key_partnership=True, full_cost=10.0, action="review"),
        row(2, key_partnership=True, full_cost=50.0),
        row(3, action="exit", name="Third"),
    )

    found = profiles.profiled_rows(listed, KIT)

    assert found == [
        ("A", "profile-psh-0002", "A1. Partnership 2 (PSH-0002)"),
        ("A", "profile-psh-0001", "A2. Partnership 1 (PSH-0001)"),
        ("B", "profile-psh-0003", "B1. Third (PSH-0003)"),
    ]


# --- what a profile shows ---------------------------------------------------------------


def test_money_not_given_by_any_return_is_not_reported_and_part_blanks_are_counted():
    money = profiles.profile_money(
        pd.Series(
            row(
                1,
                returns=3,
                cash=500.0,
                cash_missing=1,
                in_kind=0.0,
                in_kind_missing=3,
                officer_hours=2.0,
                officer_time_cost=924.0,
                full_cost=1424.0,
                external_funding=None,
                leverage=None,
                cost_missing_returns=3,
            )
        ),
        KIT,
    )

    assert money.cash == profiles.Reported(500.0, 1)
    assert money.in_kind == profiles.Reported(None, 3)
    assert money.officer_time_cost == 924.0 and money.full_cost == 1424.0
    assert money.external_funding is None and money.leverage is None
    assert money.hourly_cost == KIT.officer_hourly_cost


def test_no_cost_figure_from_any_return_leaves_the_full_cost_not_reported():
    blank = {f"{key}_missing": 2 for key in ("cash", "in_kind", "officer_hours")}

    money = profiles.profile_money(pd.Series(row(1, **blank, full_cost=0.0)), KIT)

    assert money.full_cost is None and money.officer_time_cost is None


def test_key_criteria_are_each_criterion_with_whether_it_is_met():
    first, second = KIT.key_criteria[0].label, KIT.key_criteria[1].label

    criteria = profiles.key_criteria(pd.Series(row(1, key_criteria=f"{second}")), KIT)

    assert criteria[:2] == [(first, False), (second, True)]
    assert len(criteria) == len(KIT.key_criteria)


def test_governance_gaps_are_put_back_under_the_heading_whose_item_words_them():
    gov = KIT.governance
    column = {key: gov.column(key) for key in gov.headings}
    gaps = "no signed agreement; not reviewed since May 2020; no risk register"
    values = {column[key]: 1.0 for key in gov.headings} | {column["exit"]: None}

    shown = profiles.governance_headings(pd.Series(row(1, governance_missing=gaps, **values)), KIT)

    by_name = {heading.name: heading for heading in shown}
    assert by_name["Governance and accountability"].missing == ("no signed agreement",)
    assert by_name["Performance management"].missing == ("not reviewed since May 2020",)
    assert by_name["Risk"].missing == ("no risk register",)
    assert by_name["Exit"].completeness is None and by_name["Exit"].missing == ()
    assert [h.name for h in shown] == [h.name for h in gov.headings.values()]


def test_a_gap_no_heading_words_is_kept_under_other():
    shown = profiles.governance_headings(pd.Series(row(1, governance_missing="old words")), KIT)

    assert shown[-1] == profiles.HeadingGovernance("Other", None, ("old words",))


def test_risk_controls_are_missing_in_place_or_not_asked():
    gov = KIT.governance
    values = {gov.column("exit"): None, "risk_register": "No", "exit_strategy": None}

    controls = profiles.risk_controls(
        pd.Series(row(1, governance_missing="no risk register", **values)),
        KIT,
        PROTOCOL,
    )

    assert [(c.answer, c.gap, c.asked) for c in controls] == [
        ("No", "no risk register", True),
        (None, None, False),
    ]


def test_value_for_money_headings_carry_their_measures_bands():
    measures = "Cost for its type: Poor; Leverage: Good; Cost per priority: Adequate"

    shown = profiles.vfm_headings(pd.Series(row(1, vfm_measures=measures)))

    assert [h.heading for h in shown] == ["economy", "efficiency", "effectiveness", "equity"]
    assert shown[0].measures == (("Cost for its type", "Poor"),)
    assert shown[1].measures == (("Leverage", "Good"), ("Cost per priority", "Adequate"))
    assert shown[0].band == "Good"  # vfm_economy_band, not recomputed


@pytest.mark.parametrize(
    ("has_previous", "entries", "expected"),
    [
        (False, [], profiles.Change("no_earlier", None)),
        (True, [], profiles.Change("unchanged", None)),
        (True, [("PSH-0001", "new", None)], profiles.Change("new", None)),
        (
            True,
            [("PSH-0001", "changed", "risk: Low to High")],
            profiles.Change("changed", "risk: Low to High"),
        ),
    ],
)
def test_change_since_last_year(has_previous, entries, expected):
    changes = pd.DataFrame(entries, columns=["partnership_id", "change", "what_changed"])

    assert profiles.change_since_last_year(changes, "PSH-0001", has_previous) == expected


def test_achievements_are_each_officers_words_once_in_return_order():
    returns = pd.DataFrame(
        {"achievements": ["Cut  waiting times", None, " ", "cut waiting times", "A <b>hub</b>"]}
    )

    assert governance.officers_words(returns, "achievements") == "Cut waiting times | A <b>hub</b>"
    assert governance.officers_words(returns.iloc[1:3], "achievements") is None
    assert governance.officers_words(returns, "not_a_question") is None


def test_an_email_address_typed_in_free_text_is_not_published():
    returns = pd.DataFrame(
        {"main_risks": ["Ask jo.bloggs@northmoor.gov.example (ext 4)", "funding; <a@b.co.uk>"]}
    )

    words = governance.officers_words(returns, "main_risks")

    assert words == ("Ask [email address removed] (ext 4) | funding; <[email address removed]>")
    assert "@" not in words


# --- rendered ---------------------------------------------------------------------------


def test_officer_typed_markup_in_a_profile_is_shown_as_text():
    data = report_data(
        frame(
            row(
                1,
                name=SCRIPT,
                key_partnership=True,
                partners="<i>Partner</i>; Other Council",
                achievements="<b>Opened</b> a hub | <img src=x>",
                main_risks="<b>Funding</b>",
                statutory_basis="<u>Act</u>",
                action_reason="<em>why</em>",
            )
        )
    )

    markup = profiles.key_partnership_profiles(data).data

    for tag in ("<script", "<i>", "<b>", "<img src=x", "<u>", "<em>"):
        assert tag not in markup
    seen = text_of(markup)
    assert "<b>Opened</b> a hub" in seen and "<i>Partner</i>; Other Council" in seen
    assert "<b>Funding</b>" in seen and SCRIPT in seen


def test_blanks_in_a_profile_read_as_words():
    gov = KIT.governance
    blank = {f"{key}_missing": 2 for key in ("cash", "in_kind", "officer_hours")}
    data = report_data(
        frame(
            row(
                1,
                key_partnership=True,
                legal_form=None,
                external_funding=None,
                leverage=None,
                achievements=None,
                main_risks=None,
                **blank,
                **{gov.column("exit"): None},
            )
        )
    )

    seen = text_of(profiles.key_partnership_profiles(data).data)

    assert "Legal form Not answered" in seen
    assert "Cash not reported no return gave it" in seen
    assert "External funding not reported" in seen
    assert "Exit not asked the survey did not ask this heading's questions" in seen
    assert "No officer said what the partnership achieved this year." in seen
    assert "No officer named the main risks." in seen
    assert "There is no earlier year to compare with." in seen


def test_a_profile_has_one_h3_with_h4_parts_and_nothing_deeper():
    data = report_data(frame(row(1, key_partnership=True)))

    markup = profiles.key_partnership_profiles(data).data

    assert len(re.findall(r"<h3\b", markup)) == 1
    assert re.findall(r"<h([1-6])\b", markup)[1:] == ["4"] * len(re.findall(r"<h4\b", markup))
    assert '<section class="profile" id="profile-psh-0001"' in markup


def test_a_key_partnership_for_attention_is_linked_from_b_not_profiled_twice():
    data = report_data(
        frame(
            row(1, key_partnership=True, action="review", action_reason="High risk"),
            row(2, action="exit"),
        )
    )

    key = profiles.key_partnership_profiles(data).data
    attention = profiles.attention_profiles(data).data

    assert ids_in(key).count("profile-psh-0001") == 1
    assert "profile-psh-0001" not in ids_in(attention)
    assert 'href="#profile-psh-0001"' in attention and 'href="#profile-psh-0002"' in attention
    assert "profile A1 in Appendix A" in text_of(attention)
    assert "B1. Partnership 2 (PSH-0002)" in text_of(attention)


def test_the_principle_chart_has_alt_text_and_its_data_as_a_table():
    data = report_data(frame(row(1, P1_score=4.25, P1_band="Strength", P2_score=None)))

    markup = str(figures.partnership_principles(data, "PSH-0001").html())

    alt = html.unescape(re.search(r'alt="([^"]*)"', markup).group(1))
    assert alt.startswith("Dot chart of Partnership 1's scores on the two principles showing")
    assert "P1 Purpose 4.25 (Strength" in alt and "P2 Trust not enough answers" in alt
    cells = text_of(markup)
    assert "P1 Purpose 4.25" in cells and "not enough answers" in cells


# --- the real sample ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(sample_stages: Path) -> tuple[pd.DataFrame, str, str, sections.ReportData]:
    data = sections.load(YEAR, sample_stages, settings.load(sample_stages))
    key = profiles.key_partnership_profiles(data).data
    attention = profiles.attention_profiles(data).data
    return tables.read("evaluation", YEAR, sample_stages), key, attention, data


def test_every_key_and_attention_partnership_has_exactly_one_profile(sample):
    evaluated, key, attention, data = sample
    attention_ids = evaluated.loc[evaluated["action"].isin(["exit", "review"]), "partnership_id"]
    expected = set(evaluated.loc[evaluated["key_partnership"], "partnership_id"]) | set(
        attention_ids
    )

    sections_found = re.findall(r'<section class="profile" id="([^"]+)"', key + attention)

    assert Counter(sections_found) == Counter(profiles.profile_anchor(i) for i in expected)
    assert len(set(ids_in(key + attention))) == len(ids_in(key + attention))
    links = re.findall(r'href="#([^"]+)"', attention)
    assert sorted(links) == sorted(profiles.profile_anchor(i) for i in attention_ids)
    assert [anchor for _, anchor, _ in profiles.profiled(data)] == sections_found


def _profile_of(markup: str, partnership_id: str) -> str:
    anchor = profiles.profile_anchor(partnership_id)
    start = markup.index(f'<section class="profile" id="{anchor}"')
    return markup[start : markup.index("</section>", start)]


def test_a_profile_shows_the_partnerships_own_numbers(sample):
    evaluated, key, attention, _ = sample
    key_ones = evaluated[evaluated["key_partnership"] & evaluated["governance_missing"].notna()]
    chosen = key_ones.iloc[0]

    seen = text_of(_profile_of(key + attention, chosen["partnership_id"]))

    assert formats.money(chosen["full_cost"]) in seen
    for gap in str(chosen["governance_missing"]).split("; "):
        assert gap in seen
    for heading in ("economy", "efficiency", "effectiveness", "equity"):
        assert f"{heading.capitalize()} {chosen[f'vfm_{heading}_band']}" in seen
    assert f"Overall judgement: {chosen['vfm_judgement']}" in seen
    label = KIT.actions[chosen["action"]].label
    assert f"{label}" in seen and formats.rule_name(chosen["action_rule"]) in seen


def test_an_attention_profile_shows_its_recommendation_and_rule(sample):
    evaluated, _, attention, _ = sample
    listed = evaluated[evaluated["action"].isin(["exit", "review"]) & ~evaluated["key_partnership"]]
    chosen = listed.sort_values("partnership_id").iloc[0]

    seen = text_of(_profile_of(attention, chosen["partnership_id"]))

    rule = formats.rule_name(chosen["action_rule"])
    assert f"{chosen['action_reason']}. Rule that decided it: {rule} (the method" in seen
    assert formats.money(chosen["full_cost"]) in seen


def test_a_name_with_dollar_signs_is_drawn_as_typed_not_as_maths():
    name = "Fund $x^2$ and $$ partners {\\bf}"
    data = report_data(frame(row(1, name=name, P1_score=4.0, P1_band="Strength")))

    chart = figures.partnership_principles(data, "PSH-0001")

    assert chart.png().startswith(b"\x89PNG")  # drawn, not refused by the maths parser
    drawn = [t.get_text() for t in chart.figure.texts]
    assert any(name in text.replace("\n", " ") for text in drawn)
    assert all(not t.get_parse_math() for t in chart.figure.texts)
