"""The questionnaire for people: an accessible web page with its tagged PDF, and a Word file
laid out for Microsoft Forms' Quick import, all written from protocol.yaml.

The same questions, options, help and required flags that drive ingest and validation, so
next year's survey is built from the protocol instead of retyped (decision D34).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import docx

from pipeline import questionnaire
from pipeline.framework import files, pages
from pipeline.protocol import Protocol, Question

if TYPE_CHECKING:
    from pipeline.framework import Sources

HTML_NAME = "questionnaire.html"
DOCX_NAME = "questionnaire.docx"
# Who fills the survey in: the officers coverage is counted against (council.yaml's
# directorates: Head of Service and above).
RESPONDENTS = "Heads of Service and above"


@dataclass(frozen=True)
class QuestionView:
    """One question as the documents print it."""

    id: str
    text: str
    kind: str
    options: tuple[str, ...]
    help: str
    required: bool
    personal: bool


@dataclass(frozen=True)
class Section:
    name: str
    questions: tuple[QuestionView, ...]


def title(protocol: Protocol, council_name: str) -> str:
    """The survey's title: the council's, with the protocol version it is built from."""
    return f"{council_name} partnership survey: questionnaire (protocol version {protocol.version})"


def required_meaning(protocol: Protocol) -> str:
    """What "Required" means, from the validation rule's severity."""
    if protocol.rules["required"].severity == "error":
        return "a return without an answer to it is not accepted (it is set aside for checking)"
    return "a return without an answer to it is accepted but counted as incomplete"


def introduction(protocol: Protocol) -> tuple[str, ...]:
    """The survey's short introduction, one paragraph a string."""
    return (
        "One return is one officer's answers about one partnership: fill in one return for "
        "each partnership your service takes part in.",
        f"Who fills it in: {RESPONDENTS}, for the partnerships their service takes part in.",
        "Your name and email address are asked so that the council can contact you about "
        "your answers; personal answers are never published.",
        f"Questions marked Required must be answered: {required_meaning(protocol)}.",
    )


def answer_kind(question: Question) -> str:
    """What kind of answer a question takes, in the printed questionnaire's words, with its
    smallest and largest allowed value where the protocol sets them."""
    kind = questionnaire.TYPE_HELP[question.type]
    if question.type == "agree5":
        kind = "Choose one"
    limits = [
        f"{word} {value:g}"
        for word, value in (("at least", question.min), ("at most", question.max))
        if value is not None
    ]
    return f"{kind}, {' and '.join(limits)}" if limits else kind


def answer_options(question: Question, protocol: Protocol) -> tuple[str, ...]:
    """The answers to choose from: the options, or the agreement scale with "Don't know"."""
    if question.type == "agree5":
        return (*protocol.agree5, *protocol.agree5_missing)
    return question.options


def sections(protocol: Protocol) -> list[Section]:
    """The questions grouped by section, in the protocol's order."""
    grouped: list[tuple[str, list[QuestionView]]] = []
    for q in protocol.questions:
        if not grouped or grouped[-1][0] != q.section:
            grouped.append((q.section, []))
        grouped[-1][1].append(
            QuestionView(
                q.id,
                q.text,
                answer_kind(q),
                answer_options(q, protocol),
                q.help,
                q.required,
                q.personal,
            )
        )
    return [Section(name, tuple(views)) for name, views in grouped]


def render_html(protocol: Protocol, council_name: str) -> str:
    """The questionnaire as one accessible page (escaped: wording is config text)."""
    heading = title(protocol, council_name)
    body = pages.render(
        "questionnaire.html.j2",
        title=heading,
        introduction=introduction(protocol),
        sections=sections(protocol),
        required_meaning=required_meaning(protocol),
    )
    return pages.page(heading, body)


def description(question: QuestionView) -> str:
    """The line under a question in the Word file: its ID first, then the kind of answer,
    the help and Required. Forms takes it as the question's subtitle, which its export does
    not carry, so the column header stays the protocol's wording."""
    parts = [f"Question ID {question.id}", question.kind]
    if question.help:
        parts.append(question.help.rstrip("."))
    if question.required:
        parts.append("Required")
    if question.personal:
        parts.append("Personal: never published")
    return ". ".join(parts) + "."


def build_docx(protocol: Protocol, council_name: str) -> docx.document.Document:
    """The Word file for Microsoft Forms' Quick import: the title, the introduction, a
    heading per section, each question a numbered paragraph with its wording alone, the
    ID line under it and its options as a bulleted list beneath."""
    document = docx.Document()
    document.add_paragraph(title(protocol, council_name), style="Title")
    for paragraph in introduction(protocol):
        document.add_paragraph(paragraph)
    for section in sections(protocol):
        document.add_heading(section.name, level=1)
        for question in section.questions:
            document.add_paragraph(question.text, style="List Number")
            document.add_paragraph(description(question))
            for option in question.options:
                document.add_paragraph(option, style="List Bullet")
    return document


def write(sources: Sources, out: Path) -> list[Path]:
    """questionnaire.html and .pdf (to read and print) and questionnaire.docx (for Forms)."""
    protocol = sources.config.protocol
    council_name = sources.config.council.council_name
    written = pages.write_page(render_html(protocol, council_name), out / HTML_NAME)
    written.append(
        files.save_docx(
            build_docx(protocol, council_name),
            out / DOCX_NAME,
            title=title(protocol, council_name),
            author=council_name,
        )
    )
    return written
