"""Matching an export's column headers to the protocol's question IDs.

In order: a bare question ID, the protocol's wording after normalisation, the year's
aliases, the statement part of a grid header, then fuzzy matching (rapidfuzz) at or above
the protocol's threshold. Every match is recorded with its method and score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from pipeline.protocol import Protocol

_QUESTION_ID = re.compile(r"^q(\d{1,3})$", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Grid (matrix / Likert) headers: "<title> [<statement>]", "<title> - <statement>",
# "<title>: <statement>" — the statement is what names the question.
_GRID_BRACKET = re.compile(r"^.*\[(?P<statement>[^\]]+)\]\s*$")
_GRID_SEPARATORS = (" - ", ": ")


@dataclass(frozen=True)
class ColumnMatch:
    """How one header was matched: to a question ID (or None), by which method, how well."""

    position: int
    header: str
    question_id: str | None
    method: str
    score: float


def normalise_header(header: str) -> str:
    """Case, punctuation, whitespace, "(£)" and "&" do not distinguish two wordings."""
    text = header.replace("\u2019", "'").replace("&", " and ").casefold()
    text = text.replace("(\u00a3)", " ").replace("\u00a3", " ").replace("'", "")
    return _NON_WORD.sub(" ", text).strip()


def _candidates(header: str) -> list[str]:
    """The header itself, then the statement part of a grid header."""
    found = [header]
    bracket = _GRID_BRACKET.match(header)
    if bracket:
        found.append(bracket["statement"])
    for separator in _GRID_SEPARATORS:
        if separator in header:
            found.append(header.rsplit(separator, 1)[1])
    return found


def match_header(
    header: str, position: int, wording: dict[str, str], aliases: dict[str, str], threshold: float
) -> ColumnMatch:
    """Match one header: exact ID, exact wording, alias, grid statement, then fuzzy."""
    text = " ".join(str(header).split())
    id_match = _QUESTION_ID.match(text)
    if id_match:
        qid = f"Q{int(id_match[1])}"
        if qid in wording.values():
            return ColumnMatch(position, header, qid, "question id", 100.0)
    for method, table in (("wording", wording), ("alias", aliases)):
        for candidate in _candidates(text):
            qid = table.get(normalise_header(candidate))
            if qid:
                method_used = method if candidate == text else f"{method} (grid statement)"
                return ColumnMatch(position, header, qid, method_used, 100.0)
    best: tuple[str, float] | None = None
    for candidate in _candidates(text):
        found = process.extractOne(
            normalise_header(candidate), list(wording), scorer=fuzz.ratio, score_cutoff=threshold
        )
        if found and (best is None or found[1] > best[1]):
            best = (wording[found[0]], float(found[1]))
    if best:
        return ColumnMatch(position, header, best[0], "fuzzy", round(best[1], 1))
    return ColumnMatch(position, header, None, "unmapped", 0.0)


def match_headers(headers: Sequence[str], protocol: Protocol, year: int) -> list[ColumnMatch]:
    """Match every question header of one export (platform columns are taken out before)."""
    wording = {normalise_header(q.text): q.id for q in protocol.questions}
    aliases = {normalise_header(h): qid for h, qid in protocol.aliases_for(year).items()}
    return [
        match_header(header, position, wording, aliases, protocol.fuzzy_threshold)
        for position, header in enumerate(headers)
    ]
