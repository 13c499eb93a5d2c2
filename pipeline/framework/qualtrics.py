"""The survey as a Qualtrics import file (Advanced Format TXT), and a reader for that format.

Written from protocol.yaml, so next year's survey is built from the protocol instead of
retyped (decision D34). Each question carries its protocol ID as ``[[ID:...]]`` (its export
tag); the agreement statements of a section become one matrix whose statements are read
back from the export by their wording. ``parse_advanced_format`` reads the file back, so a
test can prove the file holds the protocol and that an export of a survey built from it
ingests with every column mapped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.framework import files
from pipeline.protocol import Protocol, Question

if TYPE_CHECKING:
    from pipeline.framework import Sources

FILE_NAME = "qualtrics_import.txt"
# The matrix's own wording: a Qualtrics export heads each statement's column
# "<this> - <statement>", and ingest matches the statement part against the protocol.
MATRIX_PROMPT = "How far do you agree with each statement about the partnership?"
_TAG = re.compile(r"^\[\[(?P<name>[A-Za-z]+)(?::(?P<value>.*))?\]\]$")


@dataclass(frozen=True)
class AdvancedQuestion:
    """One question as the file gives it: its Qualtrics type (``MC:SingleAnswer``,
    ``MC:MultipleAnswer``, ``TE``, ``Matrix``, ``DB`` for descriptive text), its ID, its
    wording, its choices (a matrix's statements) and a matrix's answers (the scale)."""

    type: str
    id: str | None
    text: str
    choices: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    block: str = ""


def block_name(section: str) -> str:
    """A section's block name: the format splits a tag on ":", so a colon in a section's
    heading ("Principles: trust") becomes " -" ("Principles - trust")."""
    return " ".join(section.replace(":", " -").split())


def _text(value: str) -> str:
    """Qualtrics reads question and choice text as HTML: one line, with <, > and & escaped."""
    return html.escape(" ".join(value.split()), quote=False)


def agree_scale(protocol: Protocol) -> tuple[str, ...]:
    """The agreement scale officers choose from: its points, then "Don't know" and the like."""
    return (*protocol.agree5, *protocol.agree5_missing)


def matrix_id(statements: list[Question]) -> str:
    """A matrix's ID: the principle its statements measure (P1) when they share one, else
    its first statement's ID with ``_grid``. Its export columns are ``<ID>_1``, ``<ID>_2``..."""
    principles = {q.principle for q in statements}
    only = next(iter(principles))
    return only if len(principles) == 1 and only else f"{statements[0].id}_grid"


def survey_items(protocol: Protocol) -> list[tuple[str, list[Question]]]:
    """The protocol's questions in order as (section, questions of one survey item): a run of
    two or more agreement statements in one section is one matrix, every other question
    its own item."""
    items: list[tuple[str, list[Question]]] = []
    for question in protocol.questions:
        last = items[-1] if items else None
        if (
            question.type == "agree5"
            and last is not None
            and last[0] == question.section
            and last[1][-1].type == "agree5"
        ):
            last[1].append(question)
        else:
            items.append((question.section, [question]))
    return items


def _question_lines(questions: list[Question], protocol: Protocol) -> list[str]:
    first = questions[0]
    if len(questions) > 1:
        lines = ["[[Question:Matrix]]", f"[[ID:{matrix_id(questions)}]]", _text(MATRIX_PROMPT)]
        lines += ["[[Choices]]", *(_text(q.text) for q in questions)]
        return [*lines, "[[Answers]]", *(_text(a) for a in agree_scale(protocol))]
    if first.type in ("single", "agree5"):
        kind = "MC:SingleAnswer"
    elif first.type == "multi":
        kind = "MC:MultipleAnswer"
    else:
        kind = "TE"
    lines = [f"[[Question:{kind}]]", f"[[ID:{first.id}]]", _text(first.text)]
    if kind.startswith("MC"):
        options = first.options or agree_scale(protocol)
        lines += ["[[Choices]]", *(_text(o) for o in options)]
    return lines


def advanced_format(protocol: Protocol) -> str:
    """The whole survey in Qualtrics Advanced Format: one block per section, each question
    with its ID, and a question's help as descriptive text just after it (Qualtrics has no
    help field, and help inside the wording would change the export's headers)."""
    lines = ["[[AdvancedFormat]]"]
    section = None
    for item_section, questions in survey_items(protocol):
        if item_section != section:
            section = item_section
            lines += ["", f"[[Block:{_text(block_name(section))}]]"]
        lines += ["", *_question_lines(questions, protocol)]
        helps = [q for q in questions if q.help]
        for question in helps:
            lines += ["", "[[Question:DB]]", _text(f"{question.id}: {question.help}")]
    return "\n".join(lines) + "\n"


@dataclass
class _Reading:
    """The question being read: its parts so far, and which part the next line adds to."""

    type: str
    block: str
    id: str | None = None
    part: str = "text"
    text: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)

    def question(self) -> AdvancedQuestion:
        return AdvancedQuestion(
            self.type,
            self.id,
            " ".join(self.text),
            tuple(self.choices),
            tuple(self.answers),
            self.block,
        )


def parse_advanced_format(text: str, sections: Iterable[str] = ()) -> list[AdvancedQuestion]:
    """Read an Advanced Format file's questions in order (blocks, page breaks and blank
    lines only place them). Unescapes the HTML the format holds text in. A block named as
    ``block_name`` names one of ``sections`` (the protocol's) is read back as that section;
    any other block keeps its name."""
    section_of = {block_name(section): section for section in sections}
    parsed: list[AdvancedQuestion] = []
    block = ""
    current: _Reading | None = None
    for raw in text.splitlines():
        line = raw.strip()
        tag = _TAG.match(line)
        if tag is None:
            if line and current is not None:
                getattr(current, current.part).append(html.unescape(line))
            continue
        name, value = tag["name"], tag["value"] or ""
        if name in ("Block", "Question") and current is not None:
            parsed.append(current.question())
            current = None
        if name == "Block":
            block = html.unescape(value)
            block = section_of.get(block, block)
        elif name == "Question":
            current = _Reading(value, block)
        elif name == "ID" and current is not None:
            current.id = value
        elif name in ("Choices", "Answers") and current is not None:
            current.part = name.lower()
    if current is not None:
        parsed.append(current.question())
    return parsed


def write(sources: Sources, out: Path) -> list[Path]:
    """qualtrics_import.txt: the survey for Qualtrics' Import Survey (Advanced Format)."""
    return [files.write_text(advanced_format(sources.config.protocol), out / FILE_NAME)]
