"""Strict config: a typo in any YAML file is one line naming file, key path and line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from pipeline import config, paths, settings
from pipeline.errors import PipelineError


def _config_with(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the repository's config/ with one edit in one file."""
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    target = paths.config_dir(tmp_path) / file
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def _line_of(root: Path, file: str, text: str) -> int:
    lines = (paths.config_dir(root) / file).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


CASES = [
    # (file, text in the file, typo, key path in the message, words in the message, line text)
    (
        "toolkit.yaml",
        "{field: overall_band, op: eq, value: Concern}",
        "{field: overal_band, op: eq, value: Concern}",
        "recommendation.rules[0].when[0].field",
        "overal_band",
        "overal_band",
    ),
    (
        "toolkit.yaml",
        "min_full_cost: 100000}",
        "min_ful_cost: 100000}",
        "key_partnerships.criteria.cost.min_ful_cost",
        "unknown key",
        "min_ful_cost",
    ),
    (
        "toolkit.yaml",
        "officer_hourly_cost: 38.50",
        "officer_hourly_cost: ninety",
        "finance.officer_hourly_cost",
        "'ninety'",
        "officer_hourly_cost",
    ),
    (
        "toolkit.yaml",
        "op: ge, value: 0.5",
        "op: gte, value: 0.5",
        "recommendation.rules[0].when[2].op",
        "'gte'",
        "op: gte",
    ),
    (
        "toolkit.yaml",
        "    cost: {label:",
        "    costs: {label:",
        "key_partnerships.criteria.costs",
        "unknown key",
        "costs:",
    ),
    (
        "toolkit.yaml",
        "{field: overall_band, op: eq, value: Borderline}",
        "{field: overall_band, op: eq, value: Borderlin}",
        "recommendation.rules[4].when[0].value",
        "never 'Borderlin'",
        "Borderlin}",
    ),
    (
        "toolkit.yaml",
        "- action: develop\n      reason: Borderline",
        "- action: devlop\n      reason: Borderline",
        "recommendation.rules[4].action",
        "'devlop' is not listed under actions",
        "action: devlop",
    ),
    (
        "toolkit.yaml",
        "{question: partnership_agreement,",
        "{question: partnership_agreemnt,",
        "governance.headings.governance_and_accountability.items[1].question",
        "'partnership_agreemnt' is no question's key",
        "partnership_agreemnt",
    ),
    (
        "toolkit.yaml",
        "answers: [Yes - measured],",
        "answers: [Yes - measurd],",
        "governance.headings.added_value.items[1].answers[0]",
        "'Yes - measurd' is not an option of outcome_evidence",
        "Yes - measurd",
    ),
    (
        "toolkit.yaml",
        'kind: answer_in, answers: ["Yes"],\n           missing: no risk register',
        'kind: answer_in, answers: ["Yes", "Don\'t know"],\n           missing: no risk register',
        "governance.headings.risk.items[0].answers[1]",
        "means no answer, so it is never evidence",
        "Don't know\"]",
    ),
    (
        "toolkit.yaml",
        "{question: main_risks, kind: answered",
        "{question: risk_level, kind: answered",
        "governance.headings.risk.items[1].kind",
        "answered reads a text question, but 'risk_level' is single",
        "question: risk_level, kind: answered",
    ),
    (
        "toolkit.yaml",
        "kind: answer_in, answers: [Yes - measured]",
        "kind: answer_inn, answers: [Yes - measured]",
        "governance.headings.added_value.items[1].kind",
        "'answer_inn'",
        "answer_inn",
    ),
    (
        "toolkit.yaml",
        "{question: need_agreed_purpose, kind: agree_at_least, score: 4,",
        "{question: need_agreed_purpose, kind: agree_at_least, score: 6,",
        "governance.headings.rationale_and_purpose.items[0].score",
        "6 is off the agree5 scale (1-5)",
        "score: 6",
    ),
    (
        "toolkit.yaml",
        "{question: need_agreed_purpose, kind: agree_at_least, score: 4,",
        "{question: need_agreed_purpose, kind: agree_at_least, score: 4, months: 3,",
        "governance.headings.rationale_and_purpose.items[0]",
        "'months' is not a setting of kind agree_at_least",
        "months: 3",
    ),
    (
        "toolkit.yaml",
        "{question: last_reviewed, kind: within_months, months: 24,",
        "{question: last_reviewed, kind: within_months,",
        "governance.headings.performance_management.items[2]",
        "kind within_months needs 'months'",
        "question: last_reviewed",
    ),
    (
        "toolkit.yaml",
        '"not reviewed since {date}"',
        '"not reviewed since {when}"',
        "governance.headings.performance_management.items[2]",
        "stale may name only {date}",
        "question: last_reviewed",
    ),
    (
        "toolkit.yaml",
        "missing: no agreed terms of reference,\n"
        "           unanswered: no answer on terms of reference}",
        "missing: no agreed terms of reference}",
        "governance.headings.governance_and_accountability.items[0].unanswered",
        "missing key",
        "question: terms_of_reference",
    ),
    (
        "toolkit.yaml",
        'stale: "not reviewed since {date}", unanswered: no review date given}',
        'stale: "not reviewed since {date}", unanswered: no review date given,\n'
        "           missing: never reviewed}",
        "governance.headings.performance_management.items[2]",
        "'missing' is not a setting of kind within_months",
        "question: last_reviewed",
    ),
    (
        "toolkit.yaml",
        "unanswered: no answer on a signed agreement}",
        'unanswered: "no answer on {question}"}',
        "governance.headings.governance_and_accountability.items[1]",
        "unanswered is plain words",
        "question: partnership_agreement",
    ),
    (
        "toolkit.yaml",
        "  concern_below: 0.5\n  headings:",
        "  concern_below: 0.5\n  headngs:",
        "governance.headngs",
        "unknown key",
        "headngs",
    ),
    (
        "toolkit.yaml",
        "controls: [risk_register, exit_strategy]",
        "controls: [risk_register, exit_plan]",
        "risk.uncontrolled.controls[1]",
        "'exit_plan' is no governance evidence item's question",
        "controls: [risk_register, exit_plan]",
    ),
    (
        "toolkit.yaml",
        "    levels: [High]\n    controls:",
        "    levels: [Severe]\n    controls:",
        "risk.uncontrolled.levels[0]",
        "'Severe' is not a risk level",
        "levels: [Severe]",
    ),
    (
        "toolkit.yaml",
        "  main_risks: main_risks",
        "  main_risks: exit_strategy",
        "risk.main_risks",
        "'exit_strategy' is not a free-text question",
        "main_risks: exit_strategy",
    ),
    (
        "toolkit.yaml",
        'risk to the council", levels: [High]}',
        'risk to the council", levels: [Severe]}',
        "key_partnerships.criteria.risk.levels",
        "'Severe' is not an option of risk_level",
        "levels: [Severe]}",
    ),
    (
        "toolkit.yaml",
        '"Full cost of at least {min_full_cost} a year"',
        '"Full cost of at least £100,000 a year"',
        "key_partnerships.criteria.cost",
        "label must state {min_full_cost}",
        "cost: {label",
    ),
    (
        "toolkit.yaml",
        '"Full cost of at least {min_full_cost} a year"',
        '"Full cost of at least {min_cost} a year"',
        "key_partnerships.criteria.cost",
        "label names {min_cost}, which is not a setting here",
        "cost: {label",
    ),
    (
        "toolkit.yaml",
        '"Serves {min_priorities} or more Council Plan priorities"',
        '"Serves several Council Plan priorities"',
        "key_partnerships.criteria.priorities",
        "label must state {min_priorities}",
        "priorities: {label",
    ),
    (
        "toolkit.yaml",
        '"{levels} risk to the council"',
        '"High risk to the council"',
        "key_partnerships.criteria.risk",
        "label must state {levels}",
        "risk: {label",
    ),
    (
        "toolkit.yaml",
        '"Council\'s role is {roles}"',
        '"Council leads"',
        "key_partnerships.criteria.role",
        "label must state {roles}",
        "role: {label",
    ),
    (
        "toolkit.yaml",
        ", min_full_cost: 100000}",
        "}",
        "key_partnerships.criteria.cost.min_full_cost",
        "missing key",
        "cost: {label",
    ),
    (
        "toolkit.yaml",
        "min_priorities: 3}",
        "min_priorites: 3}",
        "key_partnerships.criteria.priorities.min_priorites",
        "unknown key",
        "min_priorites",
    ),
    (
        "toolkit.yaml",
        "    statutory: {label: Required by law or regulation}",
        "    statute: {label: Required by law or regulation}",
        "key_partnerships.criteria.statute",
        "unknown key",
        "statute:",
    ),
    (
        "toolkit.yaml",
        "roles: [Lead partner, Accountable body]}",
        "roles: [Lead partner, Accountable bodies]}",
        "key_partnerships.criteria.role.roles[1]",
        "'Accountable bodies' is not an option of council_role",
        "roles: [Lead partner, Accountable bodies]",
    ),
    (
        "toolkit.yaml",
        "{label: Required by law or regulation}",
        '{label: "Statutory; required by law"}',
        "key_partnerships.criteria.statutory",
        "may not hold ';'",
        "statutory: {label",
    ),
    (
        "toolkit.yaml",
        "  named_share: 0.5",
        "  named_share: 1.5",
        "consolidation.named_share",
        "less than or equal to 1",
        "named_share",
    ),
    (
        "toolkit.yaml",
        "  pooled_budget: pooled_budget ",
        "  pooled_budget: pooled_budgets",
        "money_held.pooled_budget",
        "'pooled_budgets' is no question's key",
        "pooled_budget: pooled_budgets",
    ),
    (
        "toolkit.yaml",
        "  accountable_body: accountable_body_funds",
        "  accountable_body: priorities",
        "money_held.accountable_body",
        "not a single-choice question",
        "accountable_body: priorities",
    ),
    (
        "toolkit.yaml",
        '  held_answer: "Yes"',
        '  held_answer: "yes"',
        "money_held.held_answer",
        "'yes' is not an option of pooled_budget",
        'held_answer: "yes"',
    ),
    (
        "toolkit.yaml",
        "shared_service_types: [Shared service]",
        "shared_service_types: [Shared services]",
        "money_held.shared_service_types",
        "'Shared services' is not an option of partnership_type",
        "shared_service_types: [Shared services]",
    ),
    (
        "protocol.yaml",
        "  fuzzy_threshold: 90",
        "  fuzzy_threshold: ninety",
        "column_matching.fuzzy_threshold",
        "'ninety'",
        "fuzzy_threshold",
    ),
    (
        "protocol.yaml",
        "    type: single\n    options:\n      - Adults and Health",
        "    type: singel\n    options:\n      - Adults and Health",
        "questions[3].type",
        "'singel'",
        "type: singel",
    ),
    (
        "protocol.yaml",
        "    severity: warning\n      description: the email",
        "    severity: warn\n      description: the email",
        "validation.rules.email_format.severity",
        "'warn'",
        "severity: warn",
    ),
    (
        "protocol.yaml",
        "    section: About you\n    text: Your job title",
        "    sectoin: About you\n    text: Your job title",
        "questions[2].sectoin",
        "unknown key",
        "sectoin",
    ),
    (
        "council.yaml",
        "default_year: 2025",
        "default_yeer: 2025",
        "default_yeer",
        "unknown key",
        "default_yeer",
    ),
    (
        "council.yaml",
        "  Resources: 12",
        "  Resources: twelve",
        "directorates.Resources",
        "'twelve'",
        "Resources: twelve",
    ),
    (
        "council.yaml",
        "  Public Health: 7",
        "  Public Heath: 7",
        "directorates.Public Heath",
        "not an option of the directorate question",
        "Public Heath",
    ),
    (
        "aliases.yaml",
        "aliases:\n",
        "aliasses:\n",
        "aliasses",
        "unknown key",
        "aliasses",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "key", "words", "line_text"), CASES)
def test_config_typo_stops_with_one_line_naming_file_key_and_line(
    tmp_path, file, old, new, key, words, line_text
):
    root = _config_with(tmp_path, file, old, new)

    with pytest.raises(PipelineError) as caught:
        settings.load(root)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{paths.config_dir(root) / file}: {key}")
    assert words in message
    assert f"(line {_line_of(root, file, line_text)})" in message


@pytest.mark.parametrize(
    "label", ["{min_full_cost:,.0f}", "{}", "{min_full_cost!r}", "{min_full_cost", "{0}"]
)
def test_key_criterion_label_with_a_format_is_one_line(tmp_path, label):
    root = _config_with(
        tmp_path,
        "toolkit.yaml",
        '"Full cost of at least {min_full_cost} a year"',
        f'"Full cost of at least {label} a year"',
    )

    with pytest.raises(PipelineError, match=r"key_partnerships\.criteria\.cost \(line \d+\)"):
        settings.load(root)


@pytest.mark.parametrize(
    ("file", "old", "new", "key"),
    [
        ("toolkit.yaml", "min_answers: 2", 'min_answers: "2"', "instrument.min_answers"),
        ("toolkit.yaml", "min_answers: 1", "min_answers: 1.5", "equality.min_answers"),
        ("toolkit.yaml", "disagree_from: 2", 'disagree_from: "2"', "instrument.disagree_from"),
        (
            "toolkit.yaml",
            "weight: 1}\n    P2",
            "weight: true}\n    P2",
            "instrument.domains.P1.weight",
        ),
        (
            "toolkit.yaml",
            "{from: 3.0, label: Borderline",
            '{from: "3", label: Borderline',
            "instrument.domain_bands[1].from",
        ),
        ("council.yaml", "default_year: 2025", "default_year: 2025.0", "default_year"),
        ("council.yaml", "  Resources: 12", "  Resources: true", "directorates.Resources"),
        ("protocol.yaml", "    required: true", '    required: "yes"', "questions[5].required"),
        ("protocol.yaml", "2025:\n", '"2025":\n', "aliases.2025"),
    ],
)
def test_a_value_of_the_wrong_type_is_not_coerced(tmp_path, file, old, new, key):
    root = _config_with(tmp_path, file, old, new)

    with pytest.raises(PipelineError, match=rf"{file}: {re.escape(key)}"):
        settings.load(root)


@pytest.mark.parametrize(
    ("file", "old", "new", "key", "words"),
    [
        (
            "toolkit.yaml",
            "op: ge, value: 0.5",
            "op: ge, value: 50",
            "recommendation.rules[0].when[2].value",
            "runs from 0 to 1",
        ),
        (
            "toolkit.yaml",
            "{field: officer_exit_share, op: ge, value: 0.5}",
            "{field: uncontrolled_risk, op: eq, value: High}",
            "recommendation.rules[0].when[2].value",
            "uncontrolled_risk is true or false",
        ),
        (
            "toolkit.yaml",
            "{field: governance_band, op: eq, value: Concern}\n\n",
            "{field: governance_band, op: eq, value: Weak}\n\n",
            "recommendation.rules[5].when[0].value",
            "never 'Weak'",
        ),
        (
            "toolkit.yaml",
            "min_criteria: 3",
            "min_criteria: 6",
            "key_partnerships",
            "no partnership",
        ),
        (
            "toolkit.yaml",
            'cautious_first: ["No", "Don\'t know"',
            'cautious_first: ["No", "Dont know"',
            "consolidation.cautious_first[1]",
            "never apply",
        ),
        ("toolkit.yaml", "unsure_from: 80", "unsure_from: 95", "matching", "unsure_from"),
        ("toolkit.yaml", "short: AV", "short: RP", "governance", "two headings show as 'RP'"),
        (
            "toolkit.yaml",
            "{from: 3.0, label: Borderline,",
            "{from: 3.0, label: Concern,",
            "instrument.domain_bands[1].label",
            "already a band's label",
        ),
        (
            "protocol.yaml",
            'when_starts_with: "Yes"',
            'when_starts_with: "Oui"',
            "validation.statutory_basis.when_starts_with",
            "required by law",
        ),
        ("council.yaml", "  Public Health: 7\n", "", "directorates", "'Public Health'"),
    ],
)
def test_a_setting_that_could_never_take_effect_is_refused(tmp_path, file, old, new, key, words):
    root = _config_with(tmp_path, file, old, new)

    with pytest.raises(PipelineError) as caught:
        settings.load(root)

    assert str(caught.value).startswith(f"{paths.config_dir(root) / file}: {key}")
    assert words in str(caught.value)


def test_missing_key_is_named(tmp_path):
    root = _config_with(tmp_path, "toolkit.yaml", "  min_answers: 2\n", "")

    with pytest.raises(
        PipelineError, match=r"toolkit\.yaml: instrument\.min_answers \(line \d+\): missing key"
    ):
        settings.load(root)


def test_protocol_without_a_key_the_code_needs_is_refused(tmp_path):
    root = _config_with(tmp_path, "protocol.yaml", "    key: risk_level", "    key: risk")

    with pytest.raises(PipelineError, match="no question has key 'risk_level'"):
        settings.load(root)


def test_repeated_question_key_is_refused(tmp_path):
    root = _config_with(tmp_path, "protocol.yaml", "    key: job_title", "    key: service")

    with pytest.raises(
        PipelineError, match=r"questions\[4\]\.key \(line \d+\): 'service' is already"
    ):
        settings.load(root)


def test_question_key_may_not_take_a_column_name_the_pipeline_makes(tmp_path):
    root = _config_with(tmp_path, "protocol.yaml", "    key: job_title", "    key: full_cost")

    with pytest.raises(PipelineError, match=r"questions\[2\]\.key \(line \d+\): 'full_cost'"):
        settings.load(root)


def test_key_criterion_label_states_the_number_in_force(tmp_path):
    root = _config_with(
        tmp_path, "toolkit.yaml", "min_full_cost: 100000}", "min_full_cost: 250000}"
    )

    criteria = {c.name: c.label for c in settings.load(root).toolkit.key_criteria}

    assert criteria["cost"] == "Full cost of at least £250,000 a year"


def test_actions_follow_the_order_listed_in_the_toolkit(tmp_path):
    root = _config_with(
        tmp_path,
        "toolkit.yaml",
        "  exit: {label: Exit",
        '  pause: {label: Pause, colour: "#3D3D3D"}\n  exit: {label: Exit',
    )

    kit = settings.load(root).toolkit

    assert kit.action_order == ["pause", "exit", "review", "develop", "continue"]


def test_an_action_colour_outside_the_chart_palette_is_one_clear_line(tmp_path):
    root = _config_with(
        tmp_path,
        "toolkit.yaml",
        '  exit: {label: Exit, colour: "#12436D"',
        '  exit: {label: Exit, colour: "#00FF00"',
    )
    line = _line_of(root, "toolkit.yaml", "#00FF00")

    with pytest.raises(PipelineError) as raised:
        settings.load(root)

    message = str(raised.value)
    assert "\n" not in message
    assert re.search(
        rf"toolkit\.yaml: actions\.exit\.colour \(line {line}\): .*'#00FF00' is not a colour "
        r"of the chart palette: use one of #12436D #28A197 #801650 #F46A25 #3D3D3D #A285D1",
        message,
    ), message


def test_aliases_may_name_a_question_by_key_or_id(tmp_path):
    root = _config_with(
        tmp_path, "protocol.yaml", '"Partnership name": partnership_name', '"Partnership name": Q6'
    )

    questionnaire = settings.load(root).protocol

    assert questionnaire.aliases_for(2025)["Partnership name"] == "Q6"


def test_the_repository_config_loads():
    loaded = settings.load()

    assert loaded.protocol.by_key("risk_level").options == ("Low", "Medium", "High")
    assert set(loaded.toolkit.principles) == set(loaded.protocol.principles)


def test_a_key_given_twice_is_refused_rather_than_the_last_one_kept(tmp_path):
    root = _config_with(
        tmp_path, "toolkit.yaml", "  min_answers: 2\n", "  min_answers: 2\n  min_answers: 5\n"
    )

    with pytest.raises(
        PipelineError, match=r"toolkit\.yaml: instrument\.min_answers \(line \d+\): given twice"
    ):
        settings.load(root)


_DOMAIN_BANDS = """  domain_bands:
    - {from: 1, label: Concern, means: concern}
    - {from: 3.0, label: Borderline, means: borderline}
    - {from: 4.0, label: Strength, means: strength}
  overall_bands:
    - {from: 1, label: Concern, means: concern}
    - {from: 3.0, label: Borderline, means: borderline}
    - {from: 4.0, label: Strength, means: strength}
"""
_OVERALL_TOP = """    - {from: 3.0, label: Borderline, means: borderline}
    - {from: 4.0, label: Strength, means: strength}
"""
assert _DOMAIN_BANDS.endswith(_OVERALL_TOP)
# the overall bands' "Strength" means borderline, where the domain bands' means strength
_OVERALL_RELABELLED = """    - {from: 3.0, label: Strength, means: borderline}
    - {from: 4.0, label: Top, means: strength}
"""
_SUMMED_BANDS = _DOMAIN_BANDS.replace("from: 1,", "from: 2,").replace("from: 3.0", "from: 6")
_SUMMED_BANDS = _SUMMED_BANDS.replace("from: 4.0", "from: 8")


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("scale: agree5", "scale: agree7", "instrument.scale", "no scale in protocol.yaml"),
        ("statements: mean", "statements: median", "instrument.statements", "'mean' or 'sum'"),
        ("overall: weighted_mean", "overall: mode", "instrument.overall", "'weighted_mean'"),
        (  # six domains of 1-5 summed run 6-30: the overall bands from 1 do not fit
            "overall: weighted_mean",
            "overall: sum",
            "instrument.overall_bands[0].from",
            "lowest score that can be reached, 6",
        ),
        (
            "  min_answers: 2",
            "  min_answers: 0",
            "instrument.min_answers",
            "greater than or equal to 1",
        ),
        ("disagree_from: 2", "disagree_from: 0", "instrument.disagree_from", "greater than 0"),
        ("disagree_from: 2", "disagree_from: 4.5", "instrument.disagree_from", "never be reached"),
        ("    P6: {name", "    P7: {name", "instrument.domains", "measure P1, P2"),
        (
            "{from: 1, label: Concern",
            "{from: 0, label: Concern",
            "instrument.domain_bands[0].from",
            "lowest score that can be reached, 1",
        ),
        (
            "{from: 1, label: Concern",
            "{form: 1, label: Concern",
            "instrument.domain_bands[0].form",
            "unknown key",
        ),
        (
            "{from: 4.0, label: Strength",
            "{from: 3.0, label: Strength",
            "instrument.domain_bands[2].from",
            "not above the previous band's 3",
        ),
        (
            "{from: 4.0, label: Strength",
            "{from: 5.5, label: Strength",
            "instrument.domain_bands[2].from",
            "highest score that can be reached, 5",
        ),
        (
            "Strength, means: strength}",
            "Strength, means: concern}",
            "instrument.domain_bands[2].means",
            "from concern up to strength",
        ),
        (
            "Borderline, means: borderline}",
            "Borderline, means: strength}",
            "instrument.domain_bands",
            "no band means borderline",
        ),
        (
            "Concern, means: concern}",
            "Concern, means: worry}",
            "instrument.domain_bands[0].means",
            "'concern', 'borderline' or 'strength'",
        ),
        (
            "not_enough_answers: Not enough answers",
            "not_enough_answers: Concern",
            "instrument.domain_bands[0].label",
            "already a band's label",
        ),
        (
            "  min_answers: 1\n",
            "  min_answers: 0\n",
            "equality.min_answers",
            "greater than or equal to 1",
        ),
        (
            _DOMAIN_BANDS,
            _DOMAIN_BANDS[: -len(_OVERALL_TOP)] + _OVERALL_RELABELLED,
            "instrument.overall_bands[1].means",
            "'Strength' means strength at instrument.domain_bands[2]",
        ),
        (
            "  min_answers: 1\n",
            "  min_answers: 1\n  bands:\n    - {from: 2, label: Low, means: concern}\n",
            "equality.bands[0].from",
            "lowest score that can be reached, 1",
        ),
        (
            "statements: mean\n",
            "statements: sum\n",
            "instrument.domain_bands[0].from",
            "lowest score that can be reached, 2",
        ),
    ],
)
def test_an_instrument_setting_that_cannot_work_is_one_line(tmp_path, old, new, key, words):
    root = _config_with(tmp_path, "toolkit.yaml", old, new)

    with pytest.raises(PipelineError) as caught:
        settings.load(root)

    message = str(caught.value)
    assert message.startswith(f"{paths.config_dir(root) / 'toolkit.yaml'}: {key} (line ")
    assert words in message and "\n" not in message


def test_summed_statements_need_equality_bands_of_its_own(tmp_path):
    root = _config_with(tmp_path, "toolkit.yaml", _DOMAIN_BANDS, _SUMMED_BANDS)
    target = paths.config_dir(root) / "toolkit.yaml"
    target.write_text(
        target.read_text(encoding="utf-8").replace("statements: mean", "statements: sum", 1),
        encoding="utf-8",
    )

    with pytest.raises(PipelineError, match=r"equality \(line \d+\): the domain bands run 2-10"):
        settings.load(root)


def test_summed_statements_need_domains_of_one_size(tmp_path):
    root = _config_with(tmp_path, "toolkit.yaml", "statements: mean", "statements: sum")
    protocol_file = paths.config_dir(root) / "protocol.yaml"
    text = protocol_file.read_text(encoding="utf-8")
    protocol_file.write_text(  # Q30 no longer measures P1: P1 has one statement, the rest two
        text.replace(
            "type: agree5, principle: P1,\n     text: Partners agree",
            "type: agree5,\n     text: Partners agree",
        ),
        encoding="utf-8",
    )

    with pytest.raises(
        PipelineError, match=r"instrument\.statements \(line \d+\): .*P1 has 1, P2 has 2"
    ):
        settings.load(root)


def test_a_domain_statement_off_the_instruments_scale_is_refused(tmp_path):
    root = _config_with(tmp_path, "toolkit.yaml", "", "")
    protocol_file = paths.config_dir(root) / "protocol.yaml"
    text = protocol_file.read_text(encoding="utf-8")
    protocol_file.write_text(
        text.replace("key: outcome_evidence", "key: outcome_evidence\n    principle: P1"),
        encoding="utf-8",
    )

    with pytest.raises(
        PipelineError, match=r"instrument\.scale \(line \d+\): 'outcome_evidence' .* not an agree5"
    ):
        settings.load(root)


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("    partners: 4 ", "    partner: 4 ", "matching.evidence.partner", "unknown key"),
        ("    partners: 4 ", "    partners: 11 ", "matching.evidence.partners", "10"),
        ("    against: 6 ", "    against: -1 ", "matching.evidence.against", "0"),
        ("    directorate: 1 ", '    directorate: "1" ', "matching.evidence.directorate", "'1'"),
        ("    applies_from: 80 ", "    applies_from: 49 ", "matching.evidence.applies_from", "50"),
        ("    zipf_from: 3.0 ", "    zipf_from: 8.5 ", "matching.real_words.zipf_from", "8"),
        (
            "    officers_from: 3 ",
            "    officers_from: 1 ",
            "matching.real_words.officers_from",
            "2",
        ),
        ("    officers_from: 3 ", "    officer_from: 3 ", "matching.real_words.officer_from", ""),
    ],
)
def test_a_wrong_matching_evidence_or_real_words_setting_is_one_line(
    tmp_path, old, new, key, words
):
    root = _config_with(tmp_path, "toolkit.yaml", old, new)

    with pytest.raises(PipelineError) as caught:
        settings.load(root)

    message = str(caught.value)
    assert message.startswith(f"{paths.toolkit_file(root)}: {key} (line ")
    assert words in message and "\n" not in message


@pytest.mark.parametrize(
    ("new", "words"),
    [
        ('    CSP: ""', "expands to no words"),
        ("    CSP: ' - '", "expands to no words"),
        ("    CSP: The Partnership Board", "only generic or ignored words"),
        ("    CSP: Partnerships of the Forum", "only generic or ignored words"),
    ],
)
def test_an_acronym_without_a_distinguishing_expansion_is_one_line(tmp_path, new, words):
    old = "    CSP: Community Safety Partnership"
    root = _config_with(tmp_path, "toolkit.yaml", old, new)

    with pytest.raises(PipelineError) as caught:
        settings.load(root)

    message = str(caught.value)
    line = _line_of(root, "toolkit.yaml", new)
    assert message.startswith(f"{paths.toolkit_file(root)}: matching.acronyms.CSP (line {line})")
    assert words in message and "\n" not in message


def test_an_acronym_with_one_distinguishing_word_loads(tmp_path):
    root = _config_with(
        tmp_path, "toolkit.yaml", "    CSP: Community Safety Partnership", "    CSP: Safety Board"
    )

    assert settings.load(root).toolkit.acronyms["csp"] == "Safety Board"


def test_more_priorities_than_the_question_offers_is_refused(tmp_path):
    root = _config_with(tmp_path, "toolkit.yaml", "min_priorities: 3}", "min_priorities: 30}")

    with pytest.raises(PipelineError) as caught:
        settings.load(root)

    message = str(caught.value)
    line = _line_of(root, "toolkit.yaml", "min_priorities: 30}")
    assert message.startswith(
        f"{paths.toolkit_file(root)}: key_partnerships.criteria.priorities.min_priorities "
        f"(line {line}): is 30 but the priorities question has 4 options"
    )
    assert "\n" not in message


def test_as_many_priorities_as_the_question_offers_is_reachable(tmp_path):
    root = _config_with(tmp_path, "toolkit.yaml", "min_priorities: 3}", "min_priorities: 4}")

    criteria = settings.load(root).toolkit.key_criteria

    assert next(c for c in criteria if c.name == "priorities").settings == {"min_priorities": 4}


def test_evidence_that_could_never_count_is_refused(tmp_path):
    root = _config_with(tmp_path, "toolkit.yaml", "    applies_from: 80 ", "    applies_from: 92 ")

    with pytest.raises(PipelineError, match=r"toolkit\.yaml: matching .*applies_from"):
        settings.load(root)


def test_the_matching_evidence_and_real_word_settings_are_kept_as_read(tmp_path):
    root = _config_with(tmp_path, "toolkit.yaml", "    against: 6 ", "    against: 2.5 ")

    kit = settings.load(root).toolkit

    assert kit.name_evidence.against == 2.5
    assert kit.name_evidence.applies_from == 80
    assert kit.real_words.zipf_from == 3.0 and kit.real_words.officers_from == 3


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        ("  money: fifty million", r"largest_answer\.money \(line \d+\): Input should be"),
        ("  money: 0", r"largest_answer\.money \(line \d+\): Input should be greater than 0"),
        ("  money: .inf", r"largest_answer\.money \(line \d+\): Input should be a finite"),
        ("  money: 5\n  mony: 5", r"largest_answer\.mony \(line \d+\): unknown key"),
    ],
)
def test_a_wrong_largest_answer_is_one_line_naming_file_key_and_line(tmp_path, new, problem):
    root = _config_with(tmp_path, "protocol.yaml", "  money: 50000000", new)

    with pytest.raises(PipelineError, match=rf"protocol\.yaml: {problem}"):
        settings.load(root)


def test_a_question_range_beyond_its_types_largest_answer_is_refused(tmp_path):
    root = _config_with(tmp_path, "protocol.yaml", "    max: 744", "    max: 1000")

    with pytest.raises(
        PipelineError,
        match=r"questions\[\d+\]\.max \(line \d+\): 1000 is beyond largest_answer\.number \(744\)",
    ):
        settings.load(root)


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        (
            "  2025: 30 June 2025",
            r"closing_dates\[2025\] \(line \d+\): Input should be a valid date",
        ),
        (
            "  2025: 2052-04-30",
            r"closing_dates\[2025\] \(line \d+\): 2052-04-30 is not in 2025 or 2026",
        ),
        ("  25: 2025-04-30", r"closing_dates\[25\] \(line \d+\): Input should be greater than"),
    ],
)
def test_a_wrong_closing_date_is_one_line_naming_file_key_and_line(tmp_path, new, problem):
    root = _config_with(tmp_path, "council.yaml", "  2025: 2025-04-30", new)

    with pytest.raises(PipelineError, match=rf"council\.yaml: {problem}"):
        settings.load(root)


# --- reading YAML: libyaml for speed, PyYAML's own words for what it refuses (D27) ---------


def test_every_config_file_reads_the_same_with_libyaml_as_with_pyyamls_parser(monkeypatch):
    files = sorted(paths.config_dir().glob("*.yaml"))
    assert config._FAST_LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    read = {file: config.read_yaml_with_lines(file) for file in files}

    monkeypatch.setattr(config, "_FAST_LOADER", yaml.SafeLoader)

    assert {file: config.read_yaml_with_lines(file) for file in files} == read
    assert len(files) == 4 and all(lines for _, lines in read.values())


def test_yaml_that_is_not_valid_is_named_in_pyyamls_words_with_its_line(tmp_path):
    # libyaml would say "mapping values are not allowed in this context"
    root = _config_with(tmp_path, "aliases.yaml", "\naliases:\n", "\noops: a: b\naliases:\n")
    path = paths.config_dir(root) / "aliases.yaml"

    with pytest.raises(PipelineError) as error:
        settings.load(root)

    line = _line_of(root, "aliases.yaml", "oops: a: b")
    assert str(error.value) == (
        f"{path} (line {line}, column 8): not valid YAML: mapping values are not allowed here."
    )
