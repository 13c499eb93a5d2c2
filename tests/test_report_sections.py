"""Report sections: what members read, rendered from tiny in-memory report data.

The toolkit is the pinned one of tests/helpers.py (KIT, from
tests/backtest/config/toolkit.yaml), so that tuning config/toolkit.yaml does not change
these tests.
"""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import KIT, with_action

from pipeline import council, protocol, toolkit, validate
from pipeline.report import figures, sections
from pipeline.toolkit import Action, KeyCriterion, explain

PROTOCOL = protocol.load()
COUNCIL = council.load()
SCRIPT = "<script>alert(1)</script>"


def partnership(number: int, **values: Any) -> dict[str, Any]:
    """One evaluation row: a plain partnership, with ``values`` changed."""
    row = {
        "partnership_id": f"PSH-{number:04d}",
        "name": f"Partnership {number}",
        "council_role": "Member",
        "partnership_type": "Shared service",
        "directorate": "Resources",
        "legal_form": "Unincorporated",
        "statutory_requirement": "No - discretionary",
        "statutory": False,
        "statutory_basis": None,
        "priorities": "Economic ambition",
        "cash": 1000.0,
        "in_kind": 0.0,
        "officer_time_cost": 0.0,
        "full_cost": 1000.0,
        "external_funding": 0.0,
        "cost_missing_returns": 0,
        "leverage": 0.0,
        "key_partnership": False,
        "key_criteria": None,
        "partners": "Eastvale District Council",
        "partnership_agreement": "Yes",
        "reporting_line": "Cabinet",  # lost from this row when the #15 branches merged
        "pooled_budget": "No",
        "accountable_body_funds": "No",
        "overall_score": 3.5,
        "overall_band": "Borderline",
        "P1_score": 3.5,
        "P1_band": "Borderline",
        "P2_score": 3.5,
        "P2_band": "Borderline",
        "P1_officer_spread": 0.0,
        "P2_officer_spread": 0.0,
        "officers_disagree_on": None,
        "officers_disagree_count": 0,
        **{KIT.governance.column(heading): 1.0 for heading in KIT.governance.headings},
        "governance_completeness": 1.0,
        "governance_band": "Strength",
        "governance_missing": None,
        "risk_level": "Low",
        "uncontrolled_risk": False,
        "risk_controls_missing": None,
        "main_risks": None,
        "equality_band": "Strength",
        "equality_impact_assessment": "Yes",
        "action": "continue",
        "action_reason": "No concerns found by the toolkit",
        "vfm_cost_ratio": 1.0,
        "vfm_cost_per_priority": 1000.0,
        "vfm_economy_band": "Good",
        "vfm_efficiency_band": "Adequate",
        "vfm_effectiveness_band": "Adequate",
        "vfm_equity_band": "Good",
        "vfm_judgement": "Adequate",
        "vfm_reason": "Neither good nor poor on the headings",
        "vfm_rule": "default: no rule matched",
    }
    row.update(values)
    return row


def evaluation(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows)).astype({"key_partnership": "boolean"})


FOUR = evaluation(
    partnership(1, cash=2000.0, full_cost=2000.0, key_partnership=True, cost_missing_returns=1),
    partnership(2, full_cost=1000.0, risk_level="High", action="review", overall_band="Concern"),
    partnership(3, full_cost=1000.0, cost_missing_returns=2),
    partnership(4, full_cost=1000.0, action="exit", overall_band="Concern"),
)
DQ_SUMMARY = {
    "closing_date": "2025-04-30",
    "rows_in": 12,
    "valid": 10,
    "quarantined": 2,
    "rows_with_warnings": 1,
    "values_changed_on_reading": 0,
    "quarantined_by_rule": [{"rule": "duplicate", "rows": 2}],
    "warnings_by_rule": [{"rule": "email_format", "column": "Q2", "rows": 1}],
}
COVERAGE = pd.DataFrame(
    {
        "directorate": ["Resources", "Public Health"],
        "senior_officers": [4, 2],
        "officers_responding": [3, 0],
        "coverage": [0.75, 0.0],
        "anonymous_returns": [1, 0],
    }
)


def report_data(frame: pd.DataFrame = FOUR, **changes: Any) -> sections.ReportData:
    """Report data held in memory: the evaluation given, a few returns' worth of the rest."""
    ids = PROTOCOL.ids
    data = sections.ReportData(
        year=2025,
        council_name="Testshire County Council",
        council=COUNCIL,
        protocol=PROTOCOL,
        toolkit=KIT,
        evaluation=frame,
        dq_summary=DQ_SUMMARY,
        coverage=COVERAGE,
        unsure_pairs=0,
        disagreements=pd.DataFrame(columns=["partnership_id", "question", "answers", "chosen"]),
        changes=pd.DataFrame(columns=["partnership_id", "name", "change", "what_changed"]),
        column_map=pd.DataFrame(
            {
                "source_file": "export.csv",
                "layout": "generic",
                "column": range(len(ids)),
                "header": ids,
                "question_id": ids,
                "method": "exact",
                "score": 100.0,
                "values": 4,
            }
        ),
        caveats=pd.DataFrame(columns=["question_id", "question", "returns"]),
        has_previous_year=False,
        inputs=pd.DataFrame(
            {"File": ["data/raw/2025/export.csv"], "Bytes": [10], "SHA-256": ["0"]}
        ),
        versions=pd.DataFrame({"Package": ["pandas"], "Version": ["3.0"]}),
        commit="abc123",
        root=Path("/nowhere"),
        data_docs_page=Path("/nowhere/outputs/2025/data_docs/index.html"),
    )
    return dataclasses.replace(data, **changes)


def text_of(markup: str) -> str:
    """What a reader sees: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


SECTIONS = [
    sections.title,
    sections.contents,
    sections.summary,
    sections.recommendations,
    sections.background,
    sections.implications,
    sections.background_papers,
    sections.landscape,
    sections.key_partnerships,
    sections.money_section,
    sections.money_held,
    sections.evaluation_section,
    sections.governance_section,
    sections.equality_section,
    sections.changes_section,
    sections.data_quality,
    sections.method,
    sections.appendix,
    sections.value_for_money_appendix,
    sections.governance_appendix,
]


def test_tables_escape_cells_and_headers():
    frame = pd.DataFrame({"<b>Name</b>": ["<script>alert(1)</script>"]})

    markup = sections.table(frame, "Caption & more")

    assert "<script>" not in markup and "<b>" not in markup
    assert "&lt;script&gt;" in markup and "Caption &amp; more" in markup


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.__name__)
def test_officer_typed_markup_is_shown_as_text_in_every_section(section):
    frame = evaluation(
        partnership(
            1,
            name=SCRIPT,
            key_partnership=True,
            risk_level="High",
            action="review",
            action_reason="<b>bold</b>",
            directorate="<i>Resources</i>",
            governance_missing="<img src=x>",
            partners="<i>Partner</i>",
            key_criteria="<b>criterion</b>",
            pooled_budget="Yes",
            accountable_body_funds="Yes",
            main_risks="<b>Funding</b>",
            uncontrolled_risk=True,
            risk_controls_missing="<i>no risk register</i>",
        ),
        partnership(2),
        partnership(3),
    )
    changes = pd.DataFrame(
        {"partnership_id": ["PSH-0001"], "name": [SCRIPT], "change": ["new"], "what_changed": [""]}
    )

    markup = section(report_data(frame, changes=changes, has_previous_year=True)).data

    assert "<script" not in markup and "<b>" not in markup and "<img" not in markup
    assert "<i>" not in markup


def test_a_partnership_name_with_markup_reads_as_its_text():
    frame = evaluation(partnership(1, name=SCRIPT, key_partnership=True), partnership(2))

    markup = sections.key_partnerships(report_data(frame)).data

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert SCRIPT in text_of(markup)


def test_summary_states_the_totals_and_counts_of_the_evaluation():
    summary = text_of(sections.summary(report_data()).data)

    assert "The council is in 4 partnerships" in summary
    # 2000 + 1000 + 1000 + 1000; returns with a blank money figure: 1 + 2
    assert "full annual cost to the council is at least £5,000 (3 returns left a figure blank)" in (
        summary
    )
    assert "1 is a key partnership" in summary
    assert "2 partnerships have an overall principles score of concern; 1 is rated high risk" in (
        summary
    )
    assert "Recommended actions: Exit 1, Review 1, Develop 0, Continue 2." in summary


def test_summary_counts_the_money_held_for_others_and_the_shared_services():
    summary = text_of(sections.summary(report_data(money_held_frame())).data)

    assert (
        "2 partnerships have a pooled budget, the council is the accountable body for the funds "
        "of 1, and 2 are shared services" in summary
    )


def test_a_new_action_appears_in_the_summary_the_tables_and_the_chart():
    kit = with_action(KIT, "pause", Action(label="Pause", colour="#3D3D3D"), before="develop")
    frame = evaluation(
        partnership(1, action="pause", key_partnership=True), partnership(2), partnership(3)
    )
    data = report_data(frame, toolkit=kit)

    summary = text_of(sections.summary(data).data)
    key = sections.key_partnerships(data).data
    appendix = sections.appendix(data).data
    alt = figures.recommended_actions(data).alt

    assert "Recommended actions: Exit 0, Review 0, Pause 1, Develop 0, Continue 2." in summary
    for table in (key, appendix):
        assert re.search(r"<td[^>]*>Pause</td>", table)
    assert (
        alt == "Bar chart of partnerships by recommended action showing most partnerships are "
        "recommended to continue: 2 of 3: Exit 0; Review 0; Pause 1; Develop 0; Continue 2."
    )


def test_an_attention_action_lists_its_partnerships_for_members():
    kit = with_action(
        KIT, "pause", Action(label="Pause", colour="#3D3D3D", attention=True), before="develop"
    )
    frame = evaluation(partnership(1, action="pause", action_reason="Waiting"), partnership(2))

    section = text_of(sections.evaluation_section(report_data(frame, toolkit=kit)).data)

    assert "Partnerships recommended for exit or review or pause" in section
    assert "PSH-0001 Partnership 1 Borderline Strength Low Pause Waiting" in section


def with_principles(**moved: str | None) -> protocol.Protocol:
    """The protocol with some agree5 statements (by key) moved to another principle, or to
    none."""
    questions = tuple(
        q.model_copy(update={"principle": moved[q.key]}) if q.key in moved else q
        for q in PROTOCOL.questions
    )
    return dataclasses.replace(PROTOCOL, questions=questions)


@pytest.mark.parametrize(
    ("moved", "wording"),
    [
        ({}, "with 2 statements per principle."),
        (
            {key: None for keys in PROTOCOL.principles.values() for key in keys[1:]},
            "with 1 statement per principle.",
        ),
        ({"need_agreed_purpose": "P2"}, "with between 1 and 3 statements per principle."),
    ],
    ids=["two-each", "one-each", "uneven"],
)
def test_evaluation_section_counts_the_statements_per_principle_from_the_protocol(moved, wording):
    data = report_data(protocol=with_principles(**moved))

    section = text_of(sections.evaluation_section(data).data)

    assert f"Scores are the mean of officers' agreement (1 to 5) {wording}" in section


def test_a_blank_answer_reads_as_not_answered():
    frame = evaluation(partnership(1, partnership_type=None), partnership(2), partnership(3))

    landscape = text_of(sections.landscape(report_data(frame)).data)

    assert "Shared service 2 Not answered 1" in landscape


def test_governance_section_counts_each_heading_and_names_what_is_missing():
    risk = KIT.governance.column("risk")
    frame = evaluation(
        partnership(
            1,
            **{risk: 0.5},
            governance_band="Concern",
            governance_completeness=0.4,
            governance_missing="no main risks named",
        ),
        partnership(2, **{risk: 0.0}),
        partnership(3),
    )

    section = text_of(sections.governance_section(report_data(frame)).data)

    assert "Risk 1 1 1 0 50%" in section  # every item, some, none, not asked; the mean
    assert "PSH-0001 Partnership 1 No 40% Concern no main risks named" in section
    assert "Not asked in this year" not in section  # the test's exports ask everything


def test_governance_section_lists_evidence_the_survey_did_not_ask():
    framework = PROTOCOL.by_key("performance_framework")
    column_map = report_data().column_map
    without = column_map[column_map["question_id"] != framework.id]
    management = KIT.governance.column("performance_management")
    frame = evaluation(partnership(1, **{management: None}), partnership(2, **{management: None}))

    section = text_of(sections.governance_section(report_data(frame, column_map=without)).data)

    assert f"Performance management: {framework.text}" in section
    assert "Performance management 0 0 0 2" in section


def test_uncontrolled_risks_are_counted_in_the_summary_and_listed_with_main_risks():
    frame = evaluation(
        partnership(
            1,
            risk_level="High",
            uncontrolled_risk=True,
            risk_controls_missing="no agreed exit strategy",
            main_risks="Funding | Data",
        ),
        partnership(2, risk_level="High", main_risks="Staff"),
        partnership(3, key_partnership=True, main_risks="Reputation"),
        partnership(4, main_risks="Not shown: low risk, not key"),
    )
    data = report_data(frame)

    summary = text_of(sections.summary(data).data)
    section = text_of(sections.governance_section(data).data)

    assert "1 partnership carries an uncontrolled risk" in summary
    assert "PSH-0001 Partnership 1 No High Strength no agreed exit strategy" in section
    assert "Funding | Data" in section and "Staff" in section and "Reputation" in section
    assert "Not shown" not in section


def test_changes_since_last_year_counts_each_kind():
    changes = pd.DataFrame(
        {
            "partnership_id": ["PSH-0001", "PSH-0009"],
            "name": ["Partnership 1", "Old partnership"],
            "change": ["new", "ended"],
            "what_changed": [None, None],
        }
    )

    markup = sections.changes_section(report_data(changes=changes, has_previous_year=True)).data

    assert "Since 2024: 1 new partnerships, 1 ended and 0 materially changed" in markup


def test_the_registrys_first_year_says_every_partnership_is_new():
    section = text_of(sections.changes_section(report_data()).data)

    assert "There is no registry for 2024" in section and "all 4 partnerships" in section


def test_data_quality_counts_partnerships_with_a_disagreement_and_answers_in_all():
    disagreements = pd.DataFrame(
        {
            "partnership_id": ["PSH-0001", "PSH-0001", "PSH-0002"],
            "question": ["risk_level", "cash", "risk_level"],
            "answers": ["Low | High", "1 | 2", "Low | Medium"],
            "chosen": ["High", "2", "Medium"],
        }
    )

    section = text_of(sections.data_quality(report_data(disagreements=disagreements)).data)

    assert "In 2 partnerships, officers reporting the same partnership" in section
    assert "3 differing answers in all" in section
    assert "3 questions" not in section


@pytest.mark.parametrize(
    ("pairs", "said"),
    [
        (0, "No pair of partnerships awaits the analyst's decision."),
        (1, "1 pair of partnerships awaits the analyst's decision"),
        (7, "7 pairs of partnerships await the analyst's decision"),
    ],
)
def test_data_quality_says_how_many_name_pairs_await_a_decision(pairs, said):
    section = text_of(sections.data_quality(report_data(unsure_pairs=pairs)).data)

    assert said in section


def test_data_quality_names_the_rules_and_shows_coverage_as_whole_percentages():
    section = text_of(sections.data_quality(report_data()).data)

    assert "12 returns were received: 10 accepted and 2 quarantined" in section
    assert f"{PROTOCOL.rules['duplicate'].description} 2" in section
    assert f"{PROTOCOL.rules['email_format'].description} Q2 1" in section
    assert "Resources 4 3 75% 1" in section and "Public Health 2 0 0% 0" in section


def test_data_quality_lists_an_unheaded_column_and_the_values_changed_on_reading():
    column_map = report_data().column_map
    unheaded = {
        "source_file": "export.csv",
        "layout": "generic",
        "column": len(column_map) + 1,
        "header": "(no header)",
        "question_id": None,
        "method": "unmapped",
        "score": 0.0,
        "values": 7,
    }
    data = report_data(
        column_map=pd.concat([column_map, pd.DataFrame([unheaded])], ignore_index=True),
        dq_summary={**DQ_SUMMARY, "values_changed_on_reading": 3},
    )

    section = text_of(sections.data_quality(data).data)

    assert f"export.csv {len(column_map) + 1} (no header) 7" in section
    assert "3 values were changed while the exports were read" in section


def test_data_quality_says_nothing_of_changed_values_when_none_were():
    section = text_of(sections.data_quality(report_data()).data)

    assert "changed while the exports were read" not in section


def test_method_section_shows_the_key_criteria_with_their_settings():
    kit = dataclasses.replace(
        KIT,
        key_min_criteria=1,
        key_criteria=(
            KeyCriterion("cost", "Full cost of at least £5,000 a year", {"min_full_cost": 5000}),
            KeyCriterion("statutory", "Required by law", {}),
        ),
    )

    section = text_of(sections.method(report_data(toolkit=kit)).data)

    assert "A partnership is key when it meets at least 1 of the 2 criteria below" in section
    statutory = PROTOCOL.question(PROTOCOL.statutory_condition_question)
    assert (
        "Criterion Met when Setting in force cost Full cost of at least £5,000 a year "
        f"min_full_cost: 5,000 statutory Required by law none in toolkit.yaml: {statutory.id}"
        in section
    )
    # the statutory criterion's setting is the protocol's answers it counts
    counted = [o for o in statutory.options if o.startswith(PROTOCOL.statutory_condition_prefix)]
    assert len(counted) >= 1
    assert f"answered {' or '.join(counted)} (protocol.yaml)" in section
    assert "council_name Testshire County Council" in section


def test_method_section_prints_the_generated_method_under_its_own_headings():
    kit = dataclasses.replace(KIT, officer_hourly_cost=41.25)

    markup = sections.method(report_data(toolkit=kit)).data

    titles = re.findall(r"<h3>(.*?)</h3>", markup)
    assert titles == [part.title for part in explain.explain(kit, PROTOCOL)] + [
        "Run parameters, inputs and software"
    ]
    assert "<h2" not in markup and "<h4" not in markup  # under the notebook's h2
    assert markup.count("<caption") == markup.count("<table")
    assert "x 12 x £41.25 an hour" in text_of(markup)


def test_method_section_escapes_the_toolkits_words():
    kit = dataclasses.replace(KIT, default_reason="No <b>concerns</b> & none")

    markup = sections.method(report_data(toolkit=kit)).data

    assert "No &lt;b&gt;concerns&lt;/b&gt; &amp; none" in markup
    assert "<b>concerns" not in markup


def test_key_partnership_table_shows_the_criteria_each_met_and_counts_each_criterion():
    kit = dataclasses.replace(
        KIT,
        key_min_criteria=2,
        key_criteria=(
            KeyCriterion("statutory", "Required by law", {}),
            KeyCriterion("risk", "High risk", {"levels": ("High",)}),
            KeyCriterion("role", "Council leads", {"roles": ("Lead partner",)}),
        ),
    )
    frame = evaluation(
        partnership(1, key_partnership=True, key_criteria="Required by law; High risk"),
        partnership(2, key_criteria="High risk"),
        partnership(3),
    )

    section = text_of(sections.key_partnerships(report_data(frame, toolkit=kit)).data)

    assert "PSH-0001 Partnership 1 Required by law; High risk Member" in section
    # criterion, partnerships meeting it, of which key
    assert "Required by law 1 1 High risk 2 1 Council leads 0 0" in section
    assert "at least 50% of the partnership's officers who answered name it" in section


def money_held_frame() -> pd.DataFrame:
    return evaluation(
        partnership(1, pooled_budget="Yes", accountable_body_funds="Yes", full_cost=500.0),
        partnership(2, pooled_budget="Yes", full_cost=9000.0, partnership_type="Other"),
        partnership(3, accountable_body_funds="Don't know", partners=None, reporting_line=None),
        partnership(4, partnership_type="Strategic partnership"),
    )


def test_money_held_counts_and_lists_pooled_budgets_and_accountable_body_funds():
    section = text_of(sections.money_held(report_data(money_held_frame())).data)

    assert "2 partnerships have a pooled budget" in section
    assert "accountable body for the funds of 1 (1 are both)" in section
    # answer, pooled budget, council is the accountable body
    assert "Yes 2 1 No 2 2 Don't know 0 1" in section
    # highest full cost first
    assert "Partnerships with a pooled budget ID Partnership" in section
    assert "PSH-0002 Partnership 2 Member £1,000 £9,000" in section
    assert section.index("PSH-0002 Partnership 2") < section.index("PSH-0001 Partnership 1")


def test_money_held_says_so_when_no_partnership_holds_money():
    frame = evaluation(partnership(1), partnership(2))

    section = text_of(sections.money_held(report_data(frame)).data)

    assert "No partnership reports a pooled budget." in section
    assert "The council is the accountable body for no partnership's funds." in section


def test_shared_services_are_their_own_group_with_partners_governance_and_cost():
    section = text_of(sections.money_held(report_data(money_held_frame())).data)

    assert "2 partnerships are shared services (type Shared service)" in section
    assert "full annual cost to the council of £1,500" in section
    assert (
        "PSH-0003 Partnership 3 Not answered Member Unincorporated Not answered Yes £1,000"
        in section
    )
    assert (
        "PSH-0001 Partnership 1 Eastvale District Council Member Unincorporated Cabinet Yes £500"
        in section
    )
    assert "PSH-0002" not in section.split("Shared services: partners")[1]


def test_method_section_states_the_counting_rule_with_the_share_in_force():
    kit = dataclasses.replace(KIT, named_share=0.6)

    section = text_of(sections.method(report_data(toolkit=kit)).data)

    assert "A Council Plan priority counts for a partnership when at least 60% of its" in section
    assert "or its lead officers' returns do by the same share" in section
    assert "Lead officers are those whose council role is Lead partner or Accountable" in section


def test_title_names_the_council_and_the_year():
    title = sections.title(report_data()).data

    assert title.startswith('<p class="council-name">Testshire County Council</p>\n<h1 id="top">')
    assert "<h1" not in title.split("<h1", 1)[1]  # the report's one h1
    assert "Annual Report on Key Partnerships 2025</h1>" in title


# --- the tables 02_validate writes for the report ----------------------------------------


def test_response_coverage_counts_officers_once_and_anonymous_returns_apart():
    valid = pd.DataFrame(
        {
            "Q4": ["Resources", "Resources", "Resources", "Public Health"],
            "Q2": ["a@x.example", "A@x.example ", None, None],
            "Q1": ["Ann", "Ann", None, "Bo"],
        }
    )

    coverage = validate.response_coverage(valid, COUNCIL, PROTOCOL)
    shown = text_of(sections.data_quality(report_data(coverage=coverage)).data)

    counted = coverage.set_index("directorate")
    assert counted.loc["Resources", "officers_responding"] == 1
    assert counted.loc["Resources", "anonymous_returns"] == 1
    assert counted.loc["Public Health", "officers_responding"] == 1
    assert counted.loc["Children and Families", "coverage"] == 0
    assert f"Children and Families {COUNCIL.directorates['Children and Families']} 0 0% 0" in shown


def test_evaluation_section_lists_where_officers_disagree_beside_the_mean():
    frame = evaluation(
        partnership(1, P2_score=3.25, P2_officer_spread=2.5, officers_disagree_on="P2"),
        partnership(2, name=SCRIPT),
        partnership(3, P1_officer_spread=2.0, officers_disagree_on="P1; P2", P2_officer_spread=2),
    )

    markup = sections.evaluation_section(report_data(frame)).data
    section = text_of(markup)

    assert "their own mean answers to its statements are 2 or more points apart" in section
    assert "P1 Purpose 3.50 1 0 3 0 0" in section  # mean, officers disagree, then the bands
    assert "P2 Trust 3.42 2 0 3 0 0" in section  # (3.25 + 3.5 + 3.5) / 3
    assert (
        "PSH-0001 Partnership 1 P2 Trust 3.25 2.50 PSH-0003 Partnership 3 P1 Purpose 3.50 2.00 "
        "PSH-0003 Partnership 3 P2 Trust 3.50 2.00"
    ) in section
    assert SCRIPT not in markup


def test_evaluation_section_says_when_officers_never_disagree():
    section = text_of(sections.evaluation_section(report_data()).data)

    assert "Officers did not disagree about any principle of any partnership." in section


def test_summary_counts_the_partnerships_whose_officers_disagree():
    frame = evaluation(
        partnership(1, officers_disagree_on="P1", officers_disagree_count=1),
        partnership(2),
        partnership(3, officers_disagree_on="P1; P2", officers_disagree_count=2),
    )

    summary = text_of(sections.summary(report_data(frame)).data)

    assert (
        "Officers disagree about at least one principle (their answers 2 or more points apart) "
        "in 2 partnerships."
    ) in summary


@pytest.mark.parametrize(
    ("minimum", "wording"),
    [
        (1, "needs only 1 answer to be scored, so a partnership reported in one return has a"),
        (2, "needs only 2 answers to be scored."),
    ],
)
def test_equality_section_states_the_measures_own_minimum_answers(minimum, wording):
    kit = dataclasses.replace(KIT, equality_min_answers=minimum)

    section = text_of(sections.equality_section(report_data(toolkit=kit)).data)

    assert wording in section
    assert PROTOCOL.by_key("equality_considered").text in section
    assert "Bands: Strength from 4, Borderline from 3, Concern from 1." in section


def test_bands_are_coloured_by_what_they_mean_whatever_their_label():
    bands = (
        toolkit.Band(start=1, label="Early stage", means="concern"),
        toolkit.Band(start=3.0, label="Developing", means="borderline"),
        toolkit.Band(start=4.0, label="Well developed", means="strength"),
    )
    kit = dataclasses.replace(
        KIT, instrument=KIT.instrument.model_copy(update={"overall_bands": bands})
    )
    frame = evaluation(partnership(1, overall_band="Early stage", action="review"))

    markup = sections.evaluation_section(report_data(frame, toolkit=kit)).data

    assert re.search(r'<td[^>]*class="[^"]*rag rag-concern[^"]*"[^>]*>Early stage</td>', markup)
    assert re.search(r'<td[^>]*class="[^"]*rag rag-strength[^"]*"[^>]*>Strength</td>', markup)


def test_summary_counts_every_value_for_money_judgement():
    frame = evaluation(
        partnership(1, vfm_judgement="Poor"),
        partnership(2, vfm_judgement="Not enough evidence"),
        partnership(3, vfm_judgement="Poor"),
    )

    summary = text_of(sections.summary(report_data(frame)).data)

    assert "Value for money: Good 0, Adequate 0, Poor 2, Not enough evidence 1." in summary


def test_money_section_counts_judgements_and_shows_key_partnerships_heading_by_heading():
    frame = evaluation(
        partnership(
            1,
            key_partnership=True,
            vfm_economy_band="Poor",
            vfm_effectiveness_band="Poor",
            vfm_judgement="Poor",
            vfm_reason="Poor effectiveness",
            vfm_rule="rule 4: effectiveness eq Poor",
        ),
        partnership(2, name="Not key", vfm_judgement="Not enough evidence"),
    )

    money = text_of(sections.money_section(report_data(frame)).data)

    assert "Value for money Partnerships Good 0 Adequate 0 Poor 1 Not enough evidence 1" in money
    # per heading: Good, Adequate, Poor, Not enough evidence
    assert "Economy 1 0 1 0 Efficiency 0 2 0 0 Effectiveness 0 1 1 0 Equity 2 0 0 0" in money
    assert "PSH-0001 Partnership 1 Poor Adequate Poor Good Poor Poor effectiveness rule 4" in money
    assert "Not key" not in money.split("Value for money of the key partnerships")[1]
    assert "at least 5 of the type have a known cost" in money  # the pinned min_same_type


def test_value_for_money_appendix_lists_every_partnership_best_judgement_first():
    frame = evaluation(
        partnership(1, vfm_judgement="Not enough evidence", vfm_cost_ratio=None),
        partnership(2, vfm_judgement="Poor", vfm_cost_ratio=2.5),
        partnership(3, vfm_judgement="Good"),
    )

    appendix = text_of(sections.value_for_money_appendix(report_data(frame)).data)

    assert appendix.index("PSH-0003") < appendix.index("PSH-0002") < appendix.index("PSH-0001")
    assert "PSH-0002 Partnership 2 2.50 £1,000" in appendix
    assert "PSH-0001 Partnership 1 n/a" in appendix


def test_governance_appendix_lists_every_partnership_heading_by_heading_by_id():
    exit_column = KIT.governance.column("exit")
    frame = evaluation(
        partnership(
            2,
            **{exit_column: None, KIT.governance.column("finance"): 0.5},
            governance_completeness=0.4,
            governance_band="Concern",
            governance_missing="no signed agreement; no risk register",
            risk_level="High",
            uncontrolled_risk=True,
            risk_controls_missing="no risk register",
        ),
        partnership(1),
        partnership(3, **{exit_column: 0.0}, governance_missing="no agreed exit strategy"),
    )

    appendix = text_of(sections.governance_appendix(report_data(frame)).data)

    # the seven pinned headings (exit last), overall, band, uncontrolled risk
    assert "PSH-0001 Partnership 1 100% 100% 100% 100% 100% 100% 100% 100% Strength No" in appendix
    assert (
        "PSH-0002 Partnership 2 100% 100% 100% 100% 50% 100% not asked 40% Concern Yes" in appendix
    )
    assert "PSH-0003 Partnership 3 100% 100% 100% 100% 100% 100% 0% 100% Strength No" in appendix
    assert appendix.index("PSH-0001") < appendix.index("PSH-0002") < appendix.index("PSH-0003")
    missing = appendix.split("What each partnership is missing")[1]
    assert "PSH-0002 Partnership 2 no signed agreement; no risk register" in missing
    assert "PSH-0003 Partnership 3 no agreed exit strategy" in missing
    assert "PSH-0001" not in missing


def test_governance_appendix_headers_are_abbreviated_with_a_key_and_rows_have_headers():
    frame = evaluation(partnership(1, governance_band="Concern"))

    markup = sections.governance_appendix(report_data(frame)).data

    assert "<caption>Governance heading by heading" in markup
    for heading in KIT.governance.headings.values():
        if heading.short:
            shown = f'<abbr title="{heading.name}">{heading.short}</abbr>'
            assert f'<th scope="col" class="num">{shown}</th>' in markup  # percentages
            assert f"{shown} {heading.name}" in markup  # the key above the table
        else:
            assert f'<th scope="col" class="num">{heading.name}</th>' in markup
    assert markup.count('<th scope="col"') == 2 + len(KIT.governance.headings) + 3
    assert markup.count('<th scope="col" class="num">') == len(KIT.governance.headings) + 1
    assert '<th scope="row">PSH-0001</th>' in markup
    assert '<td class="rag rag-concern">Concern</td>' in markup  # the word, not colour alone


def test_governance_appendix_says_so_when_nothing_is_missing():
    appendix = text_of(sections.governance_appendix(report_data(evaluation(partnership(1)))).data)

    assert "No partnership is missing any governance evidence" in appendix
    assert "What each partnership is missing" not in appendix


def _band_lines(figure) -> list[tuple[float, str, str]]:
    """The chart's vertical band lines: where each starts, its line style and its label."""
    axes = figure.axes[0]
    return [(line.get_xdata()[0], line.get_linestyle(), line.get_label()) for line in axes.lines]


def test_principle_chart_spans_the_pinned_scale_with_a_line_where_each_band_starts():
    figure = figures.principle_chart(FOUR, KIT, PROTOCOL)

    assert figure.axes[0].get_xlim() == (1.0, 5.0)
    assert _band_lines(figure) == [(3.0, "--", "Borderline from 3"), (4.0, ":", "Strength from 4")]
    assert "1 = strongly disagree, 5 = strongly agree" in figure.axes[0].get_xlabel()


def test_principle_chart_alt_text_states_the_scale_and_the_band_lines():
    alt = figures.principle_scores(report_data()).alt
    assert "on a scale of 1 to 5" in alt
    assert "Borderline from 3, Strength from 4;" in alt
    assert "P1 Purpose 3.50; P2 Trust 3.50." in alt
