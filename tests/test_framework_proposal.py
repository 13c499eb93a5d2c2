"""The new-partnership decision aid (decision D37): its rules in toolkit.yaml, judging a
proposal's answers, its form, and `python -m pipeline propose FILE`.

Tests use the pinned toolkit (tests/backtest/config/toolkit.yaml), copied into a temporary
root when a test changes it, so that tuning config/toolkit.yaml never breaks them."""

import shutil
import subprocess
import sys

import docx
import pytest
from helpers import PINNED

from pipeline import framework, paths, protocol, toolkit
from pipeline.errors import PipelineError
from pipeline.framework import proposal
from pipeline.toolkit import explain
from pipeline.toolkit.new_partnership import form_questions
from pipeline.toolkit.proposals import choose_model, judge, proposal_facts

PROTOCOL = protocol.load()
KIT = toolkit.load(PINNED, PROTOCOL)

# A proposal that meets every criterion, as typed answers by key.
GOOD = {
    "partnership_name": "Northmoor Road Safety Partnership",
    "purpose": "Fewer people killed or seriously injured on the county's roads.",
    "priorities": ("Better lives for all", "Stronger communities"),
    "statutory_requirement": "No - discretionary",
    "achieves_more": "Yes",
    "added_value": "Police and fire data and enforcement the council does not hold.",
    "alternatives": "Commissioning a campaign alone; joining the regional board.",
    "partners": "Northmoor Police; Northmoor Fire and Rescue Service",
    "cash": 12500.0,
    "in_kind": 0.0,
    "officer_hours": 10.0,
    "external_funding": 40000.0,
    "risk_level": "Medium",
}


@pytest.fixture
def pinned_root(project_root):
    """A project root whose toolkit.yaml is the pinned copy, for a test to change."""
    shutil.copy(PINNED / "config" / "toolkit.yaml", paths.toolkit_file(project_root))
    return project_root


@pytest.fixture
def sources(pinned_root):
    return framework.Sources.load(pinned_root, 2025)


def _edit_toolkit(root, old, new):
    path = paths.toolkit_file(root)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _judged(answers, kit=KIT):
    return judge(proposal_facts(answers, kit, PROTOCOL), kit)


def _statuses(judgement):
    return {result.name: result.status for result in judgement.criteria}


# --- judging --------------------------------------------------------------------------------


def test_a_proposal_meeting_every_criterion_may_start():
    judgement = _judged(GOOD)

    assert set(_statuses(judgement).values()) == {"met"}
    assert (judgement.verdict, judgement.verdict_words) == (
        "met",
        KIT.new_partnership.verdict.met,
    )


def test_a_criterion_not_answered_is_not_answered_never_met():
    answers = {k: v for k, v in GOOD.items() if k not in ("purpose", "risk_level")}

    judgement = _judged({**answers, "achieves_more": "Don't know", "statutory_requirement": None})

    statuses = _statuses(judgement)
    assert statuses["purpose"] == statuses["risk"] == statuses["necessary"] == "not answered"
    assert judgement.verdict == "not_enough"
    necessary = next(r for r in judgement.criteria if r.name == "necessary")
    assert set(necessary.unanswered) == {"statutory", "achieves_more"}


@pytest.mark.parametrize(
    "said", ["Don't know", "don’t know", "n/a", "-", "none", "Nil", " TBC ", "To be confirmed"]
)
def test_a_free_text_saying_nothing_is_known_is_not_answered_never_met(said):
    judgement = _judged({**GOOD, "purpose": said, "alternatives": said})

    statuses = _statuses(judgement)
    assert statuses["purpose"] == statuses["alternatives"] == "not answered"
    assert judgement.verdict == "not_enough"
    assert (
        _statuses(_judged({**GOOD, "purpose": f"{said} yet: fewer road deaths"}))["purpose"]
        == "met"
    )


@pytest.mark.parametrize(
    ("partners", "count", "status"),
    [
        ("Don't know", None, "not answered"),
        ("TBC", None, "not answered"),
        ("n/a; -", None, "not answered"),
        ("none", 0, "not met"),
        ("Nil", 0, "not met"),
        ("Northmoor Police; TBC", 1, "met"),
        ("Northmoor Police, none", 1, "met"),
    ],
)
def test_partners_named_by_a_no_answer_word_are_not_counted(partners, count, status):
    answers = {**GOOD, "partners": partners}

    assert proposal_facts(answers, KIT, PROTOCOL)["partner_count"] == count
    assert _statuses(_judged(answers))["partners"] == status


def test_one_unmet_criterion_that_must_be_met_stops_the_proposal():
    judgement = _judged({**GOOD, "risk_level": "High", "risk_register": "No", "purpose": None})

    assert _statuses(judgement)["risk"] == "not met"
    assert judgement.verdict == "not_met"  # even with a criterion not answered beside it


def test_the_law_alone_makes_a_partnership_necessary():
    answers = {**GOOD, "achieves_more": "No", "statutory_requirement": "Yes - statutory duty"}

    assert _statuses(_judged(answers))["necessary"] == "met"
    answers["statutory_requirement"] = "No - discretionary"
    assert _statuses(_judged(answers))["necessary"] == "not met"


def test_the_full_cost_is_known_only_with_every_cost_figure():
    facts = proposal_facts({**GOOD, "officer_hours": None}, KIT, PROTOCOL)
    assert facts["full_cost"] is None

    facts = proposal_facts(GOOD, KIT, PROTOCOL)

    hourly, months = KIT.officer_hourly_cost, KIT.months_per_year
    assert facts["full_cost"] == pytest.approx(12500 + 10 * months * hourly)
    assert facts["leverage"] == round(40000 / facts["full_cost"], 2)
    assert (facts["partner_count"], facts["priority_count"]) == (2, 2)


# Answers that reach each model, with the rule expected (None: the default).
MODEL_CASES = [
    ({"own_legal_identity": "Yes", "pools_money": "Yes"}, "company"),
    ({"pools_money": "Yes", "nhs_partner": "Yes"}, "pooled_budget"),
    ({"binding_decisions": "Yes", "local_authorities_only": "Yes"}, "joint_committee"),
    ({"binding_decisions": "Yes", "local_authorities_only": "No"}, "strategic_partnership"),
    ({"pools_money": "Yes", "nhs_partner": "No"}, "pooled_budget"),
    ({"delivers_for_others": "Yes"}, "shared_service"),
    ({"information_only": "Yes"}, "informal_network"),
    ({"information_only": "No", "pools_money": "No"}, "strategic_partnership"),
]


@pytest.mark.parametrize(("answers", "model"), MODEL_CASES)
def test_each_model_is_chosen_by_its_rule(answers, model):
    chosen = choose_model(proposal_facts({**GOOD, **answers}, KIT, PROTOCOL), KIT)

    assert chosen.model == model
    rules = KIT.new_partnership.model_rules
    if chosen.rule is None:
        assert chosen.reason == rules.default.reason
    else:
        assert rules.rules[chosen.rule - 1].model == model
        assert chosen.reason == rules.rules[chosen.rule - 1].reason
    assert chosen.needs == KIT.new_partnership.models[model].needs


def test_every_model_is_reachable_from_some_answers():
    reached = {model for _, model in MODEL_CASES}

    assert reached == set(KIT.new_partnership.models)


def test_a_model_rule_on_an_unanswered_question_does_not_fire_and_is_named():
    chosen = choose_model(proposal_facts({**GOOD, "information_only": "Yes"}, KIT, PROTOCOL), KIT)

    assert chosen.model == "informal_network"
    rules = KIT.new_partnership.model_rules.rules
    assert chosen.undecided == tuple(range(1, len(rules)))  # every earlier rule: unanswered


# --- the rules are config ---------------------------------------------------------------------


def test_changing_a_criterion_threshold_changes_the_verdict_and_the_documents(pinned_root):
    _edit_toolkit(
        pinned_root,
        "- {field: priority_count, op: ge, value: 1}",
        "- {field: priority_count, op: ge, value: 3}",
    )
    kit = toolkit.load(pinned_root, PROTOCOL)

    assert _judged(GOOD, kit).verdict == "not_met"  # two priorities no longer enough
    assert _judged(GOOD).verdict == "met"
    doc = explain.render_markdown(kit, PROTOCOL)
    assert "the number of Council Plan priorities it serves is at least 3" in doc
    assert "priorities it serves is at least 1" not in doc
    form = proposal.write(framework.Sources.load(pinned_root, 2025), pinned_root / "out")[0]
    text = "\n".join(c.text for t in docx.Document(form).tables for r in t.rows for c in r.cells)
    assert "the number of Council Plan priorities it serves is at least 3" in text


def test_changing_a_model_rule_changes_the_model_and_its_wording(pinned_root):
    _edit_toolkit(
        pinned_root,
        '- {field: delivers_for_others, op: eq, value: "Yes"}',
        '- {field: delivers_for_others, op: eq, value: "No"}',
    )
    kit = toolkit.load(pinned_root, PROTOCOL)
    answers = {**GOOD, "delivers_for_others": "No"}

    assert choose_model(proposal_facts(answers, kit, PROTOCOL), kit).model == "shared_service"
    assert choose_model(proposal_facts(answers, KIT, PROTOCOL), KIT).model != "shared_service"
    assert 'N12 "Will one body deliver a service on behalf of several bodies?" is No' in (
        explain.render_markdown(kit, PROTOCOL)
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{field: priority_count, op: ge, value: 1}",
            "{field: priority_cuont, op: ge, value: 1}",
            r"criteria\.priorities\.when\[0\]\.field \(line \d+\): 'priority_cuont' is no fact",
        ),
        (
            "{field: priority_count, op: ge, value: 1}",
            "{field: priority_count, op: in, value: 1}",
            r"criteria\.priorities\.when\[0\]\.value \(line \d+\): 'in' takes a list",
        ),
        (
            "{field: priority_count, op: ge, value: 1}",
            "{field: priority_count, op: gte, value: 1}",
            r"criteria\.priorities\.when\[0\]\.op \(line \d+\):",
        ),
        (
            "- {survey: risk_register}",
            "- {survey: risk_registr}",
            r"questions\[1\]\.survey \(line \d+\): 'risk_registr' is no question's key",
        ),
        (
            '- {field: information_only, op: eq, value: "Yes"}',
            '- {field: information_only, op: eq, value: "Maybe"}',
            r"model_rules\.rules\[5\]\.when\[0\]\.value \(line \d+\): information_only is never",
        ),
        (
            "must_meet: [purpose, priorities,",
            "must_meet: [purpose, priority,",
            r"verdict\.must_meet\[1\] \(line \d+\): 'priority' is not a criterion",
        ),
        (
            "- {survey: risk_register}",
            "- {survey: respondent_email}",
            r"'respondent_email' is a personal question",
        ),
    ],
)
def test_a_config_typo_is_one_line_naming_file_key_and_line(pinned_root, old, new, message):
    _edit_toolkit(pinned_root, old, new)

    with pytest.raises(PipelineError, match=r"toolkit\.yaml: new_partnership\.") as raised:
        toolkit.load(pinned_root, PROTOCOL)

    assert "\n" not in str(raised.value)
    assert raised.match(message)


def test_the_toolkit_doc_states_every_criterion_rule_and_model():
    doc = explain.render_markdown(KIT, PROTOCOL)

    section = KIT.new_partnership
    for criterion in section.criteria.values():
        assert criterion.label in doc and criterion.reason in doc
    for rule in section.model_rules.rules:
        assert rule.reason in doc
    for model in section.models.values():
        assert f"| {model.label} | {model.needs} |" in doc
    for words in (section.verdict.met, section.verdict.not_met, section.verdict.not_enough):
        assert words in doc


# --- the form -------------------------------------------------------------------------------


def _cell_texts(path):
    document = docx.Document(path)
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


def test_the_word_form_holds_every_question_with_its_wording_and_options(tmp_path, sources):
    written = proposal.write(sources, tmp_path)

    assert [p.name for p in written] == [
        "new_partnership_form.docx",
        "new_partnership_form.xlsx",
        "new_partnership_form.csv",
    ]
    rows = {row[0]: row for row in _cell_texts(written[0])}
    questions = form_questions(sources.config.toolkit.new_partnership, sources.config.protocol)
    for question in questions:
        assert rows[question.id][1] == question.text
        for option in question.options:
            assert option in rows[question.id][2]
    headings = [p.text for p in docx.Document(written[0]).paragraphs if p.style.name == "Heading 2"]
    assert [part.title for part in sources.config.toolkit.new_partnership.parts] == headings[:-1]
    header = written[2].read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == [q.id for q in questions]


def test_the_form_is_byte_identical_on_rerun(tmp_path, sources):
    first = proposal.write(sources, tmp_path / "a")
    second = proposal.write(sources, tmp_path / "b")

    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_changing_a_protocol_option_changes_the_form(project_root):
    path = paths.protocol_file(project_root)
    text = path.read_text(encoding="utf-8")
    assert text.count("options: [Low, Medium, High]") == 1
    path.write_text(text.replace("[Low, Medium, High]", "[Low, Medium, High, Severe]"))
    _edit_toolkit(project_root, "order: [Low, Medium, High]", "order: [Low, Medium, High, Severe]")

    written = proposal.write(framework.Sources.load(project_root, 2025), project_root / "out")

    risk = next(row for row in _cell_texts(written[0]) if row[0] == PROTOCOL.id_of("risk_level"))
    assert "Severe" in risk[2]


# --- reading a filled-in form and the command ------------------------------------------------


def _filled_word_form(sources, tmp_path, answers_by_id):
    blank = proposal.write(sources, tmp_path / "blank")[0]
    document = docx.Document(blank)
    for table in document.tables:
        for row in table.rows[1:]:
            if row.cells[0].text in answers_by_id:
                row.cells[-1].text = answers_by_id[row.cells[0].text]
    path = tmp_path / "proposal.docx"
    document.save(path)
    return path


def _by_id(answers):
    """Typed answers by key -> the text an officer types, by question ID."""
    ids = {q.key: q.id for q in form_questions(KIT.new_partnership, PROTOCOL)}
    typed = {}
    for key, value in answers.items():
        text = "; ".join(value) if isinstance(value, tuple) else value
        typed[ids[key]] = f"£{value:,.0f}" if key in ("cash", "external_funding") else str(text)
    return typed


def test_a_filled_word_form_reads_as_ingest_reads_the_survey(tmp_path, sources):
    form = _filled_word_form(sources, tmp_path, {**_by_id(GOOD), PROTOCOL.id_of("in_kind"): "nil"})

    answers = proposal.read_proposal(form, KIT, PROTOCOL)

    assert answers == GOOD


def test_a_wrong_answer_is_one_line_naming_file_place_and_question(tmp_path, sources):
    duration = next(q for q in form_questions(KIT.new_partnership, PROTOCOL) if q.key == "duration")
    form = _filled_word_form(sources, tmp_path, {duration.id: "Forever"})

    with pytest.raises(PipelineError) as raised:
        proposal.read_proposal(form, KIT, PROTOCOL)

    message = str(raised.value)
    assert message.startswith("proposal.docx: table ") and f"{duration.id} " in message
    assert "'Forever'" in message and "Open-ended" in message and "\n" not in message


def _run(file, root):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "propose", str(file), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_propose_judges_a_filled_csv_and_word_form(tmp_path, pinned_root, sources):
    by_id = _by_id({**GOOD, "pools_money": "Yes", "nhs_partner": "Yes"})
    csv = tmp_path / "proposal.csv"
    header = list(by_id)
    csv.write_text(
        ",".join(header) + "\n" + ",".join(f'"{by_id[i]}"' for i in header) + "\n",
        encoding="utf-8",
    )
    word = _filled_word_form(sources, tmp_path, by_id)

    outputs = [_run(csv, pinned_root), _run(word, pinned_root)]

    for result in outputs:
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert f"Verdict: {KIT.new_partnership.verdict.met}" in lines
        pooled = KIT.new_partnership.models["pooled_budget"]
        assert any(line.startswith(f"Model: {pooled.label} (model rule 2:") for line in lines)
        met = [line.split(maxsplit=1)[1] for line in lines if line.startswith("  met ")]
        labels = [criterion.label for criterion in KIT.new_partnership.criteria.values()]
        assert [line[: len(label)] for line, label in zip(met, labels, strict=True)] == labels
    assert outputs[0].stdout.splitlines()[1:] == outputs[1].stdout.splitlines()[1:]
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["blank", "config", "proposal.csv", "proposal.docx"]  # propose wrote none


def test_propose_refuses_a_bad_file_in_one_line(tmp_path, pinned_root):
    bad = tmp_path / "proposal.csv"
    bad.write_text(f"{PROTOCOL.id_of('cash')},N1\ntwelve quid,Roads\n", encoding="utf-8")

    result = _run(bad, pinned_root)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: proposal.csv: row 2, column A: ")
    assert "'twelve quid'" in result.stderr
