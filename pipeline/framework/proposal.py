"""The new-partnership decision aid: its form, and judging a filled-in one (decision D37).

The "start" in start / develop / end. The form asks the questions of toolkit.yaml's
``new_partnership`` section (the survey's own by their IDs and wording, the proposal's own
N1...) and states the criteria and models it is judged by, worded from the same config as
docs/toolkit.md. ``python -m pipeline propose FILE`` reads a filled-in copy (Word, or a
one-row spreadsheet or CSV), reading the survey's questions as ingest does, and prints each
criterion met, not met or not answered, the verdict and the model with its reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import ingest, settings
from pipeline.errors import PipelineError
from pipeline.framework import files, forms
from pipeline.ingest import values
from pipeline.protocol import Protocol
from pipeline.toolkit import Toolkit, explain
from pipeline.toolkit.new_partnership import COMPUTED_FACTS, FormQuestion, form_questions
from pipeline.toolkit.proposals import Judgement, judge, proposal_facts

if TYPE_CHECKING:
    from pipeline.framework import Sources

FORM_NAME = "new_partnership_form"
TITLE = "Proposing a new partnership: decision aid"
_STATUS_WIDTH = len("not answered")


def _how(question: FormQuestion, unknown: Sequence[str]) -> str:
    """How to answer a question, in the form's third column."""
    said = {
        "text": "Free text",
        "money": "Pounds a year, e.g. £12,500 (nil for none)",
        "number": "A number",
        "single": "One of: " + "; ".join(question.options),
        "multi": "Any of, separated by semicolons: " + "; ".join(question.options),
    }[question.type]
    no_answer = [o for o in question.options if o in unknown]
    if question.type == "single" and no_answer:
        said += f" ({' or '.join(no_answer)} counts as not answered)"
    return f"{question.help} {said}".strip() if question.help else said


def form_fields(kit: Toolkit, protocol: Protocol) -> list[forms.Field]:
    """The form's fields, in order: ID, wording and how to answer."""
    unknown = kit.new_partnership.unknown_answers
    return [
        forms.Field(q.id, q.text, _how(q, unknown))
        for q in form_questions(kit.new_partnership, protocol)
    ]


def _known(questions: Sequence[FormQuestion]) -> dict[str, str]:
    """The names a field may have in a filled-in form: its ID, or its key."""
    known = {q.id: q.id for q in questions}
    known.update({q.key: q.id for q in questions})
    return known


def _add_table(document: Any, table: explain.Table) -> None:
    document.add_paragraph(table.caption, style="Caption")
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table.rows:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = text


def write(sources: Sources, out: Path) -> list[Path]:
    """new_partnership_form.docx (the form in parts, then the criteria and models it is
    judged by), and its .xlsx and .csv copies for officers who prefer a spreadsheet."""
    import docx

    config = sources.config
    kit, protocol = config.toolkit, config.protocol
    council = config.council.council_name
    questions = form_questions(kit.new_partnership, protocol)
    fields = form_fields(kit, protocol)
    by_id = {field.id: field for field in fields}
    document = docx.Document()
    document.add_heading(TITLE, level=1)
    document.add_paragraph(
        f"{council}. Fill in this form to propose a partnership before the council enters "
        "it. Write each answer in the last column (Your answer); leave a question blank if "
        "it is not known yet: it is then reported as not answered, never as met. Do not "
        "change the ID column."
    )
    document.add_paragraph(
        f"Then run: python -m pipeline propose {FORM_NAME}.docx. It says whether the "
        "protocol's criteria for entering a partnership are met and which partnership "
        "model fits, with the reasons. The same questions are in "
        f"{FORM_NAME}.xlsx and {FORM_NAME}.csv (one row of answers under the IDs)."
    )
    for title in dict.fromkeys(q.part for q in questions):
        document.add_heading(title, level=2)
        forms.add_form_table(document, [by_id[q.id] for q in questions if q.part == title])
    part = explain.new_partnership_part(kit, protocol)
    document.add_heading("How the proposal is judged", level=2)
    for paragraph in part.paragraphs[1:]:
        document.add_paragraph(paragraph)
    for table in part.tables:
        _add_table(document, table)
    written = [files.save_docx(document, out / f"{FORM_NAME}.docx", title=TITLE, author=council)]
    for suffix in (".xlsx", ".csv"):
        written.append(
            forms.write_table_template(fields, out / f"{FORM_NAME}{suffix}", title=TITLE)
        )
    return written


# --- reading and judging a filled-in form -------------------------------------------------


def _expected(question: FormQuestion) -> str:
    return {
        "money": "an amount in pounds (e.g. £12,500, or nil)",
        "number": "a number",
        "single": "one of: " + "; ".join(question.options),
        "multi": "any of: " + "; ".join(question.options),
    }.get(question.type, "text")


def _read_one(question: FormQuestion, text: str, protocol: Protocol) -> tuple[Any, str | None]:
    """One answer typed, the survey's questions as ingest reads them: (value, None) when it
    reads (a value of None is no answer, such as "n/a"), or (None, why) when it does not."""
    if question.survey:
        reading = ingest.read_answer(protocol.by_key(question.key), text, protocol)
    elif question.type == "single":
        reading = values.read_single(text, question.options)
    else:
        reading = values.read_text(text)
    if reading.error:
        return None, reading.reason or ""
    value = reading.value
    if question.type == "single" and value is not None and value not in question.options:
        return None, ""
    if question.type == "multi":
        if reading.other:
            return None, f"{reading.other.strip()!r} is not an option"
        value = tuple(value.split("; ")) if value else None
    if isinstance(value, float):
        if question.min is not None and value < question.min:
            return None, f"below {question.min:g}"
        if question.max is not None and value > question.max:
            return None, f"above {question.max:g}"
    return value, None


def read_proposal(path: Path, kit: Toolkit, protocol: Protocol) -> dict[str, Any]:
    """A filled-in form's answers by question key, typed (a blank is left out); a wrong
    answer is one line naming the file, its place and the question."""
    questions = form_questions(kit.new_partnership, protocol)
    answers = forms.read_form(path, _known(questions))
    typed: dict[str, Any] = {}
    for question in questions:
        text = answers.values.get(question.id)
        if text is None:
            continue
        value, problem = _read_one(question, text, protocol)
        if problem is not None:
            shown = text if len(text) <= 60 else f"{text[:60]}..."
            why = f" ({problem})" if problem else ""
            raise PipelineError(
                f"{answers.where(question.id)}: {question.id} {question.text!r}: could not "
                f"read {shown!r} as {_expected(question)}{why}."
            )
        if value is not None:
            typed[question.key] = value
    return typed


def _asks(fact: str, kit: Toolkit, protocol: Protocol) -> list[str]:
    """The question IDs whose answers a fact needs."""
    ids = {q.key: q.id for q in form_questions(kit.new_partnership, protocol)}
    if fact in ids:
        return [ids[fact]]
    statutory = protocol.question(protocol.statutory_condition_question).key
    needs = (statutory,) if fact == "statutory" else COMPUTED_FACTS.get(fact, ())
    return [ids[key] for key in needs if key in ids]


def describe(judgement: Judgement, kit: Toolkit, protocol: Protocol) -> list[str]:
    """The lines `propose` prints: each criterion, the verdict and the model with its rule."""
    lines = ["Entry criteria (toolkit.yaml new_partnership.criteria):"]
    required = set(kit.new_partnership.verdict.must_meet)
    for result in judgement.criteria:
        advice = "" if result.name in required else " [advice only]"
        line = f"  {result.status:<{_STATUS_WIDTH}}  {result.label}{advice}. {result.reason}"
        if result.unanswered:
            asked = dict.fromkeys(i for f in result.unanswered for i in _asks(f, kit, protocol))
            line += f" Answer: {', '.join(asked)}."
        lines.append(line)
    lines.append(f"Verdict: {judgement.verdict_words}")
    model = judgement.model
    rule = f"model rule {model.rule}" if model.rule else "the default, as no model rule holds"
    lines.append(f"Model: {model.label} ({rule}: {model.reason})")
    lines.append(f"  It needs: {model.needs}")
    if model.undecided:
        numbers = ", ".join(str(n) for n in model.undecided)
        lines.append(
            f"  Model rule(s) {numbers} could not be judged: a question they test is not "
            "answered; answer it and run again, the model may change."
        )
    return lines


def propose(path: Path, root: Path | str | None = None) -> list[str]:
    """`python -m pipeline propose FILE`: judge a filled-in proposal form; writes nothing."""
    config = settings.load(root)
    kit, protocol = config.toolkit, config.protocol
    answers = read_proposal(Path(path), kit, protocol)
    judgement = judge(proposal_facts(answers, kit, protocol), kit)
    name = answers.get("partnership_name")
    heading = f"{Path(path).name}: proposal" + (f" for {name!r}" if name else "")
    return [heading, *describe(judgement, kit, protocol)]
