"""The questionnaire documents and the Qualtrics import file (pipeline/framework/
questionnaire.py and qualtrics.py): written from protocol.yaml, readable back, importable
into the survey platforms, and an export of a survey built from them ingests completely."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import docx
import pandas as pd
import pytest
import yaml
from helpers import CHROMIUM, REQUIRE_ALL_CHECKS, axe_violations

from pipeline import framework, ingest, protocol, settings
from pipeline.framework import qualtrics, questionnaire

YEAR = 2025
FILES = ["qualtrics_import.txt", "questionnaire.docx", "questionnaire.html", "questionnaire.pdf"]


def _write(root: Path | None, out: Path) -> dict[str, Path]:
    sources = framework.Sources(settings.load(root), YEAR)  # the config: no year's tables
    written = questionnaire.write(sources, out) + qualtrics.write(sources, out)
    return {path.name: path for path in written}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The four files from the repository's config, written once for the module."""
    return _write(None, tmp_path_factory.mktemp("questionnaire"))


def _edit_protocol(root: Path, change) -> None:
    path = root / "config" / "protocol.yaml"
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    change({q["id"]: q for q in content["questions"]})
    path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), "utf-8")


def _docx_paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]


# --- what the files hold ------------------------------------------------------------------


def test_the_framework_writes_the_four_questionnaire_files(documents):
    assert sorted(documents) == FILES
    assert questionnaire.write in framework.WRITERS and qualtrics.write in framework.WRITERS


def test_html_has_one_h1_an_h2_per_section_and_every_question_with_its_options():
    questions = protocol.load()
    html = questionnaire.render_html(questions, "Northmoor County Council")

    assert html.count("<h1>") == 1
    assert "Northmoor County Council" in html and "protocol version 1" in html
    assert "Heads of Service and above" in html and "never published" in html
    sections = list(dict.fromkeys(q.section for q in questions.questions))
    assert html.count("<h2>") == len(sections)
    position = 0
    for q in questions.questions:  # in the protocol's order, each option in a list item
        position = html.index(f'<h3 id="{q.id}">', position)
        end = html.find("<h3", position + 1)
        block = html[position : end if end > 0 else len(html)]
        assert q.text.replace("'", "&#39;") in block
        assert [f"<li>{o}</li>".replace("'", "&#39;") in block for o in q.options] == [True] * len(
            q.options
        )
        assert ("<strong>Required</strong>" in block) == q.required
    assert "Pounds a year" in html and "at least 0 and at most 744" in html
    assert "is not accepted" in html  # what Required means


def test_docx_holds_every_question_its_id_and_options_in_order(documents):
    paragraphs = _docx_paragraphs(documents["questionnaire.docx"])
    questions = protocol.load()

    numbered = [text for style, text in paragraphs if style == "List Number"]
    assert numbered == [q.text for q in questions.questions]  # the wording alone, in order
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == list(dict.fromkeys(q.section for q in questions.questions))
    for q in questions.questions:
        at = paragraphs.index(("List Number", q.text))
        assert paragraphs[at + 1][1].startswith(f"Question ID {q.id}.")
        assert ("Required" in paragraphs[at + 1][1]) == q.required
        if q.help:
            assert q.help.rstrip(".") in paragraphs[at + 1][1]
        options = questionnaire.answer_options(q, questions)
        listed = paragraphs[at + 2 : at + 2 + len(options)]
        assert listed == [("List Bullet", option) for option in options]
        after = (
            paragraphs[at + 2 + len(options)] if at + 2 + len(options) < len(paragraphs) else None
        )
        assert after is None or after[0] != "List Bullet"


def test_qualtrics_file_parses_back_to_the_protocols_questions_and_options(documents):
    questions = protocol.load()
    text = documents["qualtrics_import.txt"].read_text(encoding="utf-8")

    sections = [q.section for q in questions.questions]
    parsed = [q for q in qualtrics.parse_advanced_format(text, sections) if q.type != "DB"]

    assert text.startswith("[[AdvancedFormat]]\n")
    blocks = [line for line in text.splitlines() if line.startswith("[[Block:")]
    assert any(":" in section for section in sections)  # the protocol has such headings
    assert blocks and all(line.count(":") == 1 for line in blocks), blocks  # tags split on ":"
    read: list[tuple[str, str, tuple[str, ...]]] = []  # (ID, wording, options) as the file says
    for item in parsed:
        assert item.id is not None  # every question carries an ID
        if item.type == "Matrix":
            assert item.answers == (*questions.agree5, *questions.agree5_missing)
            statements = [q for q in questions.questions if q.text in item.choices]
            assert [q.text for q in statements] == list(item.choices)
            assert item.id == statements[0].principle
            assert {q.section for q in statements} == {item.block}
            read += [(q.id, q.text, ()) for q in statements]
        else:
            q = questions.question(item.id)
            assert item.block == q.section
            expected_type = {"single": "MC:SingleAnswer", "multi": "MC:MultipleAnswer"}
            assert item.type == expected_type.get(
                q.type, "MC:SingleAnswer" if q.type == "agree5" else "TE"
            )
            read.append((item.id, item.text, item.choices if q.type != "agree5" else ()))
    assert read == [(q.id, q.text, q.options) for q in questions.questions]


def test_qualtrics_help_is_descriptive_text_after_its_question(documents):
    parsed = qualtrics.parse_advanced_format(
        documents["qualtrics_import.txt"].read_text(encoding="utf-8")
    )
    helps = [q.text for q in parsed if q.type == "DB"]

    assert helps == [f"{q.id}: {q.help}" for q in protocol.load().questions if q.help]


# --- exports of surveys built from the files ingest completely ----------------------------

_QUALTRICS_PLATFORM = [
    *("StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)"),
    *("Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName"),
    *("RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude"),
    *("DistributionChannel", "UserLanguage"),
]
_TYPED = {"text": "Answer {n}", "email": "officer{n}@example.org", "date": "14/03/2025"}
_NUMBERS = {"money": "1250", "number": "12"}


def _typed_answer(question: protocol.Question, row: int) -> str:
    return _TYPED.get(question.type, _NUMBERS.get(question.type, "")).format(n=row)


def _expected(question: protocol.Question, answer: str, questions: protocol.Protocol):
    """What ingest should read from a valid answer."""
    if question.type == "agree5":
        return questions.agree5.get(answer)  # "Don't know" is no score
    if question.type in ("money", "number"):
        return float(answer)
    if question.type == "date":
        return dt.date(2025, 3, 14)
    return answer


def _qualtrics_export(parsed: list[qualtrics.AdvancedQuestion], path: Path, questions) -> dict:
    """A Qualtrics "choice text" CSV of a survey built from the parsed file: the export tag,
    wording and ImportId header rows, then three rows of answers. Returns what each row
    answered, by question ID."""
    tags, wording, imports = list(_QUALTRICS_PLATFORM), list(_QUALTRICS_PLATFORM), []
    imports = [json.dumps({"ImportId": name}) for name in _QUALTRICS_PLATFORM]
    columns: list[tuple[qualtrics.AdvancedQuestion, int]] = []
    for number, item in enumerate((q for q in parsed if q.type != "DB"), start=1):
        if item.type == "Matrix":
            for k, statement in enumerate(item.choices, start=1):
                tags.append(f"{item.id}_{k}")
                wording.append(f"{item.text} - {statement}")
                imports.append(json.dumps({"ImportId": f"QID{number}_{k}"}))
                columns.append((item, k))
        else:
            tags.append(str(item.id))
            wording.append(item.text)
            imports.append(json.dumps({"ImportId": f"QID{number}"}))
            columns.append((item, 0))
    rows, answered = [], []
    for row in range(3):
        platform = ["2025-03-14 10:00:00", "2025-03-14 10:20:00", "IP Address", "", "100"]
        platform += ["1200", "True", "2025-03-14 10:20:00", f"R_row{row}", "", "", "", ""]
        platform += ["", "", "anonymous", "EN"]
        assert len(platform) == len(_QUALTRICS_PLATFORM)
        cells, answers = [], {}
        for position, (item, k) in enumerate(columns):
            if item.type == "Matrix":  # a different point on each statement and row
                answer = item.answers[(row + position) % len(item.answers)]
                qid = next(q.id for q in questions.questions if q.text == item.choices[k - 1])
            elif item.type == "MC:SingleAnswer":
                answer, qid = item.choices[(row + position) % len(item.choices)], item.id
            elif item.type == "MC:MultipleAnswer":
                answer, qid = ",".join(item.choices[row : row + 2]), item.id
            else:
                qid = item.id
                answer = _typed_answer(questions.question(qid), row)
            cells.append(answer)
            answers[qid] = answer
        rows.append(platform + cells)
        answered.append(answers)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows([tags, wording, imports, *rows])
    return {"rows": answered}


def test_a_qualtrics_export_of_the_imported_survey_ingests_every_question(documents, tmp_path):
    questions = protocol.load()
    parsed = qualtrics.parse_advanced_format(
        documents["qualtrics_import.txt"].read_text(encoding="utf-8")
    )
    export = tmp_path / "qualtrics_export.csv"
    answered = _qualtrics_export(parsed, export, questions)["rows"]

    ingested = ingest.ingest_exports([export], questions, YEAR)

    assert set(ingested.files["layout"]) == {"Qualtrics"}
    assert ingest.unmapped_columns(ingested.column_map).empty
    assert ingest.missing_questions(ingested.column_map, questions).empty
    mapped = ingested.column_map["question_id"].dropna()
    assert sorted(mapped) == sorted(questions.ids)  # each question once, by its own column
    for row, answers in enumerate(answered):
        got = ingested.returns.iloc[row]
        for q in questions.questions:
            expected = _expected(q, answers[q.id], questions)
            if q.type == "multi":
                expected = "; ".join(answers[q.id].split(","))
            if expected is None:  # "Don't know": no score
                assert pd.isna(got[q.id]), q.id
            else:
                assert got[q.id] == expected, q.id


def test_a_forms_export_of_the_imported_word_file_ingests_with_no_unmapped_column(
    documents, tmp_path
):
    """Forms heads each column with the question's title: the numbered paragraph's text."""
    questions = protocol.load()
    titles = [
        text
        for style, text in _docx_paragraphs(documents["questionnaire.docx"])
        if style == "List Number"
    ]
    header = ["ID", "Start time", "Completion time", "Email", "Name", *titles]
    rows = []
    for row in range(3):
        cells = [str(row + 1), "14/03/2025 10:00:00", "14/03/2025 10:22:31", "anonymous", ""]
        for q in questions.questions:
            options = questionnaire.answer_options(q, questions)
            if q.type == "multi":
                cells.append(";".join(options[row : row + 2]) + ";")
            elif options:
                cells.append(options[row % len(options)])
            else:
                cells.append(_typed_answer(q, row))
        rows.append(cells)
    export = tmp_path / "forms_export.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])

    ingested = ingest.ingest_exports([export], questions, YEAR)

    assert set(ingested.files["layout"]) == {"Microsoft Forms"}
    assert ingest.unmapped_columns(ingested.column_map).empty
    assert ingest.missing_questions(ingested.column_map, questions).empty
    by_wording = ingested.column_map.dropna(subset=["question_id"])
    assert set(by_wording["method"]) == {"wording"}  # exact wording, never fuzzy
    assert ingested.returns.loc[1, questions.id_of("partnership_name")] == "Answer 1"


# --- generated from config, reproducible, escaped ----------------------------------------


def test_a_second_generation_is_byte_identical(documents, tmp_path):
    again = _write(None, tmp_path)

    assert sorted(again) == FILES
    for name in FILES:
        assert again[name].read_bytes() == documents[name].read_bytes(), name


def test_changing_an_option_and_a_wording_in_config_changes_every_document(
    documents, project_root, tmp_path
):
    def change(questions):
        questions["Q19"]["options"][1] = "Every quarter"
        questions["Q27"]["text"] = "What did the partnership achieve this year?"

    _edit_protocol(project_root, change)

    changed = _write(project_root, tmp_path)

    for name in FILES:
        assert changed[name].read_bytes() != documents[name].read_bytes(), name
    html = changed["questionnaire.html"].read_text(encoding="utf-8")
    assert "<li>Every quarter</li>" in html and "<li>Quarterly</li>" not in html
    assert "What did the partnership achieve this year?" in html
    texts = [text for _, text in _docx_paragraphs(changed["questionnaire.docx"])]
    assert "Every quarter" in texts and "What did the partnership achieve this year?" in texts
    parsed = qualtrics.parse_advanced_format(changed["qualtrics_import.txt"].read_text("utf-8"))
    by_id = {q.id: q for q in parsed}
    assert by_id["Q19"].choices[1] == "Every quarter"
    assert by_id["Q27"].text == "What did the partnership achieve this year?"


def test_wording_with_markup_characters_is_escaped_in_html_and_kept_in_docx_and_txt(
    project_root, tmp_path
):
    wording = "Costs <b>over</b> £5k & rising?"

    def change(questions):
        questions["Q46"]["text"] = wording
        questions["Q19"]["options"][0] = "Monthly & <more>"

    _edit_protocol(project_root, change)
    sources = framework.Sources.load(project_root, YEAR)

    html = questionnaire.render_html(sources.config.protocol, "Northmoor & Co")
    document = questionnaire.build_docx(sources.config.protocol, "Northmoor & Co")
    text = qualtrics.advanced_format(sources.config.protocol)

    assert "Costs &lt;b&gt;over&lt;/b&gt; £5k &amp; rising?" in html and "<b>over" not in html
    assert "<li>Monthly &amp; &lt;more&gt;</li>" in html
    assert "Northmoor &amp; Co" in html
    assert wording in [p.text for p in document.paragraphs]
    assert "Monthly & <more>" in [p.text for p in document.paragraphs]
    assert "<b>" not in text  # Qualtrics reads text as HTML: escaped there, read back whole
    parsed = {q.id: q for q in qualtrics.parse_advanced_format(text)}
    assert parsed["Q46"].text == wording
    assert parsed["Q19"].choices[0] == "Monthly & <more>"


def test_the_pdf_is_tagged(documents):
    import pikepdf

    with pikepdf.open(documents["questionnaire.pdf"]) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "en-GB"


# --- accessibility (e2e: Chromium and veraPDF) --------------------------------------------


@pytest.mark.e2e
@pytest.mark.skipif(
    CHROMIUM is None and not REQUIRE_ALL_CHECKS,
    reason="needs Chromium: apt-get install -y chromium (CI installs it)",
)
def test_questionnaire_html_has_no_axe_violations_of_any_rule(documents):
    results = axe_violations(documents["questionnaire.html"])

    assert results.violations_count == 0, results.generate_report()
    assert len(results.response["passes"]) >= 10


@pytest.mark.e2e
def test_questionnaire_pdf_passes_pdfua(documents, pdfua):
    verdict = pdfua.validate(documents["questionnaire.pdf"])

    assert verdict.compliant, verdict.summary()
