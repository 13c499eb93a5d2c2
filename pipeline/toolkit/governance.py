"""Evaluate stage, governance by heading and risk controls: the toolkit's ``governance:``
and ``risk:`` sections, checked against the protocol, and read for each partnership.

The headings are the Audit Commission's for governing partnerships (Governing partnerships,
2005): rationale and purpose, added value, governance and accountability, performance
management, finance, risk, exit. Each heading lists evidence items in toolkit.yaml: a
question (by key), what counts as evidence, and the plain words shown when it is not
evidenced: ``missing`` when officers answered and the answer is not evidence, ``unanswered``
when no officer answered (still not evidence, decision D8, but not read as a "no"). A
question that none of a partnership's export files asked is "not asked": it is neither
evidence nor a gap (decision D8).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from pipeline import grouped, tables
from pipeline.config import KeyPath, Strict
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol

EvidenceKind = Literal["answer_in", "answered", "within_months", "agree_at_least", "above"]
Status = Literal["evidenced", "missing", "unanswered", "not asked"]
EVIDENCED: Status = "evidenced"
MISSING: Status = "missing"
UNANSWERED: Status = "unanswered"
NOT_ASKED: Status = "not asked"

# The settings each kind of evidence takes, and the question types it can read. Every kind
# takes ``unanswered``; ``missing`` words an answer that is not evidence, so a kind whose
# only gap is a blank (answered) or a date too old (within_months: stale) does not take it.
_KIND_SETTINGS: dict[str, tuple[str, ...]] = {
    "answer_in": ("answers", "missing"),
    "answered": (),
    "within_months": ("months", "stale"),
    "agree_at_least": ("score", "missing"),
    "above": ("value", "missing"),
}
KIND_TYPES: dict[str, tuple[str, ...]] = {
    "answer_in": ("single",),
    "answered": ("text",),
    "within_months": ("date",),
    "agree_at_least": ("agree5",),
    "above": ("money", "number"),
}
_OPTIONAL = ("answers", "months", "score", "value", "stale", "missing")

# Plain-English descriptions of the measures this module adds to the evaluation, for the
# generated method documentation (the formulas name toolkit.yaml's settings).
MEASURES: dict[str, str] = {
    "governance_<heading>_completeness": (
        "Share of the heading's evidence items that the partnership evidences, out of the "
        "items the year's survey asked; blank (not asked) when it asked none of them."
    ),
    "governance_completeness": (
        "Mean of the headings' completeness, over the headings with an item asked: each "
        "heading counts equally, however many items it has."
    ),
    "governance_band": (
        "Strength when governance_completeness >= governance.strength_from, Concern when "
        "below governance.concern_below, otherwise Borderline."
    ),
    "governance_evidenced": "Evidence items evidenced, over every heading.",
    "governance_asked": "Evidence items the year's survey asked, over every heading.",
    "governance_missing": (
        "The plain words of each item not evidenced, heading by heading: what the answer "
        "lacks, or that no officer answered."
    ),
    "uncontrolled_risk": (
        "True when the partnership's risk (the highest any officer reported) is one of "
        "risk.uncontrolled.levels and any of risk.uncontrolled.controls is not evidenced."
    ),
    "risk_controls_missing": "The plain words of the controls missing from an uncontrolled risk.",
    "main_risks": "Each officer's answer to the main-risks question, once each, joined by ' | '.",
}
MAIN_RISKS_SEPARATOR = " | "


def _placeholders(text: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as error:
        raise ValueError(f"not a valid template: {error}") from None


class EvidenceItem(Strict):
    """One piece of governance evidence: a question, what counts, and what members read
    when it is not evidenced (``missing``: answered, but not evidence; ``unanswered``: no
    officer answered the question).

    Kinds: ``answer_in`` (the partnership's answer is one of ``answers``), ``answered`` (a
    non-blank answer), ``within_months`` (a date no more than ``months`` calendar months
    before the survey's closing date; ``stale`` words a date before that, ``{date}`` being
    the month reported), ``agree_at_least`` (the mean of its officers' answers to an agree5
    statement is at least ``score``), ``above`` (a number or amount above ``value``).
    """

    question: str
    kind: EvidenceKind
    unanswered: str = Field(min_length=1)
    missing: str | None = Field(default=None, min_length=1)
    answers: Annotated[tuple[str, ...], Field(strict=False, min_length=1)] | None = None
    months: int | None = Field(default=None, ge=1)
    score: float | None = None
    value: float | None = None
    stale: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _settings_fit_kind(self) -> EvidenceItem:
        takes = _KIND_SETTINGS[self.kind]
        for setting in _OPTIONAL:
            given = getattr(self, setting) is not None
            if given and setting not in takes:
                either = f"it takes {', '.join(takes)}" if takes else "it takes no setting"
                raise ValueError(f"'{setting}' is not a setting of kind {self.kind} ({either})")
            if not given and setting in takes:
                raise ValueError(f"kind {self.kind} needs '{setting}'")
        if self.stale is not None and _placeholders(self.stale) - {"date"}:
            raise ValueError("stale may name only {date} (the month last reported)")
        for words in ("missing", "unanswered"):
            if _placeholders(getattr(self, words) or ""):
                raise ValueError(f"{words} is plain words: it names no setting in braces")
        return self

    def gap(self) -> str:
        """The words of an answer that is not evidence (for a date, its stale words with
        ``{date}``; for a question that only needs answering, its unanswered words)."""
        return self.missing or self.stale or self.unanswered

    def describe(self) -> str:
        """What counts as evidence, in plain English (for the method documentation)."""
        if self.kind == "answer_in":
            return f"{self.question} is {' or '.join(self.answers or ())}"
        if self.kind == "answered":
            return f"{self.question} is answered (not blank)"
        if self.kind == "within_months":
            return f"{self.question} is no more than {self.months} months before the survey closed"
        if self.kind == "agree_at_least":
            return f"the mean of officers' answers to {self.question} is at least {self.score:g}"
        return f"{self.question} is above {self.value:g}"


class Heading(Strict):
    """A governance heading: its name for members, the short form a table's header shows
    (with the name beside it in a key; the name itself when not given) and its evidence
    items."""

    name: str = Field(min_length=1)
    short: str | None = Field(default=None, min_length=1, max_length=12)
    items: Annotated[tuple[EvidenceItem, ...], Field(strict=False, min_length=1)]

    @property
    def abbreviation(self) -> str:
        """What a narrow table's header shows for the heading."""
        return self.short or self.name


class Governance(Strict):
    """toolkit.yaml ``governance:``: the headings, their evidence and the band thresholds."""

    strength_from: float = Field(ge=0, le=1)
    concern_below: float = Field(ge=0, le=1)
    headings: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Heading] = Field(
        min_length=1
    )

    @model_validator(mode="after")
    def _ordered(self) -> Governance:
        if self.concern_below > self.strength_from:
            raise ValueError("concern_below must not be above strength_from")
        shown = [heading.abbreviation for heading in self.headings.values()]
        twice = sorted({short for short in shown if shown.count(short) > 1})
        if twice:
            raise ValueError(f"two headings show as '{twice[0]}': give each its own short")
        return self

    def items(self) -> list[tuple[str, EvidenceItem]]:
        """Every evidence item with its heading's key, in the file's order."""
        return [(key, item) for key, heading in self.headings.items() for item in heading.items]

    @staticmethod
    def column(heading: str) -> str:
        """The evaluation column holding a heading's completeness."""
        return f"governance_{heading}_completeness"


class UncontrolledRisk(Strict):
    """A risk at one of ``levels`` without every one of ``controls`` (governance evidence
    items, named by their question) is an uncontrolled risk."""

    levels: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]
    controls: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]


class Risk(Strict):
    """toolkit.yaml ``risk:``: the levels in order, what makes a risk uncontrolled, and the
    free-text question whose answers the report shows for high-risk and key partnerships."""

    order: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]
    uncontrolled: UncontrolledRisk
    main_risks: str


# --- checked against the protocol -------------------------------------------------------


def check_against_protocol(
    governance: Governance,
    risk: Risk,
    protocol: Protocol,
    fail: Callable[[KeyPath, str], PipelineError],
) -> None:
    """Every evidence item names a question whose type fits its kind and answers that are
    its options (never one meaning "no answer"); a score is on the agree5 scale; risk's
    levels are the protocol's and its controls are governance items."""
    scale = sorted(protocol.agree5.values())
    for heading, spec in governance.headings.items():
        for index, item in enumerate(spec.items):
            where: KeyPath = ("governance", "headings", heading, "items", index)
            try:
                question = protocol.by_key(item.question)
            except KeyError:
                raise fail(
                    (*where, "question"),
                    f"'{item.question}' is no question's key in protocol.yaml.",
                ) from None
            if question.type not in KIND_TYPES[item.kind]:
                raise fail(
                    (*where, "kind"),
                    f"{item.kind} reads a {' or '.join(KIND_TYPES[item.kind])} question, but "
                    f"'{item.question}' is {question.type}.",
                )
            for number, answer in enumerate(item.answers or ()):
                if answer not in question.options:
                    raise fail(
                        (*where, "answers", number),
                        f"'{answer}' is not an option of {item.question} "
                        f"({', '.join(question.options)}).",
                    )
                if answer in protocol.agree5_missing:
                    raise fail(
                        (*where, "answers", number),
                        f"'{answer}' means no answer, so it is never evidence.",
                    )
            if item.score is not None and not scale[0] <= item.score <= scale[-1]:
                raise fail(
                    (*where, "score"),
                    f"{item.score:g} is off the agree5 scale ({scale[0]}-{scale[-1]}).",
                )
    levels = protocol.by_key("risk_level").options
    if sorted(risk.order) != sorted(levels):
        raise fail(("risk", "order"), f"must list the risk levels {', '.join(levels)} once each.")
    for index, level in enumerate(risk.uncontrolled.levels):
        if level not in levels:
            raise fail(
                ("risk", "uncontrolled", "levels", index),
                f"'{level}' is not a risk level ({', '.join(levels)}).",
            )
    evidence = {item.question for _, item in governance.items()}
    for index, control in enumerate(risk.uncontrolled.controls):
        if control not in evidence:
            raise fail(
                ("risk", "uncontrolled", "controls", index),
                f"'{control}' is no governance evidence item's question: list it under a "
                "heading first, so that what counts as the control is stated once.",
            )
    try:
        main_risks = protocol.by_key(risk.main_risks)
    except KeyError:
        raise fail(
            ("risk", "main_risks"), f"'{risk.main_risks}' is no question's key in protocol.yaml."
        ) from None
    if main_risks.type != "text":
        raise fail(("risk", "main_risks"), f"'{risk.main_risks}' is not a free-text question.")


# --- read for one partnership ---------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One evidence item as read for one partnership."""

    heading: str
    question: str
    status: Status
    words: str | None  # what is missing, in plain words (None when evidenced or not asked)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return bool(pd.isna(value))


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    following = dt.date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return dt.date(year, month + 1, min(day.day, (following - dt.timedelta(days=1)).day))


def _partnership_answer(key: str, row: pd.Series, returns: pd.DataFrame) -> Any:
    """The partnership's answer: the registry's consolidated one (decision D7) where it has
    the question, else the latest date, median number or most common text of its returns."""
    if key in row.index:
        return row[key]
    if key not in returns:
        return None
    answers = returns[key]
    given = answers[~tables.map_distinct(answers, _blank).to_numpy(dtype=bool)]
    if given.empty:
        return None
    numbers = pd.to_numeric(pd.Series(given.tolist(), dtype=object), errors="coerce")
    if numbers.notna().all():
        return float(numbers.median())
    counted = tables.map_distinct(given, str).value_counts()
    counts = Counter({str(v): int(n) for v, n in counted.items()})
    return sorted(counts, key=lambda v: (-counts[v], v))[0]


def _agreement_status(item: EvidenceItem, mean: float | None) -> tuple[Status, str | None]:
    """An agree_at_least item from the mean of its officers' answers (None: none answered)."""
    if mean is None:
        return UNANSWERED, item.unanswered
    enough = mean >= (item.score or 0)
    return (EVIDENCED, None) if enough else (MISSING, item.missing)


def _answer_status(item: EvidenceItem, answer: Any, as_of: dt.date) -> tuple[Status, str | None]:
    """Any other item from the partnership's answer (``_partnership_answer``)."""
    if _blank(answer):
        return UNANSWERED, item.unanswered
    if item.kind == "answer_in":
        evidenced = answer in (item.answers or ())
    elif item.kind == "answered":
        evidenced = True
    elif item.kind == "above":
        number = pd.to_numeric(pd.Series([answer]), errors="coerce").iloc[0]
        evidenced = not math.isnan(number) and number > (item.value or 0)
    else:
        reported = dt.date.fromisoformat(str(answer)[:10])
        if reported >= months_before(as_of, item.months or 0):
            return EVIDENCED, None
        return MISSING, item.gap().format(date=f"{reported:%B %Y}")
    return (EVIDENCED, None) if evidenced else (MISSING, item.gap())


def read_item(
    item: EvidenceItem, row: pd.Series, returns: pd.DataFrame, as_of: dt.date
) -> tuple[Status, str | None]:
    """Whether the partnership evidences the item, with the plain words when it does not:
    ``unanswered`` when no officer answered the question, else ``missing`` (or ``stale``).

    ``row`` is its registry row (answers by key); ``returns`` its returns (agree5 statements
    are per return: the mean of its officers' answers is compared, decision D8)."""
    if item.kind == "agree_at_least":
        column = returns[item.question] if item.question in returns else pd.Series(dtype=float)
        answers = pd.to_numeric(column, errors="coerce").dropna()
        return _agreement_status(item, None if answers.empty else float(answers.mean()))
    return _answer_status(item, _partnership_answer(item.question, row, returns), as_of)


def asking_returns(
    question: str, returns: pd.DataFrame, asked: Mapping[str, Collection[str]] | None
) -> pd.DataFrame:
    """The returns whose export file asked the question (by ``source_file``); every return
    when ``asked`` is None. ``asked``: each export file's question keys (ingest.asked_by_file).
    """
    if asked is None:
        return returns
    if "source_file" not in returns:
        if not returns.empty:
            raise ValueError("returns need source_file to be read against the files that asked")
        return returns
    files = returns["source_file"]
    present = files.unique().tolist()  # a few export files: looked up once each, not per row
    unknown = sorted(set(present) - set(asked))
    if unknown:
        raise PipelineError(
            f"Returns from {', '.join(map(str, unknown))} are not in the year's column map; "
            "run 01_ingest again so that every return's export file is known."
        )
    asking = [file for file in present if question in asked[file]]
    # most often every file asked: no copy of the returns per item and partnership
    return returns if len(asking) == len(present) else returns[files.isin(asking)]


def assess(
    row: pd.Series,
    returns: pd.DataFrame,
    governance: Governance,
    as_of: dt.date,
    asked: Mapping[str, Collection[str]] | None = None,
) -> list[Evidence]:
    """Every evidence item for one partnership, in the toolkit's order.

    ``asked`` maps each export file to the question keys it had a column for (None: every
    file asked everything). An item is read over the returns whose file asked its question
    only, and is "not asked" when none did: a partnership reported only on an older form
    is not marked down for a question that form did not have."""
    found = []
    for heading, item in governance.items():
        asking = asking_returns(item.question, returns, asked)
        if asked is not None and asking.empty:
            found.append(Evidence(heading, item.question, NOT_ASKED, None))
            continue
        status, words = read_item(item, row, asking, as_of)
        found.append(Evidence(heading, item.question, status, words))
    return found


@dataclass(frozen=True)
class ReturnsRead:
    """What every partnership's returns say for each evidence item (``read_returns``):
    per item, whether no return of the partnership's was asked it, and what its returns
    read (an agree_at_least item's mean, else the answer when the registry does not hold
    the question; None when none answered)."""

    position: dict[Any, int]  # partnership_id -> its place in the lists below
    not_asked: list[list[bool]]  # per item, per partnership
    reading: list[list[Any]]  # per item, per partnership


def _unknown_files(
    returns: pd.DataFrame, asked: Mapping[str, Collection[str]], order: Iterable[Any]
) -> None:
    """``asking_returns``' check for every partnership at once: the first partnership (in
    ``order``) with a return from a file the column map does not know stops the stage."""
    files = returns["source_file"]
    unknown = ~files.isin(list(asked)).to_numpy()
    if not unknown.any():
        return
    strays = returns.loc[unknown, ["partnership_id", "source_file"]]
    for partnership_id in order:
        found = strays.loc[strays["partnership_id"] == partnership_id, "source_file"]
        if not found.empty:
            names = sorted(set(found.unique().tolist()))
            raise PipelineError(
                f"Returns from {', '.join(map(str, names))} are not in the year's column "
                "map; run 01_ingest again so that every return's export file is known."
            )


def _returns_answers(answers: pd.Series, asking: np.ndarray, groups: grouped.Groups) -> list[Any]:
    """``_partnership_answer`` from the returns, for every partnership at once: the median
    when every answer given is a number, else the most common text (ties to the first in
    text order); None when none answered."""
    kept = asking & ~tables.map_distinct(answers, _blank).to_numpy(dtype=bool)
    values = pd.to_numeric(pd.Series(answers.tolist(), dtype=object), errors="coerce")
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    given = groups.count(kept)
    numeric = given == groups.count(kept & ~np.isnan(numbers))
    medians = groups.medians(np.where(kept, numbers, np.nan)).tolist()
    texts = pd.DataFrame(
        {"group": groups.codes, "text": tables.map_distinct(answers, str).to_numpy()}
    )[kept & (groups.codes >= 0)]
    counted = texts.groupby(["group", "text"], sort=False).size().rename("n").reset_index()
    commonest = counted.sort_values(
        ["group", "n", "text"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("group")
    common = dict(zip(commonest["group"].tolist(), commonest["text"].tolist(), strict=True))
    return [
        None if not given[at] else medians[at] if numeric[at] else common[at]
        for at in range(len(groups.labels))
    ]


def read_returns(
    returns: pd.DataFrame,
    governance: Governance,
    held: Collection[str],
    asked: Mapping[str, Collection[str]] | None = None,
    order: Iterable[Any] = (),
) -> ReturnsRead:
    """``assess``'s reading of the returns for every partnership at once (by
    partnership_id), so that assessing each is a few look-ups (``assess_read``): the
    returns are grouped once, never sliced per partnership. ``held``: the questions the
    registry row holds (read from the row, not the returns); ``order``: the partnerships
    in the order assessed (which one an unknown export file is reported for)."""
    groups = grouped.group_rows(returns["partnership_id"])
    everyone = np.ones(len(returns), dtype=bool)
    if asked is not None and "source_file" not in returns and not returns.empty:
        raise ValueError("returns need source_file to be read against the files that asked")
    if asked is not None and not returns.empty:
        _unknown_files(returns, asked, order)
        # each return's export file as a code, once: an item's asking returns are those
        # whose file's code is among the files that asked it (``isin`` on the names)
        file_codes, distinct_files = pd.factorize(returns["source_file"], use_na_sentinel=True)
        file_names = np.asarray(distinct_files, dtype=object).tolist()
    not_asked, reading = [], []
    for _, item in governance.items():
        asking = everyone
        if asked is not None and not returns.empty:
            files = {file for file in asked if item.question in asked[file]}
            asking = np.isin(file_codes, [c for c, f in enumerate(file_names) if f in files])
        none_asking = groups.count(asking) == 0
        not_asked.append((none_asking & (asked is not None)).tolist())
        if item.kind == "agree_at_least":
            if item.question in returns:
                numbers = grouped.numbers(returns[item.question])
            else:
                numbers = np.full(len(returns), np.nan)
            means, counts = groups.means(np.where(asking, numbers, np.nan))
            reading.append(
                [None if n == 0 else m for m, n in zip(means.tolist(), counts, strict=True)]
            )
        elif item.question in held or item.question not in returns:
            reading.append([None] * len(groups.labels))
        else:
            reading.append(_returns_answers(returns[item.question], asking, groups))
    position = {label: at for at, label in enumerate(groups.labels.tolist())}
    return ReturnsRead(position, not_asked, reading)


def assess_read(
    row: pd.Series | Mapping[str, Any], read: ReturnsRead, governance: Governance, as_of: dt.date
) -> list[Evidence]:
    """``assess`` for one partnership from ``read_returns``' reading: the same evidence.
    ``row``: its registry row, as a Series or a dict (``grouped.records``)."""
    at = read.position[row["partnership_id"]]
    found = []
    for number, (heading, item) in enumerate(governance.items()):
        if read.not_asked[number][at]:
            found.append(Evidence(heading, item.question, NOT_ASKED, None))
            continue
        if item.kind == "agree_at_least":
            status, words = _agreement_status(item, read.reading[number][at])
        else:
            answer = row[item.question] if item.question in row else read.reading[number][at]
            status, words = _answer_status(item, answer, as_of)
        found.append(Evidence(heading, item.question, status, words))
    return found


def completeness(evidence: list[Evidence], governance: Governance) -> dict[str, float | None]:
    """Each heading's share of asked items evidenced (None when none was asked), then
    ``overall``: the mean over headings with a share, so each heading counts equally."""
    shares: dict[str, float | None] = {}
    for heading in governance.headings:
        counted = [e for e in evidence if e.heading == heading and e.status != NOT_ASKED]
        shares[heading] = (
            sum(e.status == EVIDENCED for e in counted) / len(counted) if counted else None
        )
    known = [s for s in shares.values() if s is not None]
    shares["overall"] = round(sum(known) / len(known), 9) if known else None
    return shares


def governance_band(share: float | None, governance: Governance, labels: dict[str, str]) -> str:
    """Strength from strength_from, concern below concern_below, else borderline; a
    partnership with nothing asked has no band ("none")."""
    if share is None:
        return labels["none"]
    if share >= governance.strength_from:
        return labels["strength"]
    if share < governance.concern_below:
        return labels["concern"]
    return labels["borderline"]


def uncontrolled(risk_level: Any, evidence: list[Evidence], risk: Risk) -> list[str]:
    """The plain words of each control missing from a risk at an uncontrolled level; empty
    when the risk is lower or every control asked is evidenced (a control not asked is no
    gap)."""
    if risk_level not in risk.uncontrolled.levels:
        return []
    missing = []
    for control in risk.uncontrolled.controls:
        for found in evidence:
            if found.question == control and found.words and found.words not in missing:
                missing.append(found.words)
    return missing


# An email address typed into a free-text answer: the evaluation is published (the report,
# its profiles), so an address an officer typed there is replaced by EMAIL_REMOVED.
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[A-Za-z]{2,}")
EMAIL_REMOVED = "[email address removed]"


def without_emails(text: str) -> str:
    """``text`` with every email address in it replaced by EMAIL_REMOVED."""
    return _EMAIL.sub(EMAIL_REMOVED, text)


NAME_REMOVED = "[name removed]"
# The column of returns holding who answered (a personal column: never published).
RESPONDENT_NAME = "respondent_name"


# Characters other than ASCII that Python's re, ignoring case, takes for an ASCII letter
# (dotted and dotless i, the long s, the Kelvin sign): a word is looked up under the letters
# re would take it for (a test checks this list against re over every character).
_ASCII_LOOKALIKES = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_WORD = re.compile(r"\w+")


def _word_key(word: str) -> str:
    """A run of word characters as ``name_remover`` looks it up: ASCII, lower case."""
    return word.translate(_ASCII_LOOKALIKES).lower()


def _typed_name(name: Any) -> str | None:
    """A respondent's name as matched: spacing tidied; None when blank."""
    if _blank(name) or not str(name).strip():
        return None
    return " ".join(str(name).split())


def _name_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """One alternation of ``names`` (in the order given), each a whole word, any case and
    any spacing between its words."""
    alternatives = "|".join(r"\s+".join(map(re.escape, name.split())) for name in names)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def name_remover(names: Iterable[Any]) -> Callable[[Any], Any]:
    """A function that replaces, in a free-text answer, every whole-word mention of one of
    ``names`` (any case, any spacing) by NAME_REMOVED: a respondent's name an officer typed
    into an answer must not reach the published evaluation. Blank answers stay blank.

    The longest name found at a place is removed (the names are one alternation, longest
    first). Each text is searched for the few names that can be in it, not for every
    respondent's: an ASCII name can only match where the text has each of its runs of
    word characters as a whole run (its word boundaries, spaces and other characters put
    them there), so it is filed under its least shared run and searched for when the text
    has every one of its runs (looked up by ``_word_key``); a name with other characters
    is always searched for. Which names are searched for never changes what is removed:
    a name left out matches nowhere in the text."""
    given = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
    typed = sorted(
        {name for name in tables.map_distinct(given, _typed_name) if isinstance(name, str)},
        key=len,
        reverse=True,
    )
    if not typed:
        return lambda words: words
    runs = [
        frozenset(run.lower() for run in _WORD.findall(name)) if name.isascii() else frozenset()
        for name in typed
    ]
    shared = Counter(run for name_runs in runs for run in name_runs)
    by_word: dict[str, list[int]] = {}
    always: list[int] = []
    for number, name_runs in enumerate(runs):
        if name_runs:
            rarest = min(name_runs, key=lambda run: (shared[run], run))
            by_word.setdefault(rarest, []).append(number)
        else:
            always.append(number)
    patterns: dict[tuple[int, ...], re.Pattern[str]] = {}
    keys: dict[str, str] = {}  # each word's _word_key, worked out once

    def remove(words: Any) -> Any:
        if _blank(words):
            return words
        text = str(words)
        present = set()
        for word in _WORD.findall(text):
            if word not in keys:
                keys[word] = _word_key(word)
            present.add(keys[word])
        found = set(always)
        for run in present:
            found.update(n for n in by_word.get(run, ()) if runs[n] <= present)
        if not found:
            return text
        chosen = tuple(sorted(found))  # in the order of ``typed``: longest first
        if chosen not in patterns:
            patterns[chosen] = _name_pattern(typed[number] for number in chosen)
        return patterns[chosen].sub(NAME_REMOVED, text)

    return remove


def distinct_answers(answers: pd.Series) -> pd.Series:
    """Each distinct answer once, in return order. Values that are equal but not of one
    kind (1, 1.0 and True in an object column mixing kinds) are different answers: each is
    kept, as it is written differently. A column of text or of one dtype is deduplicated as
    it is."""
    if answers.dtype == object and pd.api.types.infer_dtype(answers, skipna=True) != "string":
        kinds = answers.map(lambda value: type(value).__qualname__)
        return answers[~pd.DataFrame({"answer": answers, "kind": kinds}).duplicated()]
    return answers.drop_duplicates()


def officers_words(returns: pd.DataFrame, question: str) -> str | None:
    """Each officer's answer to a free-text question as typed, once each (spacing and case
    aside), in return order, joined by " | "; None when none answered or the question is
    not in the returns. Only the answers: never who gave them, and no email address typed
    in them (the evaluation is published)."""
    if question not in returns:
        return None
    seen: dict[str, str] = {}
    for text in distinct_answers(returns[question]):
        if not _blank(text):
            typed = without_emails(" ".join(str(text).split()))
            seen.setdefault(typed.casefold(), typed)
    return MAIN_RISKS_SEPARATOR.join(seen.values()) or None


def _typed_words(text: Any) -> str | None:
    """An officer's free-text answer as published: spacing tidied, no email address."""
    return None if _blank(text) else without_emails(" ".join(str(text).split()))


def officers_words_by_partnership(
    returns: pd.DataFrame, question: str, groups: grouped.Groups
) -> list[str | None]:
    """``officers_words`` for every partnership of ``groups`` at once (each distinct answer
    tidied once; no slice of the returns per partnership)."""
    if question not in returns:
        return [None] * len(groups.labels)
    answers = returns[question]
    columns = {"group": groups.codes, "answer": answers.to_numpy(dtype=object)}
    if answers.dtype == object and pd.api.types.infer_dtype(answers, skipna=True) != "string":
        columns["kind"] = answers.map(lambda value: type(value).__qualname__).to_numpy()
    distinct = ~pd.DataFrame(columns).duplicated().to_numpy()
    typed = tables.map_distinct(answers, _typed_words)
    kept = distinct & typed.notna().to_numpy() & (groups.codes >= 0)
    folded = tables.map_distinct(typed[kept], str.casefold).to_numpy()
    first = ~pd.DataFrame({"group": groups.codes[kept], "folded": folded}).duplicated()
    kept[np.flatnonzero(kept)[~first.to_numpy()]] = False
    return groups.joined(typed.to_numpy(dtype=object), kept, MAIN_RISKS_SEPARATOR)


def main_risks(returns: pd.DataFrame, risk: Risk) -> str | None:
    """Each officer's main risks as typed, once each (spacing aside), in return order."""
    return officers_words(returns, risk.main_risks)
