"""Matching an export's column headers to the protocol's question IDs.

In order: a bare question ID, the protocol's wording after normalisation, the year's
aliases, then fuzzy matching (rapidfuzz) at or above the protocol's threshold. A column can
also be one option of a multi-select question spread over one column per option
("<wording> - <option>", or the option under the wording in a second header row), the
"Other (please specify)" text of such a question, or one statement of a grid
("<title> [<statement>]", "<title> - <statement>", the statement in a second header row).
Every match is recorded with its method and score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from pipeline.ingest.values import label_key
from pipeline.protocol import Protocol

_QUESTION_ID = re.compile(r"^q(\d{1,3})$", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_HTML_TAG = re.compile(r"<[^>]{1,200}>")
_QUESTION_NUMBER = re.compile(r"^\s*(?:q(?:uestion)?\s*)?\d{1,3}\s*[.:)\-]\s+", re.IGNORECASE)
_GRID_BRACKET = re.compile(r"^(?P<title>.*)\[(?P<statement>[^\]]+)\]\s*$")
_SEPARATORS = (" - ", ": ")
_OTHER = re.compile(r"^other\b", re.IGNORECASE)
# A first-row header that is a choice's free-text box, not a question of its own.
OTHER_BOX = re.compile(r"^other\s*\((?:please\s+)?specify\)\s*:?$", re.IGNORECASE)
# Qualtrics heads the text box of an "Other" option "<question> - <option> - Text".
_TEXT_ENTRY = " - text"
# What a platform writes in a second header row under a one-answer question.
SINGLE_ANSWER_LABELS = ("response", "open-ended response")


@dataclass(frozen=True)
class ColumnMatch:
    """How one column was matched.

    kind is "answer" (the column holds the question's answer), "option" (one option of a
    multi-select, named in ``option``), "other" (a multi-select's free-text other answer)
    or "unmapped".
    """

    position: int
    header: str
    question_id: str | None
    method: str
    score: float
    kind: str = "answer"
    option: str | None = None


def normalise_header(header: str) -> str:
    """Case, punctuation, whitespace, "(£)", "&", HTML tags from rich-text question editors
    and a leading question number ("6.", "Q6:", "6)") do not distinguish two wordings."""
    text = _QUESTION_NUMBER.sub("", _HTML_TAG.sub(" ", header))
    text = text.replace("\u2019", "'").replace("&", " and ").casefold()
    text = text.replace("(\u00a3)", " ").replace("\u00a3", " ").replace("'", "")
    return _NON_WORD.sub(" ", text).strip()


def _splits(header: str) -> list[tuple[str, str]]:
    """(title, part) readings of a one-row header that names a grid statement or option."""
    found = []
    bracket = _GRID_BRACKET.match(header)
    if bracket:
        found.append((bracket["title"].strip(), bracket["statement"].strip()))
    for separator in _SEPARATORS:
        if separator in header:
            title, part = header.rsplit(separator, 1)
            found.append((title.strip(), part.strip()))
    return found


class HeaderMatcher:
    """Matches headers to question IDs for one protocol and survey year."""

    def __init__(self, protocol: Protocol, year: int) -> None:
        self.ids = set(protocol.ids)
        self.wording = {normalise_header(q.text): q.id for q in protocol.questions}
        self.aliases = {normalise_header(h): qid for h, qid in protocol.aliases_for(year).items()}
        self.threshold = protocol.fuzzy_threshold
        self.options = {
            q.id: {label_key(o): o for o in q.options} for q in protocol.of_type("multi")
        }
        self.singles = {q.id for q in protocol.of_type("single")}

    def question(self, text: str) -> tuple[str | None, str, float]:
        """One header text -> (question ID, method, score); (None, "unmapped", 0) if none."""
        text = " ".join(str(text).split())
        if not text:
            return None, "unmapped", 0.0
        id_match = _QUESTION_ID.match(text)
        if id_match and f"Q{int(id_match[1])}" in self.ids:
            return f"Q{int(id_match[1])}", "question id", 100.0
        key = normalise_header(text)
        if key in self.wording:
            return self.wording[key], "wording", 100.0
        if key in self.aliases:
            return self.aliases[key], "alias", 100.0
        found = process.extractOne(
            key, list(self.wording), scorer=fuzz.ratio, score_cutoff=self.threshold
        )
        if found:
            return self.wording[found[0]], "fuzzy", round(float(found[1]), 1)
        return None, "unmapped", 0.0

    def _option(self, position: int, header: str, title: str, part: str) -> ColumnMatch | None:
        """One option's column of a multi-select, or the "Other" text box of a choice."""
        qid, method, score = self.question(title)
        if qid is None:
            return None
        option = self.options.get(qid, {}).get(label_key(part))
        if option:
            return ColumnMatch(position, header, qid, f"{method} + option", score, "option", option)
        if (qid in self.options or qid in self.singles) and _OTHER.match(part.strip()):
            return ColumnMatch(position, header, qid, f"{method} + other", score, "other")
        return None

    def match(
        self, position: int, header: str, title: str | None = None, sub: str | None = None
    ) -> ColumnMatch:
        """Match one column, given its header and, for two-row headers, the title above it
        (the last non-blank first-row cell) and its second-row label.

        The match records the column as "<title> - <label>" when a second row names it, so
        an analyst can find an unmapped one.
        """
        if sub and sub.strip().casefold() not in SINGLE_ANSWER_LABELS:
            named = " - ".join(p for p in (header or title, sub) if p)
        else:
            named = header
        found = self._match(position, header, title, sub)
        return replace(found, header=named) if found.header != named else found

    def _match(self, position: int, header: str, title: str | None, sub: str | None) -> ColumnMatch:
        readings: list[tuple[str, str]] = []
        if header.casefold().endswith(_TEXT_ENTRY):  # Qualtrics: "<question> - Other - Text"
            readings.extend(_splits(header[: -len(_TEXT_ENTRY)]))
        if title and title != header and OTHER_BOX.match(header):  # SurveyMonkey, row 1
            readings.append((title, header))
        if sub and sub.strip().casefold() not in SINGLE_ANSWER_LABELS:
            readings.append((title or header, sub))
        else:
            qid, method, score = self.question(header)
            if qid and method != "fuzzy":
                return ColumnMatch(position, header, qid, method, score)
            readings.extend(_splits(header))
        for reading_title, part in readings:
            found = self._option(position, header, reading_title, part)
            if found:
                return found
        for _, part in readings:  # a grid statement names its own question
            qid, method, score = self.question(part)
            if qid:
                return ColumnMatch(position, header, qid, f"{method} (grid statement)", score)
        qid, method, score = self.question(header)
        return ColumnMatch(position, header, qid, method, score, "answer" if qid else "unmapped")
