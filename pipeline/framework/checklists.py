"""The checklists for a partnership's life: establishing a new partnership, the annual
review, and exit (toolkit.yaml ``checklists:``, decision D35).

Each checklist's items are the evidence items of the governance headings it draws on,
worded as the printed questionnaire words its governance checklist (the question, its
number and what counts as evidence), then the stage's own items. So a heading or item
changed in toolkit.yaml changes the checklists. Written as one accessible page with its
tagged PDF (checklists.html, .pdf) and one Word file per checklist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docx

from pipeline.framework import files, pages
from pipeline.protocol import Protocol
from pipeline.questionnaire import _counts_when
from pipeline.toolkit import Toolkit
from pipeline.toolkit.checklist_model import Checklist
from pipeline.toolkit.explain import _not_evidence_words
from pipeline.toolkit.governance import EvidenceItem

if TYPE_CHECKING:  # the package imports this module to register its writer
    from pipeline.framework import Sources

PAGE_FILE = "checklists.html"
PAGE_TITLE = "Checklists for a partnership's life"
STAGE_ITEMS = "Also at this stage"
BOX = "\u2610"  # an empty ballot box, as the page's list shows it


@dataclass(frozen=True)
class Item:
    """One box to tick: what to check, and what it means when it is not in place."""

    text: str
    not_in_place: str | None = None


@dataclass(frozen=True)
class Part:
    """A checklist's heading (a governance heading's name) and its items."""

    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class StageChecklist:
    """One stage's checklist, ready to print."""

    stage: str
    title: str
    purpose: str
    parts: tuple[Part, ...]


def item_words(item: EvidenceItem, protocol: Protocol) -> Item:
    """An evidence item as the questionnaire's governance checklist words it ("Does the
    partnership keep a risk register? (Q16: Yes)"), with the words docs/toolkit.md shows
    when it is not evidenced."""
    question = protocol.by_key(item.question)
    not_in_place = _not_evidence_words(item)
    if item.missing is None and item.stale is None:  # only a blank is a gap
        not_in_place = item.unanswered
    return Item(f"{question.text} ({question.id}: {_counts_when(item)})", not_in_place)


def stage_checklist(
    stage: str, checklist: Checklist, toolkit: Toolkit, protocol: Protocol
) -> StageChecklist:
    """A stage's checklist: its headings' evidence items, then its own items."""
    headings = toolkit.governance.headings
    parts = [
        Part(headings[key].name, tuple(item_words(item, protocol) for item in headings[key].items))
        for key in checklist.headings
    ]
    if checklist.also:
        parts.append(Part(STAGE_ITEMS, tuple(Item(text) for text in checklist.also)))
    return StageChecklist(stage, checklist.title, checklist.purpose, tuple(parts))


def checklists(toolkit: Toolkit, protocol: Protocol) -> list[StageChecklist]:
    """Every stage's checklist in the toolkit's order (establish, review, exit)."""
    return [
        stage_checklist(stage, checklist, toolkit, protocol)
        for stage, checklist in toolkit.checklists.stages().items()
    ]


def docx_name(stage: str) -> str:
    return f"checklist_{stage}.docx"


def _docx(checklist: StageChecklist, council_name: str) -> Any:
    document = docx.Document()
    document.add_heading(checklist.title, level=0)
    document.add_paragraph(council_name)
    document.add_paragraph(checklist.purpose)
    for part in checklist.parts:
        document.add_heading(part.heading, level=1)
        for item in part.items:
            paragraph = document.add_paragraph(f"{BOX} {item.text}")
            if item.not_in_place:
                paragraph.add_run(f" Not in place when: {item.not_in_place}.").italic = True
    return document


def write(sources: Sources, out: Path) -> list[Path]:
    """checklists.html and .pdf (every checklist on one page) and checklist_<stage>.docx."""
    toolkit, protocol = sources.config.toolkit, sources.config.protocol
    council_name = sources.config.council.council_name
    listed = checklists(toolkit, protocol)
    body = pages.render(
        "checklists.html.j2", title=PAGE_TITLE, council_name=council_name, checklists=listed
    )
    written = pages.write_page(pages.page(PAGE_TITLE, body), out / PAGE_FILE)
    for checklist in listed:
        written.append(
            files.save_docx(
                _docx(checklist, council_name),
                out / docx_name(checklist.stage),
                title=checklist.title,
                author=council_name,
            )
        )
    return written
