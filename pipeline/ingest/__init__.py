"""Ingest stage: survey exports (data/raw/<year>/) -> one typed row per return (returns.csv).

Reads each export as it comes (layout, encoding, sheet), maps its columns to question IDs,
reads each answer by its question's type, keeps provenance (source file and row) on every
row, and flags copies of a return so that each return is counted once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.core.internals.construction import convert_object_array

from pipeline import paths, tables
from pipeline.errors import PipelineError
from pipeline.ingest import distinct, values
from pipeline.ingest.columns import ColumnMatch, HeaderMatcher
from pipeline.ingest.layouts import CellNote, RawExport, column_letter, read_export
from pipeline.ingest.text import shown
from pipeline.protocol import Protocol, Question
from pipeline.tables import (
    cell_text,
    has_other,
    other_option,
    returns_columns,
)

logger = logging.getLogger(__name__)

_ERROR_WORDS = {
    "money": "money",
    "hours": "a number of hours",
    "date": "a date",
    "agree5": "an agreement level",
    "timestamp": "a date and time",
}
_SHOWN = 60  # characters of a cell shown in a parse error; a longer one is cut, its length said
# Answers that name something (matched into partnerships): one without a letter or digit is
# blank (decision D25).
_NAME_KEYS = frozenset({"partnership_name"})
NOTE_COLUMNS = ["source_file", "source_row", "column", "note"]
UNHEADED = "(no header)"  # the column map's header for a column with none
# Platform columns whose values are personal: a note on them does not repeat the value.
_PERSONAL_ROLES = {"name", "first_name", "last_name", "email"}


@dataclass(frozen=True)
class Ingested:
    """What ingest produced: the returns, every column's match, a count per file, and every
    cell changed on reading (control characters removed, bytes re-read: decision D22)."""

    returns: pd.DataFrame
    column_map: pd.DataFrame
    files: pd.DataFrame
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOTE_COLUMNS))


def _clashes(matches: list[ColumnMatch]) -> list[list[ColumnMatch]]:
    """Columns that claim the same answer: two for one question (or one option), or
    option columns beside a whole-answer column for the same question."""
    slots: dict[tuple[str, str | None], list[ColumnMatch]] = {}
    for found in matches:
        if found.question_id:
            slot = found.option if found.kind == "option" else found.kind
            slots.setdefault((found.question_id, slot), []).append(found)
    clashes = [claims for claims in slots.values() if len(claims) > 1]
    for (qid, slot), claims in slots.items():
        if slot not in ("answer", "other") and (qid, "answer") in slots:
            clashes.append(slots[(qid, "answer")] + claims)
    return sorted(clashes, key=lambda found: found[0].position)


def map_columns(raw: RawExport, matcher: HeaderMatcher) -> list[ColumnMatch]:
    """Match each question column; two columns answering one question is an error."""
    matches = [matcher.match(*column) for column in raw.question_columns]
    clashes = _clashes(matches)
    if clashes:
        found = clashes[0]
        headers = " and ".join(f"column {m.position + 1} {m.header!r}" for m in found)
        raise PipelineError(
            f"{raw.path.name}: {headers} both map to {found[0].question_id}; rename one "
            "header or add an alias for the right one in config/protocol.yaml."
        )
    return matches


def _check_required(raw: RawExport, matches: list[ColumnMatch], protocol: Protocol) -> None:
    mapped = {m.question_id for m in matches}
    missing = [q for q in protocol.questions if q.required and q.id not in mapped]
    if missing:
        named = "; ".join(f"{q.id} {q.text!r}" for q in missing)
        raise PipelineError(
            f"{raw.path.name}: required question(s) missing: {named}. Add the column, or an "
            f"alias for its header under 'aliases' in config/protocol.yaml."
        )


def read_answer(question: Question, cell: Any, protocol: Protocol) -> values.Reading:
    """Read one cell by its question's type (the council's value conventions)."""
    if question.type == "money":
        return values.read_money(
            cell,
            zero_words=protocol.money_zero_words,
            missing_words=protocol.money_missing_words,
            approximate_words=protocol.approximate_words,
            largest=_largest(protocol, "money"),
        )
    if question.type == "number":
        return values.read_hours(cell, largest=_largest(protocol, "number"))
    if question.type == "date":
        return values.read_date(cell)
    if question.type == "single":
        return values.read_single(cell, question.options)
    if question.type == "multi":
        return values.read_multi(cell, question.options)
    if question.type == "agree5":
        return values.read_agree5(cell, protocol.agree5, protocol.agree5_missing)
    if question.key in _NAME_KEYS:
        return values.read_name(cell)
    return values.read_text(cell)


def parse_error(question: Question, cell: Any, reading: values.Reading) -> str:
    """One phrase of parse_errors: the question, the text as typed, what it should have
    been and why, when the reader says (a number beyond its bound names it, D23)."""
    typed = str(cell).strip()
    shown = (
        repr(typed) if len(typed) <= _SHOWN else f"{typed[:_SHOWN]!r}... ({len(typed)} characters)"
    )
    phrase = f"{question.id}: could not read {shown} as {_ERROR_WORDS[reading.error or '']}"
    return f"{phrase}: {reading.reason}" if reading.reason else phrase


def _largest(protocol: Protocol, answer_type: str) -> values.Limit:
    """The bound on one answer of a type, with the setting that holds it (D23)."""
    return values.Limit(
        protocol.largest_answer[answer_type],
        f"largest_answer.{answer_type} in config/protocol.yaml",
    )


def _column_labels(
    raw: RawExport, matches: list[ColumnMatch], protocol: Protocol
) -> dict[int, tuple[str, bool]]:
    """How a note names each column, and whether it may show the value: a question by its
    ID (so that validation counts the note under that question), a platform column by its
    role, any other column by number and header; personal values are never repeated."""
    personal = set(protocol.personal_ids)
    labels: dict[int, tuple[str, bool]] = {}
    for position, header in enumerate(raw.headers):
        named = f"column {position + 1} ({column_letter(position)}) {header or '(no header)'!r}"
        labels[position] = (named, False)  # never read: its value does not matter
    mapped = {m.question_id for m in matches if m.question_id and m.kind in ("answer", "option")}
    for role, position in raw.platform.items():
        fills = {"name": "respondent_name", "email": "respondent_email"}.get(role)
        label = protocol.id_of(fills) if fills and protocol.id_of(fills) not in mapped else role
        labels[position] = (label, role not in _PERSONAL_ROLES)
    for found in matches:
        if found.question_id:
            labels[found.position] = (found.question_id, found.question_id not in personal)
    return labels


def note_phrase(note: CellNote, labels: dict[int, tuple[str, bool]], last_header_row: int) -> str:
    """One changed cell in words: the column, what was done and (unless personal) the
    value it became; a header cell says so."""
    label, show = labels.get(note.position, (f"column {note.position + 1}", False))
    if note.row <= last_header_row:
        label, show = f"{label} header", True
    became = f"; now {shown(note.value)}" if show else " (personal: value not shown)"
    return f"{label}: {note.note}{became}"


def _text_or_none(cell: Any) -> str | None:
    """A platform cell as stripped text, or None when it holds none."""
    if type(cell) is str:  # text that shows something is read as itself (read_text)
        stripped = cell.strip()
        if stripped and not values.invisible_only(stripped[0]):
            return stripped
    value = values.read_text(cell).value
    return value.strip() if isinstance(value, str) and value.strip() else None


def _platform_texts(raw: RawExport, role: str) -> np.ndarray:
    """A platform column's cells as stripped text (None when blank or not in the export)."""
    if role not in raw.platform:
        return np.full(raw.length, None, dtype=object)
    codes, cells = raw.distinct(raw.platform[role])
    return distinct.spread(codes, [_text_or_none(cell) for cell in cells], _text_or_none(None))


def _respondents(raw: RawExport) -> tuple[np.ndarray, np.ndarray]:
    """The platform's respondent name and email per row; "anonymous" means none."""
    if "name" in raw.platform:
        names = _platform_texts(raw, "name")
    else:
        first, last = (
            pd.Series(_platform_texts(raw, role), dtype=object)
            for role in ("first_name", "last_name")
        )
        both = (first.fillna("") + " " + last.fillna("")).str.strip()
        names = both.where(both != "", None).to_numpy(dtype=object)
    emails = distinct.map_distinct(
        _platform_texts(raw, "email"),
        lambda email: None if email and email.casefold() == "anonymous" else email,
    )
    return names, emails


def _completion(flag: str | None) -> str | None:
    """The platform's completion flag as yes / no (empty when the export has none)."""
    if flag is None:
        return None
    return "yes" if flag.casefold() in ("true", "1", "yes", "complete", "completed") else "no"


def _platform_times(raw: RawExport, role: str) -> tuple[np.ndarray, list[values.Reading]]:
    """A platform time column's codes into its distinct cells' readings."""
    if role not in raw.platform:
        return np.full(raw.length, -1), []
    codes, cells = raw.distinct(raw.platform[role])
    day_first = not values.timestamps_are_month_first(cells)
    return codes, [values.read_timestamp(cell, day_first=day_first) for cell in cells]


def _selected(cell: Any) -> bool:
    """A one-column-per-option cell is ticked when it holds the label, 1 or True."""
    if values.is_blank(cell):
        return False
    return str(cell).strip().casefold() not in ("0", "false", "no")


def _other_text(cell: Any) -> str | None:
    return None if values.is_blank(cell) else values.read_text(cell).value


def _answer_columns(
    raw: RawExport, matches: list[ColumnMatch], protocol: Protocol
) -> tuple[dict[str, tuple[np.ndarray, list[Any]]], dict[str, np.ndarray]]:
    """Each question's cells as codes into its distinct cells, and its "other" box's text;
    options spread over columns are joined as one typed answer (the ticked options in the
    protocol's order)."""
    answers: dict[str, tuple[np.ndarray, list[Any]]] = {}
    others: dict[str, np.ndarray] = {}
    spread: dict[str, dict[str, np.ndarray]] = {}
    for match in matches:
        if match.question_id is None:
            continue
        codes, cells = raw.distinct(match.position)
        if match.kind == "answer":
            answers[match.question_id] = (codes, cells)
        elif match.kind == "option":
            ticked = spread.setdefault(match.question_id, {})
            if match.option is not None:
                mask = distinct.spread_bool(codes, [_selected(cell) for cell in cells])
                ticked[match.option] = ticked.get(match.option, False) | mask
        elif match.kind == "other":
            others[match.question_id] = distinct.spread(
                codes, [_other_text(cell) for cell in cells]
            )
    for qid, ticked in spread.items():
        options = [o for o in protocol.question(qid).options if o in ticked]
        code = np.zeros(raw.length, dtype=np.int64)
        for bit, option in enumerate(options):
            code |= ticked[option].astype(np.int64) << bit
        found, inverse = np.unique(code, return_inverse=True)
        labels = [
            "; ".join(o for bit, o in enumerate(options) if int(number) >> bit & 1) or None
            for number in found
        ]
        answers[qid] = (inverse.reshape(-1), labels)
    return answers, others


def _other_answer(qid: str, typed: str | None) -> str | None:
    return f"{qid}: other answer {typed!r}" if typed else None


def _phrases(codes: np.ndarray, per_distinct: list[str | None]) -> np.ndarray | None:
    """One phrase per row from its distinct cell's phrase; None when no cell has one."""
    if not any(per_distinct):
        return None
    return distinct.spread(codes, per_distinct)


def _note_phrases(raw: RawExport, labels: dict[int, tuple[str, bool]]) -> np.ndarray:
    """Each row's reading notes in words, joined, in file order (None: no note)."""
    phrases = np.full(raw.length, None, dtype=object)
    at = {source_row: index for index, source_row in enumerate(raw.source_rows)}
    for note in raw.notes:
        index = at.get(note.row)
        if index is None:
            continue
        phrase = note_phrase(note, labels, raw.last_header_row)
        phrases[index] = phrase if phrases[index] is None else f"{phrases[index]} | {phrase}"
    return phrases


def parse_export(raw: RawExport, matches: list[ColumnMatch], protocol: Protocol) -> pd.DataFrame:
    """One row per return with provenance, typed answers and the phrases of what failed.

    Read column by column, each distinct cell once (:mod:`.distinct`); the phrases of a
    row keep their order: reading notes, then each question's in questionnaire order.
    """
    length = raw.length
    mapped = {m.question_id for m in matches if m.question_id and m.kind in ("answer", "option")}
    labels = _column_labels(raw, matches, protocol)
    answers, others = _answer_columns(raw, matches, protocol)
    errors: list[np.ndarray] = []
    warnings: list[np.ndarray] = [_note_phrases(raw, labels)]
    record: dict[str, np.ndarray] = {}
    for question in protocol.questions:
        qid = question.id
        codes, found = answers.get(qid, (np.full(length, -1), []))
        readings = [read_answer(question, cell, protocol) for cell in found]
        blank = read_answer(question, None, protocol)
        value = distinct.spread(codes, [r.value for r in readings], blank.value)
        typed_other = others.get(qid, np.full(length, None, dtype=object))
        has_typed_other = distinct.truthy(typed_other)
        if has_other(question):  # the "Other (please specify)" text, under Qn_other
            reading_other = distinct.spread(codes, [r.other for r in readings], blank.other)
            kept = pd.Series(typed_other).where(has_typed_other, None)
            extra = pd.Series(reading_other).where(distinct.truthy(reading_other), None)
            record[f"{qid}_other"] = distinct.joined(
                [kept.to_numpy(dtype=object), extra.to_numpy(dtype=object)], length, "; "
            )
            if question.type == "single":
                fill = has_typed_other & ~distinct.truthy(value)
                value[fill] = other_option(question)
        elif has_typed_other.any():  # a choice without an Other option: kept as a warning
            warnings.append(
                distinct.map_distinct(typed_other, functools.partial(_other_answer, qid))
            )
        record[qid] = value
        error = _phrases(
            codes,
            [
                parse_error(question, c, r) if r.error else None
                for c, r in zip(found, readings, strict=True)
            ],
        )
        if error is not None:
            errors.append(error)
        warning = _phrases(codes, [f"{qid}: {r.warning}" if r.warning else None for r in readings])
        if warning is not None:
            warnings.append(warning)
    names, emails = _respondents(raw)
    for key, filled in (("respondent_name", names), ("respondent_email", emails)):
        qid = protocol.id_of(key)  # the platform's respondent columns fill these
        if qid not in mapped:
            record[qid] = filled
    stamp_codes, stamps = _platform_times(raw, "submitted_at")
    stamp_error = _phrases(
        stamp_codes,
        [
            f"submitted_at: could not read {stamp.value!r} as a date and time"
            if stamp.error
            else None
            for stamp in stamps
        ],
    )
    if stamp_error is not None:
        errors.append(stamp_error)
    source_rows = pd.Series(raw.source_rows, dtype="int64")
    fallback_ids = f"{raw.path.stem}-" + source_rows.astype(str)
    platform_ids = pd.Series(_platform_texts(raw, "response_id"), dtype=object)
    provenance = {
        "response_id": platform_ids.where(platform_ids.notna(), fallback_ids).to_numpy(object),
        "submitted_at": distinct.spread(
            stamp_codes, [cell_text(stamp.value) or None for stamp in stamps]
        ),
        "source_file": np.full(length, raw.path.name, dtype=object),
        "source_row": source_rows.to_numpy(dtype=object),
        "row_key": (f"{raw.path.name}:" + source_rows.astype(str)).to_numpy(dtype=object),
        "complete": distinct.map_distinct(_platform_texts(raw, "complete"), _completion),
        "parse_errors": distinct.joined(errors, length),
        "parse_warnings": distinct.joined(warnings, length),
        "duplicate_of": np.full(length, None, dtype=object),
    }
    record |= provenance
    ordered = returns_columns(protocol)
    if not length:
        frame = pd.DataFrame.from_records([], columns=ordered)
        return frame.astype({"source_row": "int64"})
    # What DataFrame.from_records makes of the rows, column by column: each column's
    # objects converted (numbers, text) as it converts them, without a tuple per row.
    converted = convert_object_array(
        [np.asarray(record[column], dtype=object) for column in ordered], dtype=None
    )
    frame = pd.DataFrame(dict(zip(ordered, converted, strict=True)))
    return frame.astype({"source_row": "int64"})


def _is_code(answer: Any) -> bool:
    return isinstance(answer, str) and answer.strip().isdigit()


def _refuse_numeric_export(raw: RawExport, returns: pd.DataFrame, protocol: Protocol) -> None:
    """A Qualtrics "numeric values" export codes choices as numbers: ask for choice text."""
    singles = [q.id for q in protocol.of_type("single") if returns[q.id].notna().any()]
    if not singles:
        return
    coded = pd.DataFrame(
        {
            qid: distinct.map_distinct(returns[qid].to_numpy(dtype=object), _is_code).astype(bool)
            for qid in singles
        }
    )
    answered = int(returns[singles].notna().to_numpy().sum())
    if answered and int(coded.to_numpy().sum()) > answered / 2:
        raise PipelineError(
            f"{raw.path.name}: this {raw.layout} export holds answer codes (numbers) instead "
            'of answer labels; download it again choosing "choice text", not "numeric values".'
        )


def _answers_key(returns: pd.DataFrame, protocol: Protocol) -> pd.Series:
    """One hash per row of all its answers (as written), to find identical returns: what
    ``pd.util.hash_pandas_object`` gives for the table of the answers' texts (index left
    out), each column's distinct texts hashed once and the columns combined as it does."""
    columns = []
    for qid in protocol.ids:
        codes, found = distinct.distinct(returns[qid].to_numpy(dtype=object))
        texts = np.array([cell_text(value) for value in found] + [cell_text(None)], dtype=object)
        columns.append(pd.util.hash_array(texts, categorize=False)[codes])
    if not columns:
        return pd.util.hash_pandas_object(pd.DataFrame(index=returns.index), index=False)
    return pd.Series(_combined_hashes(columns), index=returns.index)


def _combined_hashes(columns: list[np.ndarray]) -> np.ndarray:
    """Columns' hashes combined into one per row as ``hash_pandas_object`` combines a
    table's (pandas.core.util.hashing.combine_hash_arrays, after CPython's tuple hash)."""
    multiplier = np.uint64(1000003)
    out = np.zeros_like(columns[0]) + np.uint64(0x345678)
    for index, column in enumerate(columns):
        inverse = len(columns) - index
        out ^= column
        out *= multiplier
        multiplier += np.uint64(82520 + inverse + inverse)
    out += np.uint64(97531)
    return out


def _email_key(email: Any) -> str | None:
    return email.strip().casefold() if isinstance(email, str) else None


def _partnership_key(name: Any) -> str | None:
    return " ".join(name.split()).casefold() or None if isinstance(name, str) else None


def flag_duplicates(returns: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Mark copies so that each return counts once (decision D2, in its order).

    1. Same platform ID and the same answers, or the same email and partnership: a copy;
       the first keeps its ID, later copies get duplicate_of = that ID.
    2. Same platform ID, different answers, one file: an edited response; the last row is
       the return and earlier rows get duplicate_of = it.
    3. Same ID, different answers, different files: different returns; their IDs are
       prefixed with the file stem.
    Needs the returns columns; returns a new frame with response_id and duplicate_of set.
    """
    flagged = returns  # only read here; the result is a new frame (assign)
    answers = _answers_key(flagged, protocol)
    stems = pd.Series(
        distinct.map_distinct(flagged["source_file"].to_numpy(dtype=object), _stem),
        index=flagged.index,
    )
    duplicate_of = pd.Series([None] * len(flagged), index=flagged.index, dtype=object)
    ids = flagged["response_id"].astype(str).copy()
    repeated = ids.duplicated(keep=False)
    for response_id, group in flagged[repeated].groupby(ids[repeated], sort=False):
        distinct_answers = answers[group.index].drop_duplicates()
        if len(distinct_answers) > 1 and group["source_file"].nunique() > 1:
            for row in group.index:  # rule 3: two forms numbering from 1
                ids[row] = f"{stems[row]}-{response_id}"
    repeated = ids.duplicated(keep=False)
    for _, group in flagged[repeated].groupby(ids[repeated], sort=False):
        first_of_answers: dict[str, Any] = {}
        for row in group.index:  # rule 1: copies of the same answers
            key = answers[row]
            if key in first_of_answers:
                duplicate_of[row] = ids[first_of_answers[key]]
            else:
                first_of_answers[key] = row
        kept = [row for row in group.index if duplicate_of[row] is None]
        for row in kept[:-1]:  # rule 2: an edited response; the last edit is the return
            duplicate_of[row] = ids[kept[-1]]
    # Rule 1, second half: one officer, one partnership. Two returns whose partnership
    # cannot be read are not known to be one partnership: each is quarantined for its
    # missing name, never as the other's copy.
    email = distinct.map_distinct(
        flagged[protocol.id_of("respondent_email")].to_numpy(dtype=object), _email_key
    )
    partnership = distinct.map_distinct(
        flagged[protocol.id_of("partnership_name")].to_numpy(dtype=object), _partnership_key
    )
    candidates = duplicate_of.isna().to_numpy() & pd.notna(email) & pd.notna(partnership)
    officer = pd.DataFrame(
        {"email": email[candidates], "partnership": partnership[candidates]},
        index=flagged.index[candidates],
    )
    first = (
        officer.index.to_series()
        .groupby([officer["email"], officer["partnership"]], sort=False)
        .transform("first")
    )
    copies = first[first != first.index]
    duplicate_of[copies.index] = ids[copies.to_numpy()].to_numpy()
    return flagged.assign(response_id=ids, duplicate_of=duplicate_of)


def _stem(name: Any) -> str:
    return Path(name).stem if isinstance(name, str) else ""


def _column_map_rows(raw: RawExport, matches: list[ColumnMatch]) -> list[dict[str, Any]]:
    """Every column of one export: the question (and option) it maps to, or its platform
    role, with how many values it holds; columns without a header that hold values are
    listed as unmapped "(no header)" columns."""

    rows = [
        {
            "source_file": raw.path.name,
            "layout": raw.layout,
            "column": m.position + 1,
            "header": m.header,
            "question_id": m.question_id if m.kind != "other" else f"{m.question_id}_other",
            "method": m.method,
            "score": m.score,
            "values": raw.filled(m.position),
        }
        for m in matches
    ]
    rows.extend(
        {
            "source_file": raw.path.name,
            "layout": raw.layout,
            "column": position + 1,
            "header": UNHEADED,
            "question_id": None,
            "method": "unmapped",
            "score": 0.0,
            "values": count,
        }
        for position, count in raw.unheaded_columns
    )
    roles = {position: role for role, position in raw.platform.items()}
    roles |= {position: "dropped" for position in raw.dropped_positions}
    first_row = raw.titles or raw.headers
    rows.extend(
        {
            "source_file": raw.path.name,
            "layout": raw.layout,
            "column": position + 1,
            "header": first_row[position] or raw.headers[position],
            "question_id": None,
            "method": f"platform: {role}",
            "score": None,
            "values": raw.filled(position),
        }
        for position, role in roles.items()
    )
    return rows


def _note_rows(
    raw: RawExport, matches: list[ColumnMatch], protocol: Protocol
) -> list[dict[str, Any]]:
    """Every cell of one export changed on reading, header cells included, in file order."""
    labels = _column_labels(raw, matches, protocol)
    return [
        {
            "source_file": raw.path.name,
            "source_row": note.row,
            "column": note.position + 1,
            "note": note_phrase(note, labels, raw.last_header_row),
        }
        for note in raw.notes
    ]


def ingest_exports(
    files: Sequence[Path],
    protocol: Protocol,
    year: int,
    max_export_megabytes: int = paths.DEFAULT_MAX_EXPORT_MEGABYTES,
) -> Ingested:
    """Read every export for one year into one returns table, with copies flagged.

    A file larger than ``max_export_megabytes`` (council.yaml) is refused before it is read.
    """
    if not files:
        raise PipelineError(f"No survey exports given for {year}.")
    matcher = HeaderMatcher(protocol, year)
    parts, maps, counts, notes = [], [], [], []
    for path in files:
        raw = read_export(
            Path(path),
            lambda header: matcher.question(header)[0] is not None,
            max_export_megabytes,
        )
        matches = map_columns(raw, matcher)
        _check_required(raw, matches, protocol)
        returns = parse_export(raw, matches, protocol)
        _refuse_numeric_export(raw, returns, protocol)
        parts.append(returns)
        maps.extend(_column_map_rows(raw, matches))
        notes.extend(_note_rows(raw, matches, protocol))
        counts.append(
            {
                "source_file": raw.path.name,
                "layout": raw.layout,
                "encoding": raw.encoding or "workbook",
                "rows_read": raw.length,
                "empty_rows_skipped": raw.empty_rows,
                "cells_changed": len(raw.notes),
            }
        )
    if not any(len(part) for part in parts):
        names = ", ".join(Path(f).name for f in files)
        raise PipelineError(
            f"{names}: no returns below the header row(s); download the export again with "
            "its responses."
        )
    combined = pd.concat(parts, ignore_index=True)
    parts.clear()  # held once, in ``combined``: not twice while copies are flagged
    returns = flag_duplicates(combined, protocol)
    del combined
    column_map = pd.DataFrame(maps).sort_values(["source_file", "column"], ignore_index=True)
    return Ingested(
        returns, column_map, pd.DataFrame(counts), pd.DataFrame(notes, columns=NOTE_COLUMNS)
    )


def unmapped_columns(column_map: pd.DataFrame) -> pd.DataFrame:
    """Columns that map to no question and are not the platform's own, with how many values
    each holds (a column without a header is one, "(no header)"): for the analyst."""
    unmapped = column_map["method"] == "unmapped"
    return column_map.loc[unmapped, ["source_file", "column", "header", "values"]]


def missing_questions(column_map: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Questions no export had a column for: their answers are all blank this year.

    The respondent's name and email are filled from a platform's respondent columns where
    it has them.
    """
    found = set(column_map["question_id"].dropna())
    roles = set(column_map["method"])
    filled = {
        protocol.id_of("respondent_name"): "platform: name" in roles
        or "platform: first_name" in roles,
        protocol.id_of("respondent_email"): "platform: email" in roles,
    }
    rows = [
        {"question_id": q.id, "question": q.text}
        for q in protocol.questions
        if q.id not in found and not filled.get(q.id, False)
    ]
    return pd.DataFrame(rows, columns=["question_id", "question"])


def asked_questions(column_map: pd.DataFrame, protocol: Protocol) -> frozenset[str]:
    """The keys of the questions the year's exports asked (had a column for): a question
    added to the survey later is not asked in earlier years (decision D8). Any one export
    asking it is enough here; the evaluation asks per export file (``asked_by_file``)."""
    missing = set(missing_questions(column_map, protocol)["question_id"])
    return frozenset(q.key for q in protocol.questions if q.id not in missing)


def asked_by_file(column_map: pd.DataFrame, protocol: Protocol) -> dict[str, frozenset[str]]:
    """The keys of the questions each export file asked, by file name (the returns'
    ``source_file``): two exports in one year may be on different forms (an MS Forms
    export with a new question beside paper returns typed up on the older form), and a
    partnership reported only on the older form is not asked the new question (D8)."""
    return {
        str(file): asked_questions(mapped, protocol)
        for file, mapped in column_map.groupby("source_file", sort=True)
    }


def load_asked_by_file(
    year: int, root: Path | str | None = None, protocol: Protocol | None = None
) -> dict[str, frozenset[str]]:
    """The keys of the questions each of the year's export files asked, from 01_ingest's
    column map."""
    from pipeline import protocol as protocol_module

    questionnaire = protocol or protocol_module.load(root)
    return asked_by_file(tables.read("column_map", year, root), questionnaire)


def read_exports(
    year: int, root: Path | str | None = None, max_export_megabytes: int | None = None
) -> list[Path]:
    """The year's exports under data/raw/<year>/, each readable (and, given the limit, no
    larger than it), or one clear line naming every file that is not, or saying there are
    none (``paths.check_exports``)."""
    return paths.check_exports(year, root, max_export_megabytes)


def load_returns(
    year: int, root: Path | str | None = None, protocol: Protocol | None = None
) -> pd.DataFrame:
    """The year's returns table as written by 01_ingest."""
    from pipeline import protocol as protocol_module

    questionnaire = protocol or protocol_module.load(root)
    return tables.read("returns", year, root, questionnaire)


def summary_line(ingested: Ingested, protocol: Protocol) -> str:
    """The stage's one line: returns read, files, unmapped columns, questions missing."""
    missing = missing_questions(ingested.column_map, protocol)["question_id"].tolist()
    return (
        f"{len(ingested.returns)} returns read from {len(ingested.files)} file(s); "
        f"{len(unmapped_columns(ingested.column_map))} column(s) mapped to no question; "
        f"questions not in the exports: {', '.join(missing) or 'none'}"
    )


def write_ingested(
    ingested: Ingested, year: int, root: Path | str | None = None, protocol: Protocol | None = None
) -> list[Path]:
    """Write returns.csv, the column map (every header, its question, method, score) and
    the stage's summary line."""
    from pipeline import protocol as protocol_module

    questionnaire = protocol or protocol_module.load(root)
    return [
        tables.write("returns", ingested.returns, year, root, questionnaire),
        tables.write("column_map", ingested.column_map, year, root),
        tables.write_summary("01_ingest", summary_line(ingested, questionnaire), year, root),
    ]
