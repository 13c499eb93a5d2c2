"""The partnership framework: the protocol's documents, written from config.

The committee asked for "questionnaires and checklists providing guidance and criteria for
establishing, monitoring and assessing partnership activity, a revised partnership agreement
template, a 'value for money' Partnership Assessment tool". Every one of them is written here
from protocol.yaml and toolkit.yaml, the files that drive the survey, the validation and the
scoring, so the documents can never disagree with them (decision D33).

Each run writes them under outputs/<year>/framework/ (with an agreement pre-filled for each
of the year's key partnerships); `make framework` writes them under outputs/framework/ from
the config as it is now, for next year's survey.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import paths, settings, tables
from pipeline.errors import PipelineError
from pipeline.framework import (
    agreement,
    assessment,
    checklists,
    pages,
    proposal,
    qualtrics,
    questionnaire,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sources:
    """What the documents are written from: the config in force and, when the year has been
    run, its registry and evaluation (no personal data) for the pre-filled agreements."""

    config: settings.Settings
    year: int
    registry: pd.DataFrame | None = None
    evaluation: pd.DataFrame | None = None

    @classmethod
    def load(cls, root: Path | str | None = None, year: int | None = None) -> Sources:
        """The config under ``root`` and the year's last good tables, if it has them."""
        config = settings.load(root)
        year = settings.survey_year(year, config)
        if not tables.exists("evaluation", year, root):
            return cls(config, year)
        read = {
            name: tables.read(name, year, root, personal=False)
            for name in ("registry", "evaluation")
        }
        return cls(config, year, read["registry"], read["evaluation"])


# One function per document family: each writes its files into the folder and returns them.
Writer = Callable[[Sources, Path], list[Path]]
WRITERS: tuple[Writer, ...] = (
    questionnaire.write,
    qualtrics.write,
    agreement.write,
    checklists.write,
    assessment.write,
    proposal.write,
)


# What each document is for, in the order the folder's index lists them (a file name
# pattern: several files can share one entry). A document with no entry stops the write, so
# the index never leaves one out.
DOCUMENTS: tuple[tuple[str, str], ...] = (
    (
        "questionnaire.html",
        "The survey's questionnaire as a web page: every question with its "
        "ID, options, help and whether it is required.",
    ),
    ("questionnaire.pdf", "The same questionnaire as a tagged PDF, to print or circulate."),
    (
        "questionnaire.docx",
        "The questionnaire as a Word document laid out for Microsoft Forms' Quick import.",
    ),
    (
        "qualtrics_import.txt",
        "The questionnaire as a Qualtrics Advanced Format file, to import "
        "as a new survey whose exports carry the question IDs.",
    ),
    (
        "agreement_template.docx",
        "The partnership agreement template: each section a council "
        "agreement needs, with guidance.",
    ),
    (
        "agreements/*.docx",
        "The agreement pre-filled for one key partnership from the registry "
        'and evaluation, with every gap marked "To complete".',
    ),
    (
        "checklists.html",
        "The checklists for establishing a partnership, its annual review and "
        "exit, drawn from the governance headings.",
    ),
    ("checklists.pdf", "The same checklists as a tagged PDF."),
    ("checklist_*.docx", "One checklist as a Word document to fill in."),
    (
        "assessment_form.*",
        "The value-for-money Partnership Assessment for one partnership "
        "(Word, or a spreadsheet or CSV with one row): score it with "
        "`python -m pipeline assess FILE`.",
    ),
    (
        "new_partnership_form.*",
        "The new-partnership decision aid's form (Word, or a "
        "spreadsheet or CSV with one row): judge it with `python -m pipeline propose FILE`.",
    ),
)
INDEX = "index.html"


def _described(relative: str) -> tuple[int, str]:
    """The index entry of a written file: its place in DOCUMENTS and its description."""
    for place, (pattern, description) in enumerate(DOCUMENTS):
        if fnmatch.fnmatchcase(relative, pattern):
            return place, description
    raise PipelineError(
        f"framework document {relative} has no entry in pipeline/framework DOCUMENTS: "
        "describe it there so that the folder's index lists it."
    )


def write_index(sources: Sources, out: Path, written: list[Path]) -> Path:
    """index.html: every document of the folder with what it is for, its size and a link."""
    rows = []
    for path in written:
        relative = path.relative_to(out).as_posix()
        place, description = _described(relative)
        rows.append((place, relative, description, path.stat().st_size))
    rows.sort()
    council = sources.config.council.council_name
    title = f"{council}: partnership framework documents ({sources.year})"
    body = pages.render(
        "index.html.j2",
        title=title,
        rows=[(relative, description, f"{size:,}") for _, relative, description, size in rows],
        pre_filled=sources.evaluation is not None,
    )
    return pages.write_page(pages.page(title, body), out / INDEX, pdf=False)[0]


def write_framework(sources: Sources, out: Path) -> list[Path]:
    """Write every framework document into ``out``, then its index; returns the files,
    sorted."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for writer in WRITERS:
        written += writer(sources, out)
    return sorted([*written, write_index(sources, out, sorted(written))])


def publish_framework(root: Path | str | None = None, year: int | None = None) -> list[Path]:
    """`make framework`: the documents from the config as it is now, under outputs/framework/.

    Built in a folder beside it and swapped in only when every document was written, so a
    failure (a config typo, a document that cannot be written) leaves the last good ones.
    """
    sources = Sources.load(root, year)
    target = paths.next_framework_dir(root)
    building = target.with_name(f".{target.name}-building-{os.getpid()}")
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    try:
        written = write_framework(sources, building)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if target.exists():
        target.rename(old)
    building.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    if sources.evaluation is None:
        logger.info(
            "no evaluation for %d yet: run `make report` for an agreement pre-filled for each "
            "key partnership",
            sources.year,
        )
    return [target / path.relative_to(building) for path in written]
