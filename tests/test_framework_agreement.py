"""The partnership agreement (pipeline/framework/agreement.py): the blank template from
protocol.yaml's agreement sections, and one copy pre-filled for each key partnership with
every gap the evaluation found marked "To complete:" (decision D35)."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pandas as pd
import pytest

from pipeline import framework, paths, tables
from pipeline.errors import PipelineError
from pipeline.framework import agreement

YEAR = 2025
_BLANK_WORDS = re.compile(r"(^|[:\s])(nan|None|NaT|<NA>)\s*$")


def _edit(root: Path, file: str, old: str, new: str) -> None:
    target = paths.config_dir(root) / file
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(root: Path, file: str, text: str) -> int:
    lines = (paths.config_dir(root) / file).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def _texts(path: Path) -> list[str]:
    """Every paragraph and table cell of a Word file, in order."""
    document = docx.Document(path)
    found = [p.text for p in document.paragraphs]
    for table in document.tables:
        found += [cell.text for row in table.rows for cell in row.cells]
    return found


def _headings(path: Path) -> list[str]:
    return [p.text for p in docx.Document(path).paragraphs if p.style.name.startswith("Heading 1")]


def _to_complete(path: Path) -> list[str]:
    """The words after each "To complete:" marker, checking each marker is highlighted."""
    found = []
    for paragraph in docx.Document(path).paragraphs:
        if paragraph.text.startswith(agreement.TO_COMPLETE):
            marker = paragraph.runs[0]
            assert marker.text == agreement.TO_COMPLETE and marker.bold
            assert marker.font.highlight_color is not None
            found.append(paragraph.text.removeprefix(agreement.TO_COMPLETE).strip())
    return found


@pytest.fixture(scope="module")
def written(sample_stages: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The agreements written for the sample year (read-only)."""
    out = tmp_path_factory.mktemp("agreements")
    agreement.write(framework.Sources.load(sample_stages, YEAR), out)
    return out


@pytest.fixture(scope="module")
def key_rows(sample_stages: Path) -> pd.DataFrame:
    evaluation = framework.Sources.load(sample_stages, YEAR).evaluation
    assert evaluation is not None
    return evaluation[evaluation["key_partnership"].fillna(False).astype(bool)]


# --- the template --------------------------------------------------------------------


def test_the_template_holds_every_section_with_its_guidance_and_a_signature_table(
    project_root,
):
    sources = framework.Sources.load(project_root, YEAR)
    config = sources.config.protocol.agreement
    assert config is not None

    written = agreement.write(sources, project_root / "out")

    assert [p.name for p in written] == [agreement.TEMPLATE_FILE]  # no year run: no copies
    texts = "\n".join(_texts(written[0]))
    assert _headings(written[0])[1:] == [s.heading for s in config.sections]
    for section in config.sections:
        assert " ".join(section.guidance.split()) in texts
    signatures = docx.Document(written[0]).tables[-1]
    assert [c.text for c in signatures.rows[0].cells][0] == "Party"
    assert signatures.rows[1].cells[0].text == sources.config.council.council_name


def test_changing_a_section_heading_in_protocol_yaml_changes_the_template(project_root):
    _edit(project_root, "protocol.yaml", "- heading: Disputes", "- heading: Resolving disputes")

    written = agreement.write(framework.Sources.load(project_root, YEAR), project_root / "out")

    headings = _headings(written[0])
    assert "Resolving disputes" in headings and "Disputes" not in headings


def test_a_prefill_field_that_is_no_evaluation_column_is_one_line(project_root):
    _edit(project_root, "protocol.yaml", "{field: cash, label:", "{field: cashh, label:")
    line = _line_of(project_root, "protocol.yaml", "field: cashh")

    with pytest.raises(PipelineError) as raised:
        framework.Sources.load(project_root, YEAR)

    message = str(raised.value)
    assert "\n" not in message
    assert re.search(
        rf"protocol\.yaml: agreement\.sections\[\d+\]\.prefill\[0\]\.field \(line {line}\)", message
    )
    assert "'cashh' is no column of the evaluation" in message


def test_an_expected_answer_that_is_no_option_is_one_line(project_root):
    _edit(project_root, "protocol.yaml", 'expect: ["Yes"]', 'expect: ["Yes please"]')

    with pytest.raises(PipelineError, match=r"expect\[0\].*'Yes please' is not an answer"):
        framework.Sources.load(project_root, YEAR)


# --- the pre-filled copies -------------------------------------------------------------


def test_one_agreement_is_written_for_each_key_partnership(written, key_rows):
    files = sorted(p.name for p in (written / agreement.AGREEMENTS_DIR).iterdir())

    assert files == sorted(f"{agreement.safe_name(i)}.docx" for i in key_rows["partnership_id"])
    assert len(files) > 0


def test_each_agreement_holds_its_partners_and_marks_every_gap_the_evaluation_found(
    written, key_rows
):
    for _, row in key_rows.iterrows():
        path = (
            written
            / agreement.AGREEMENTS_DIR
            / f"{agreement.safe_name(row['partnership_id'])}.docx"
        )
        texts = _texts(path)
        marked = _to_complete(path)

        for partner in str(row["partners"]).split("; "):
            assert partner in texts or f"{partner} (the council)" in texts, partner
        gaps = [g for g in str(row["governance_missing"] or "").split("; ") if g]
        gaps += [g for g in str(row["risk_controls_missing"] or "").split("; ") if g]
        for gap in gaps:
            assert any(gap in words for words in marked), (row["partnership_id"], gap)
        if row["uncontrolled_risk"]:
            assert any(words.startswith("an uncontrolled") for words in marked)
        if row["cost_missing_returns"] > 0:
            assert any("left a cost figure blank" in words for words in marked)
        if row["equality_impact_assessment"] != "Yes":
            assert any("equality impact assessment" in words for words in marked)
        assert any("purpose and objectives" in words for words in marked)  # never asked


def test_no_blank_prints_as_nan_or_none(written):
    for path in sorted((written / agreement.AGREEMENTS_DIR).iterdir()):
        for text in _texts(path):
            assert not _BLANK_WORDS.search(text), (path.name, text)


def test_no_agreement_holds_a_respondents_name_or_email(written, sample_stages):
    sources = framework.Sources.load(sample_stages, YEAR)
    protocol = sources.config.protocol
    personal = [protocol.id_of(key) for key in protocol.personal_keys]
    said: set[str] = set()
    for name in ("returns", "valid"):
        returns = tables.read(name, YEAR, sample_stages, protocol, personal=True)
        for column in personal:
            said |= {str(v).strip() for v in returns[column].dropna() if str(v).strip()}
    assert len(said) > 10  # the sample's officers did give their names and emails

    for path in sorted((written / agreement.AGREEMENTS_DIR).iterdir()):
        text = "\n".join(_texts(path))
        assert not [value for value in said if value in text], path.name


def test_a_blank_answer_and_an_unexpected_one_are_marked_to_complete(sample_stages, key_rows):
    sources = framework.Sources.load(sample_stages, YEAR)
    config = sources.config
    row = key_rows.iloc[0].copy()
    row["reporting_line"] = None
    row["cash"] = float("nan")
    row["equality_impact_assessment"] = "Not applicable"
    sections = {s.heading: s for s in config.protocol.agreement.sections}

    lines = [
        line
        for heading in (
            "Governance, decision-making and reporting line",
            "Finance",
            "Equality duties",
        )
        for line in agreement.prefilled_lines(
            sections[heading], row, config.toolkit, config.protocol, "The Council"
        )
    ]

    marked = [line.to_complete for line in lines if line.to_complete]
    assert "Reports to (council committee or board): not reported in the survey" in marked
    assert "Council cash contribution (£ a year): not reported in the survey" in marked
    assert any(
        words.startswith("Equality impact assessment completed: no equality") for words in marked
    )


def _finance_lines(sources, row):
    config = sources.config
    section = next(s for s in config.protocol.agreement.sections if s.heading == "Finance")
    return agreement.prefilled_lines(section, row, config.toolkit, config.protocol, "C")


def test_a_figure_some_returns_left_blank_is_at_least_and_to_complete(sample_stages, key_rows):
    sources = framework.Sources.load(sample_stages, YEAR)
    row = key_rows.iloc[0].copy()
    row[["returns", "cash", "cash_missing", "in_kind", "in_kind_missing"]] = [4, 0.0, 2, 0.0, 4]
    row[["officer_hours_missing", "cost_missing_returns", "full_cost"]] = [0, 4, 6177.0]

    lines = _finance_lines(sources, row)

    shown = {line.label: line.value for line in lines if line.value}
    marked = [line.to_complete for line in lines if line.to_complete]
    cash, in_kind = (
        "Council cash contribution (£ a year)",
        "Council in-kind contribution (£ a year)",
    )
    full = "Full annual cost to the council (£)"
    assert shown[cash] == "at least £0 (2 of 4 officers' returns left it blank)"
    assert f"{cash}: 2 of 4 officers' returns left it blank; confirm the full figure" in marked
    assert in_kind not in shown  # every return left it blank: not £0
    assert (
        f"{in_kind}: not reported in the survey (4 of 4 officers' returns left it blank)" in marked
    )
    assert shown[full] == "at least £6,177 (4 of 4 officers' returns left a cost figure blank)"
    assert any(words.startswith(f"{full}: 4 of 4") for words in marked)
    assert not shown["Council officer time (hours a month)"].startswith("at least")


def test_a_figure_every_return_gave_is_shown_as_it_is(sample_stages, key_rows):
    sources = framework.Sources.load(sample_stages, YEAR)
    row = key_rows.iloc[0].copy()
    row[["returns", "cash", "cash_missing", "cost_missing_returns"]] = [3, 0.0, 0, 0]

    lines = _finance_lines(sources, row)

    cash = next(line for line in lines if line.label == "Council cash contribution (£ a year)")
    assert (cash.value, cash.to_complete) == ("£0", None)
    full = next(line for line in lines if line.label == "Full annual cost to the council (£)")
    assert full.value is not None and not full.value.startswith("at least")


@pytest.mark.parametrize("said", ["Don't know", "don’t know", "Not known"])
def test_a_dont_know_answer_in_any_prefilled_line_is_to_complete(sample_stages, key_rows, said):
    sources = framework.Sources.load(sample_stages, YEAR)
    config = sources.config
    row = key_rows.iloc[0].copy()
    fields = [item.field for s in config.protocol.agreement.sections for item in s.prefill]
    asked = [f for f in fields if f in config.protocol.keys]
    asked = [f for f in asked if config.protocol.by_key(f).type in ("single", "text")]
    asked = [f for f in asked if f not in ("partners", config.toolkit.risk.main_risks)]
    assert {"accountable_body_funds", "reporting_line"} <= set(asked)
    for field in asked:
        row[field] = said

    lines = [
        line
        for section in config.protocol.agreement.sections
        for line in agreement.prefilled_lines(section, row, config.toolkit, config.protocol, "C")
    ]

    for field in asked:
        label = next(
            i.label
            for s in config.protocol.agreement.sections
            for i in s.prefill
            if i.field == field
        )
        assert not [line for line in lines if line.label == label and line.value], field
        assert f'{label}: officers answered "{said}" in the survey; find out and complete' in [
            line.to_complete for line in lines
        ], field


def test_the_next_review_follows_the_toolkits_months(project_root, sample_stages, key_rows):
    _edit(
        project_root,
        "toolkit.yaml",
        "kind: within_months, months: 24",
        "kind: within_months, months: 12",
    )
    config = framework.Sources.load(project_root, YEAR).config
    row = key_rows.iloc[0].copy()
    row["last_reviewed"] = "2025-02-14"
    never = row.copy()
    never["last_reviewed"] = None
    section = next(
        s for s in config.protocol.agreement.sections if s.heading == "Performance and review"
    )

    reviewed = agreement.prefilled_lines(section, row, config.toolkit, config.protocol, "C")
    not_reviewed = agreement.prefilled_lines(section, never, config.toolkit, config.protocol, "C")

    line = next(line for line in reviewed if line.label == "Last reviewed")
    assert line.value == (
        "14 February 2025; the next review is due by 14 February 2026 (the toolkit expects a "
        "review at least every 12 months)"
    )
    gap = next(line for line in not_reviewed if line.label == "Last reviewed")
    assert gap.to_complete is not None and "never reviewed" in gap.to_complete


def test_a_partnership_id_makes_a_safe_file_name():
    assert agreement.safe_name("PSH-0002") == "PSH-0002"
    assert agreement.safe_name("../a b/c") == "a-b-c"
