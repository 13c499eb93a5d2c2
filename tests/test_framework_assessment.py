"""The value-for-money Partnership Assessment (pipeline/framework/assessment.py): the form
written from config, and `assess` scoring a filled-in copy as the pipeline scores a
partnership with one officer's return."""

import datetime as dt
import subprocess
import sys

import docx
import pandas as pd
import pytest

from pipeline import framework, paths, tables, validate
from pipeline.errors import PipelineError
from pipeline.framework import assessment, forms

YEAR = 2025
AS_OF = dt.date(2025, 3, 31)
# The columns of the evaluation an assessment prints: it must match the pipeline on each.
COMPARED = [
    "full_cost",
    "officer_time_cost",
    "leverage",
    "statutory",
    "overall_score",
    "overall_band",
    "principles_of_concern",
    "equality_score",
    "equality_band",
    "governance_completeness",
    "governance_band",
    "governance_missing",
    "uncontrolled_risk",
    "risk_controls_missing",
    "vfm_cost_known",
    "vfm_type_costed",
    "vfm_type_median_cost",
    "vfm_cost_ratio",
    "vfm_cost_per_priority",
    "vfm_economy_band",
    "vfm_efficiency_band",
    "vfm_effectiveness_band",
    "vfm_equity_band",
    "vfm_measures",
    "vfm_judgement",
    "vfm_rule",
    "key_partnership",
    "key_criteria",
    "action",
    "action_reason",
    "action_rule",
]


def _scored_keys(config):
    """Every question key the toolkit's scoring reads, from toolkit.yaml and the protocol."""
    protocol, kit = config.protocol, config.toolkit
    vfm = kit.value_for_money
    keys = {item.question for _, item in kit.governance.items()}
    keys |= {key for statements in protocol.principles.values() for key in statements}
    keys |= {
        vfm.effectiveness.outcome_evidence.question,
        vfm.effectiveness.achievements.question,
        *vfm.effectiveness.objectives.statements,
        vfm.equity.impact_assessment.question,
        kit.equality_question,
        kit.risk.main_risks,
        *kit.risk.uncontrolled.controls,
    }
    # the key criteria's and the recommendation's facts, and what they are made from
    keys |= {
        protocol.question(protocol.statutory_condition_question).key,
        "council_role",
        "risk_level",
        "priorities",
        "cash",
        "in_kind",
        "officer_hours",
        "external_funding",
        "partnership_type",
        "officer_recommendation",
    }
    return keys


def _form_ids(path):
    document = docx.Document(path)
    return [
        row.cells[0].text
        for table in document.tables
        if table.rows[0].cells[0].text == forms.HEADER[0]
        for row in table.rows[1:]
    ]


def _text(path):
    document = docx.Document(path)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_form_asks_every_question_the_scoring_reads_once(project_root, tmp_path):
    sources = framework.Sources.load(project_root, YEAR)
    protocol = sources.config.protocol

    written = assessment.write(sources, tmp_path)

    assert sorted(p.name for p in written) == [
        "assessment_form.csv",
        "assessment_form.docx",
        "assessment_form.xlsx",
    ]
    ids = _form_ids(tmp_path / "assessment_form.docx")
    assert len(ids) == len(set(ids))  # each question once; later parts say "see Qn"
    wanted = {protocol.id_of(key) for key in _scored_keys(sources.config)}
    assert wanted <= set(ids)
    assert not set(ids) & set(protocol.personal_ids)  # not a survey return: no name, email
    header = (tmp_path / "assessment_form.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == ids  # the spreadsheet copies hold the same fields in order
    text = _text(tmp_path / "assessment_form.docx")
    assert "see Q30" in text  # asked under effectiveness, used again under governance
    for heading in sources.config.toolkit.governance.headings.values():
        assert heading.name in text


def test_the_form_follows_the_config_in_force(project_root, tmp_path):
    before = assessment.write(framework.Sources.load(project_root, YEAR), tmp_path / "before")
    kit_file = paths.config_dir(project_root) / "toolkit.yaml"
    kit_text = kit_file.read_text(encoding="utf-8")
    kit_file.write_text(
        kit_text.replace(
            "leverage: {good_from: 1.0, adequate_from: 0.25}",
            "leverage: {good_from: 1.5, adequate_from: 0.25}",
        ).replace("- {from: 4.0, label: Strength", "- {from: 4.25, label: Strength"),
        encoding="utf-8",
    )
    protocol_file = paths.config_dir(project_root) / "protocol.yaml"
    protocol_file.write_text(
        protocol_file.read_text(encoding="utf-8").replace(
            "options: [Incorporated body, Unincorporated,",
            "options: [Incorporated body, Joint venture, Unincorporated,",
        ),
        encoding="utf-8",
    )

    after = assessment.write(framework.Sources.load(project_root, YEAR), tmp_path / "after")

    old, new = _text(before[0]), _text(after[0])
    assert ">= 1 good" in old and ">= 1.5 good" in new
    assert "from 4.25 up to the top" in new and "from 4.25" not in old
    assert "Incorporated body; Joint venture; Unincorporated" in new
    assert "Joint venture" not in old


def test_the_form_is_byte_identical_on_rerun(project_root, tmp_path):
    sources = framework.Sources.load(project_root, YEAR)

    first = assessment.write(sources, tmp_path / "first")
    second = assessment.write(sources, tmp_path / "second")

    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


# --- assess -------------------------------------------------------------------------------


def _typed(value, question, protocol):
    """An answer as an officer would type it into the form."""
    if pd.isna(value):
        return ""
    if question.type == "agree5":
        return {score: label for label, score in protocol.agree5.items()}[int(value)]
    if question.type == "money":
        return f"£{float(value):,.2f}"
    if question.type == "number":
        return f"{float(value):g}"
    return str(value)


def _fill_word(blank, path, answers):
    document = docx.Document(blank)
    for table in document.tables:
        for row in table.rows[1:]:
            row.cells[-1].text = answers.get(row.cells[0].text, "")
    document.save(path)
    return path


def _fill_csv(path, answers):
    pd.DataFrame([answers]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def one_return_partnership(sample_stages):
    """A sample partnership with one officer's return, its type compared with others and
    every governance question asked: its evaluation row and its return's answers by ID."""
    sources = framework.Sources.load(sample_stages, YEAR)
    protocol = sources.config.protocol
    evaluation = sources.evaluation
    items = len(sources.config.toolkit.governance.items())
    chosen = evaluation[
        (evaluation["returns"] == 1)
        & evaluation["vfm_type_median_cost"].notna()
        & (evaluation["governance_asked"] == items)
    ].iloc[0]
    assigned = tables.read("return_partnerships", YEAR, sample_stages)
    row_key = assigned.loc[assigned["partnership_id"] == chosen["partnership_id"], "row_key"]
    valid = validate.load_valid(YEAR, sample_stages, protocol).set_index("row_key")
    answer = valid.loc[row_key.item()]
    fields = assessment.form_fields(protocol, sources.config.toolkit)
    answers = {f.id: _typed(answer[f.id], protocol.question(f.id), protocol) for f in fields}
    return sample_stages, sources, chosen, answers


@pytest.mark.parametrize("kind", ["docx", "csv"])
def test_assess_scores_a_sample_partnership_as_the_pipeline_does(
    one_return_partnership, tmp_path, kind
):
    root, sources, chosen, answers = one_return_partnership
    blank = assessment.write(sources, tmp_path / "blank")[0]
    form = (
        _fill_word(blank, tmp_path / "filled.docx", answers)
        if kind == "docx"
        else _fill_csv(tmp_path / "filled.csv", answers)
    )
    closing = validate.read_closing_date(YEAR, root)

    result = assessment.assess(form, sources, closing, today=dt.date(2099, 1, 1))

    assert result.evaluation["vfm_type_median_cost"] == chosen["vfm_type_median_cost"]
    expected = chosen[COMPARED].rename(None)
    got = result.evaluation[COMPARED].rename(None)
    for column in COMPARED:
        want, have = expected[column], got[column]
        if isinstance(want, float) and not pd.isna(want):
            assert have == pytest.approx(want, abs=1e-4), column
        else:
            assert (pd.isna(want) and pd.isna(have)) or have == want, column
    printed = assessment.render(result, sources)
    assert f"({chosen['action_rule']})" in printed
    assert "the 2025 evaluation and this one" in printed


def _cost_printed(one_return_partnership, tmp_path, **typed):
    """The cost line and the economy comparison printed for the sample partnership with
    some cost answers (by key) typed differently."""
    root, sources, _, answers = one_return_partnership
    protocol = sources.config.protocol
    filled = {**answers, **{protocol.id_of(key): text for key, text in typed.items()}}
    form = _fill_csv(tmp_path / "cost.csv", filled)
    closing = validate.read_closing_date(YEAR, root)
    result = assessment.assess(form, sources, closing, today=dt.date(2099, 1, 1))
    lines = assessment.render(result, sources).splitlines()
    cost = next(line for line in lines if line.startswith("Full annual cost:"))
    comparison = next(line for line in lines if "Economy comparison:" in line)
    return cost, comparison


def test_a_cost_figure_not_reported_is_never_printed_as_a_known_figure(
    one_return_partnership, tmp_path
):
    cost, comparison = _cost_printed(
        one_return_partnership, tmp_path, cash="Don't know", in_kind="£2,000", officer_hours=""
    )

    assert cost == (
        "Full annual cost: at least £2,000 (not known in full: a figure is not reported) "
        "(cash not reported, in kind £2,000, officer time not reported)"
    )
    assert "this one, whose full cost is not known" in comparison
    assert "evaluation and this one" not in comparison


def test_a_cost_with_no_figure_reported_is_not_known(one_return_partnership, tmp_path):
    cost, _ = _cost_printed(
        one_return_partnership, tmp_path, cash="", in_kind="n/a", officer_hours=""
    )

    assert cost == (
        "Full annual cost: not known (no cost figure reported) (cash not reported, in kind "
        "not reported, officer time not reported)"
    )


def test_a_cost_of_nil_is_a_known_nil(one_return_partnership, tmp_path):
    cost, comparison = _cost_printed(
        one_return_partnership, tmp_path, cash="nil", in_kind="nil", officer_hours="0"
    )

    assert cost == (
        "Full annual cost: £0 (cash £0, in kind £0, officer time £0 for 0 hours a month)"
    )
    assert "evaluation and this one" in comparison


def test_the_form_checks_judge_a_row_as_great_expectations_does(project_root, tmp_path):
    sources = framework.Sources.load(project_root, YEAR)
    protocol = sources.config.protocol
    record = {column: None for column in tables.returns_columns(protocol)}
    record.update(row_key="form:1", source_row=1, response_id="form")
    record[protocol.id_of("council_role")] = "Chair"  # not an option
    record[protocol.id_of("cash")] = -5.0  # below its minimum
    record[protocol.id_of("last_reviewed")] = dt.date(2026, 1, 1)  # after the date judged at
    record[protocol.id_of("statutory_requirement")] = "Yes - statutory duty"  # no basis given
    returns = pd.DataFrame([record], columns=tables.returns_columns(protocol))
    checks = validate.plan_checks(protocol, AS_OF)
    view = validate.validation_view(returns, protocol)

    ours = assessment.failed_checks(returns, protocol, AS_OF)
    outcomes, _ = validate.run_checks(view, checks, name="form")

    by_gx = [check for check, result in outcomes if result.get("unexpected_index_list")]
    assert sorted((c.rule, str(c.column)) for c in ours) == sorted(
        (c.rule, str(c.column)) for c in by_gx
    )
    assert {c.rule for c in ours} >= {"required", "option_set", "range", "date_not_in_future"}


def _cli(root, *args):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "assess", *map(str, args), "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )


def _answers(sources):
    protocol = sources.config.protocol
    answers = {f.id: "" for f in assessment.form_fields(protocol, sources.config.toolkit)}
    for key, value in {
        "partnership_name": "Road Safety Partnership",
        "partnership_type": "Strategic partnership",
        "statutory_requirement": "No - discretionary",
        "council_role": "Member",
        "cash": "£12,500",
        "in_kind": "nil",
        "officer_hours": "10",
        "risk_level": "High",
        "risk_register": "No",
        "performance_framework": "Yes",
    }.items():
        answers[protocol.id_of(key)] = value
    for key in protocol.principles["P1"] + protocol.principles["P2"]:
        answers[protocol.id_of(key)] = "Disagree"
    return answers


def test_assess_on_the_command_line_prints_the_action_and_its_rule(project_root, tmp_path):
    sources = framework.Sources.load(project_root, YEAR)
    form = _fill_csv(tmp_path / "form.csv", _answers(sources))
    expected = assessment.assess(form, sources, AS_OF, today=AS_OF).evaluation

    done = _cli(project_root, form, "--as-of", AS_OF.isoformat())

    assert done.returncode == 0, done.stderr
    label = sources.config.toolkit.actions[expected["action"]].label
    assert f"Recommended action: {label} - {expected['action_reason']}" in done.stdout
    assert expected["action_rule"] in done.stdout
    assert "Judged at 2025-03-31: the date given (--as-of)" in done.stdout
    assert "the 2025 evaluation has not been run" in done.stdout
    assert "uncontrolled risk: yes" in done.stdout  # High without a risk register


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [
        ("cash", "twelve pounds", r"form\.csv: row 2, column \w+: Q20: could not read"),
        ("council_role", "Chair", r"form\.csv: row 2, column \w+: Q12 'Chair': the answer is not"),
    ],
)
def test_assess_refuses_a_bad_answer_in_one_line(project_root, tmp_path, key, typed, message):
    sources = framework.Sources.load(project_root, YEAR)
    answers = _answers(sources)
    answers[sources.config.protocol.id_of(key)] = typed
    form = _fill_csv(tmp_path / "form.csv", answers)

    with pytest.raises(PipelineError, match=message):
        assessment.assess(form, sources, AS_OF, today=AS_OF)
    done = _cli(project_root, form)

    assert done.returncode == 1
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_assess_refuses_a_form_of_two_partnerships(project_root, tmp_path):
    sources = framework.Sources.load(project_root, YEAR)
    answers = _answers(sources)
    form = tmp_path / "two.csv"
    pd.DataFrame([answers, answers]).to_csv(form, index=False)

    done = _cli(project_root, form)

    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: two.csv: holds 2 rows of answers under its header; a form is one "
        "partnership: one row."
    )
