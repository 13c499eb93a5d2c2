"""Platform layouts: how each survey platform writes the same returns (survey-exports.md).

A layout is a list of columns: the column's header in each header row, and how it reads one
return. Writers then store the table as CSV text (every value as the platform prints it) or
as an XLSX sheet (typed cells), through :mod:`pipeline.sample.files`. Nothing here draws
returns, so tests can write any returns they build in any platform's layout.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.protocol import Protocol, Question
from pipeline.sample import vocabulary
from pipeline.sample.files import UK_DATE, Cell, save_csv, save_xlsx
from pipeline.sample.returns import Answer, SampleReturn

# The 2025 form went out with Q20 reworded after the protocol was printed (a late wording
# change), and the 2023 form worded it its own way; a year's header comes from the aliases
# protocol.yaml lists for that very year (not the earlier years' ones still in force).
_REWORDED = ("Q20",)


def _header(question: Question, protocol: Protocol, year: int) -> str:
    """The question's wording as the year's form showed it."""
    if question.id in _REWORDED:
        for header, qid in protocol.aliases.get(year, {}).items():
            if qid == question.id:
                return header
    return question.text


def _selected(value: Answer) -> list[str]:
    """Labels of a multi-select answer, in the order ticked."""
    return [label for label in str(value or "").split("; ") if label]


# Survey builders put the principle statements Q29-Q40 in one agree5 grid; Q42 stays alone.
_GRID = tuple(f"Q{n}" for n in range(29, 41))
_GRID_TITLE = "How far do you agree with these statements about the partnership?"
_OTHER = "Other (please specify)"
# Documentation address blocks (RFC 5737): no real respondent's IP address.
_IP_BLOCKS = ("192.0.2", "198.51.100", "203.0.113")
_ID_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase


@dataclass(frozen=True)
class _Column:
    """One export column: its text in each header row and its cell for one return."""

    headers: tuple[str, ...]
    value: Callable[[SampleReturn], Cell]


def _blank(value: Answer) -> Cell:
    """An answer as a cell: empty answers are empty cells, the rest as typed."""
    return None if value is None or value == "" else value


def _answer(qid: str) -> Callable[[SampleReturn], Cell]:
    return lambda sample_return: _blank(sample_return.answers.get(qid))


def _joined(qid: str, separator: str, trailing: bool = False) -> Callable[[SampleReturn], Cell]:
    """A multi-select in one cell, labels in the order ticked (text off the options included)."""

    def cell(sample_return: SampleReturn) -> Cell:
        labels = _selected(sample_return.answers.get(qid))
        if trailing:
            return "".join(f"{label}{separator}" for label in labels) or None
        return separator.join(labels) or None

    return cell


def _ticked(qid: str, option: str, mark: str | None = None) -> Callable[[SampleReturn], Cell]:
    """One option's column of a spread multi-select: the label (or ``mark``) when ticked."""
    return lambda r: (mark or option) if option in _selected(r.answers.get(qid)) else None


def _other_text(question: Question) -> Callable[[SampleReturn], Cell]:
    """What was typed into "Other (please specify)": the labels that are not options."""

    def cell(sample_return: SampleReturn) -> Cell:
        labels = _selected(sample_return.answers.get(question.id))
        return ", ".join(label for label in labels if label not in question.options) or None

    return cell


def _digest(*parts: object) -> bytes:
    """Stable bytes for platform IDs: the same return always gets the same ID."""
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).digest()


def _return_key(sample_return: SampleReturn) -> tuple[object, ...]:
    """What makes a return itself; it follows from the seed, so IDs change with the seed."""
    return (
        sample_return.response_id,
        sample_return.submitted_at.isoformat(),
        sample_return.respondent_email,
    )


def _ip_address(sample_return: SampleReturn) -> str:
    """One documentation-range address per respondent."""
    digest = _digest("ip", sample_return.respondent_email)
    return f"{_IP_BLOCKS[digest[0] % len(_IP_BLOCKS)]}.{1 + digest[1] % 254}"


def _first_name(sample_return: SampleReturn) -> str:
    return sample_return.respondent_name.split(" ", 1)[0]


def _last_name(sample_return: SampleReturn) -> str:
    return sample_return.respondent_name.partition(" ")[2]


def _twelve_hour(moment: datetime.datetime) -> tuple[int, str]:
    """Hour on a 12-hour clock and AM/PM, without the process locale (strftime %p)."""
    return moment.hour % 12 or 12, "AM" if moment.hour < 12 else "PM"


def _us_short_time(moment: datetime.datetime) -> str:
    """Excel's CSV re-save in a US locale: month first, two-digit year, no seconds."""
    return f"{moment.month}/{moment.day}/{moment:%y} {moment.hour}:{moment:%M}"


def _uk_time(moment: datetime.datetime) -> str:
    return moment.strftime(f"{UK_DATE} %H:%M:%S")


def _iso_time(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _surveymonkey_time(moment: datetime.datetime) -> str:
    hour, half = _twelve_hour(moment)
    return f"{moment:%m/%d/%Y} {hour:02d}:{moment:%M:%S} {half}"


def _uk_zone(moment: datetime.datetime) -> str:
    """GMT or GMT+1 for a UK clock time: summer time runs between the last Sundays of
    March and October (from 01:00 GMT)."""

    def last_sunday(month: int) -> datetime.datetime:
        last = datetime.date(moment.year, month, 31)
        sunday = last - datetime.timedelta(days=(last.weekday() - 6) % 7)
        return datetime.datetime.combine(sunday, datetime.time(1))

    return "GMT+1" if last_sunday(3) <= moment < last_sunday(10) else "GMT"


def _google_time(moment: datetime.datetime) -> str:
    """The linked sheet's timestamp in a UK owner's locale, with the zone of that day."""
    hour, half = _twelve_hour(moment)
    return f"{moment:%Y/%m/%d} {hour}:{moment:%M:%S} {half} {_uk_zone(moment)}"


def _question_columns(
    protocol: Protocol,
    year: int,
    column: Callable[[Question, str], list[_Column]],
) -> list[_Column]:
    """Columns for every question the year's form asked, in questionnaire order; ``column``
    gets each question with the year's wording and returns its column(s). A question first
    asked in a later year (answers.yaml first_asked) has no column."""
    first_asked = vocabulary.load().answering.first_asked
    return [
        built
        for question in protocol.questions
        if first_asked.get(question.id, year) <= year
        for built in column(question, _header(question, protocol, year))
    ]


def _ms_forms_columns(protocol: Protocol, year: int) -> list[_Column]:
    """Microsoft Forms: platform columns, then one column per question headed by its wording."""
    platform = [
        _Column(("ID",), lambda r: r.response_id),
        _Column(("Start time",), lambda r: r.started_at),
        _Column(("Completion time",), lambda r: r.submitted_at),
        _Column(("Email",), lambda r: r.respondent_email),
        _Column(("Name",), lambda r: r.respondent_name),
        _Column(("Last modified time",), lambda r: None),
    ]

    def column(question: Question, wording: str) -> list[_Column]:
        if question.type == "multi":
            return [_Column((wording,), _joined(question.id, ";", trailing=True))]
        return [_Column((wording,), _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _surveymonkey_columns(protocol: Protocol, year: int) -> list[_Column]:
    """SurveyMonkey "expanded" results: two header rows, options and grid statements spread."""
    collector = 400_000_000 + int.from_bytes(_digest("collector", year)[:4]) % 100_000_000
    platform = [
        _Column(
            ("Respondent ID", ""),
            lambda r: (
                114_000_000_000
                + r.response_id * 10_000
                + int.from_bytes(_digest("surveymonkey", *_return_key(r))[:4]) % 10_000
            ),
        ),
        _Column(("Collector ID", ""), lambda r: collector),
        _Column(("Start Date", ""), lambda r: r.started_at),
        _Column(("End Date", ""), lambda r: r.submitted_at),
        _Column(("IP Address", ""), _ip_address),
        _Column(("Email Address", ""), lambda r: r.respondent_email),
        _Column(("First Name", ""), _first_name),
        _Column(("Last Name", ""), _last_name),
        _Column(("Custom Data 1", ""), lambda r: None),
    ]

    def column(question: Question, wording: str) -> list[_Column]:
        if question.id in _GRID:
            title = _GRID_TITLE if question.id == _GRID[0] else ""
            return [_Column((title, question.text), _answer(question.id))]
        if question.type == "multi":
            return [
                _Column((wording if n == 0 else "", option), _ticked(question.id, option))
                for n, option in enumerate(question.options)
            ] + [_Column(("", _OTHER), _other_text(question))]
        kind = "Response" if question.type in ("single", "agree5") else "Open-Ended Response"
        return [_Column((wording, kind), _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _import_id(import_id: str, zone: bool = False) -> str:
    """Qualtrics' third header row: JSON naming the field it came from."""
    entry = {"ImportId": import_id, **({"timeZone": "Europe/London"} if zone else {})}
    return json.dumps(entry, separators=(",", ":"))


def _qualtrics_columns(
    protocol: Protocol, year: int, split: bool = False, numeric: bool = False
) -> list[_Column]:
    """Qualtrics CSV: short names, wording, ImportId JSON; grid as Q29_1.. Q29_12.

    ``split`` ticks "split multi-value fields into columns"; ``numeric`` is the "numeric
    values" download (choice codes instead of labels), which ingest must refuse.
    """

    def response_id(sample_return: SampleReturn) -> str:
        digest = _digest("qualtrics", *_return_key(sample_return))
        return "R_" + "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in digest[:15])

    platform = [
        _Column(("StartDate", "Start Date", _import_id("startDate", True)), lambda r: r.started_at),
        _Column(("EndDate", "End Date", _import_id("endDate", True)), lambda r: r.submitted_at),
        _Column(
            ("Status", "Response Type", _import_id("status")),
            lambda r: "0" if numeric else "IP Address",
        ),
        _Column(("IPAddress", "IP Address", _import_id("ipAddress")), _ip_address),
        _Column(("Progress", "Progress", _import_id("progress")), lambda r: "100"),
        _Column(
            ("Duration (in seconds)", "Duration (in seconds)", _import_id("duration")),
            lambda r: int((r.submitted_at - r.started_at).total_seconds()),
        ),
        _Column(
            ("Finished", "Finished", _import_id("finished")),
            lambda r: "1" if numeric else "True",
        ),
        _Column(
            ("RecordedDate", "Recorded Date", _import_id("recordedDate", True)),
            lambda r: r.submitted_at,
        ),
        _Column(("ResponseId", "Response ID", _import_id("_recordId")), response_id),
        _Column(
            ("RecipientLastName", "Recipient Last Name", _import_id("recipientLastName")),
            _last_name,
        ),
        _Column(
            ("RecipientFirstName", "Recipient First Name", _import_id("recipientFirstName")),
            _first_name,
        ),
        _Column(
            ("RecipientEmail", "Recipient Email", _import_id("recipientEmail")),
            lambda r: r.respondent_email,
        ),
        _Column(
            ("ExternalReference", "External Data Reference", _import_id("externalDataReference")),
            lambda r: None,
        ),
        _Column(
            ("LocationLatitude", "Location Latitude", _import_id("locationLatitude")),
            lambda r: None,
        ),
        _Column(
            ("LocationLongitude", "Location Longitude", _import_id("locationLongitude")),
            lambda r: None,
        ),
        _Column(
            ("DistributionChannel", "Distribution Channel", _import_id("distributionChannel")),
            lambda r: "email",
        ),
        _Column(("UserLanguage", "User Language", _import_id("userLanguage")), lambda r: "EN-GB"),
    ]
    agree5 = {label.casefold(): str(score) for label, score in protocol.agree5.items()}

    def coded(question: Question) -> Callable[[SampleReturn], Cell]:
        """Choice codes 1..n in option order (agree5: the scale's score); others blank."""
        codes = {option: str(n) for n, option in enumerate(question.options, start=1)}

        def cell(sample_return: SampleReturn) -> Cell:
            typed = str(sample_return.answers.get(question.id) or "")
            if question.type == "agree5":
                return agree5.get(typed.strip().casefold())
            if question.type == "multi":
                return ",".join(codes[x] for x in _selected(typed) if x in codes) or None
            return codes.get(typed)

        return cell

    def column(question: Question, wording: str) -> list[_Column]:
        number = question.id.removeprefix("Q")
        if question.id in _GRID:
            name = f"{_GRID[0]}_{_GRID.index(question.id) + 1}"
            headers = (name, f"{_GRID_TITLE} - {question.text}", _import_id(f"QID{name[1:]}"))
        elif question.type in ("single", "multi", "agree5"):
            headers = (question.id, wording, _import_id(f"QID{number}"))
        else:  # text entry
            headers = (question.id, wording, _import_id(f"QID{number}_TEXT"))
        if numeric and question.type in ("single", "multi", "agree5"):
            return [_Column(headers, coded(question))]
        if question.type == "multi" and split:
            other = len(question.options) + 1
            return [
                _Column(
                    (f"{question.id}_{n}", f"{wording} - {option}", _import_id(f"QID{number}_{n}")),
                    _ticked(question.id, option, mark="1"),
                )
                for n, option in enumerate(question.options, start=1)
            ] + [
                _Column(
                    (
                        f"{question.id}_{other}_TEXT",
                        f"{wording} - {_OTHER} - Text",
                        _import_id(f"QID{number}_{other}_TEXT"),
                    ),
                    _other_text(question),
                )
            ]
        if question.type == "multi":
            return [_Column(headers, _joined(question.id, ","))]
        return [_Column(headers, _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _google_forms_columns(protocol: Protocol, year: int) -> list[_Column]:
    """Google Forms' linked sheet: Timestamp, Email address, then wording; grid as
    ``<title> [<statement>]``."""
    platform = [
        _Column(("Timestamp",), lambda r: _google_time(r.submitted_at)),
        _Column(("Email address",), lambda r: r.respondent_email),
    ]

    def column(question: Question, wording: str) -> list[_Column]:
        if question.id in _GRID:
            return [_Column((f"{_GRID_TITLE} [{question.text}]",), _answer(question.id))]
        if question.type == "multi":
            return [_Column((wording,), _joined(question.id, ", "))]
        return [_Column((wording,), _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _smartsurvey_columns(protocol: Protocol, year: int) -> list[_Column]:
    """SmartSurvey: platform columns, then wording; options spread as ``<wording> - <option>``,
    grid as ``<title> - <statement>``."""
    platform = [
        _Column(
            ("UserID",),
            lambda r: (
                200_000_000 + r.response_id * 100 + _digest("smartsurvey", *_return_key(r))[0] % 100
            ),
        ),
        _Column(("UserNo",), lambda r: r.response_id),
        _Column(("Name",), lambda r: r.respondent_name),
        _Column(("Email",), lambda r: r.respondent_email),
        _Column(("IP Address",), _ip_address),
        _Column(("Unique ID",), lambda r: None),
        _Column(("Started",), lambda r: r.started_at),
        _Column(("Ended",), lambda r: r.submitted_at),
    ]

    def column(question: Question, wording: str) -> list[_Column]:
        if question.id in _GRID:
            return [_Column((f"{_GRID_TITLE} - {question.text}",), _answer(question.id))]
        if question.type == "multi":
            return [
                _Column((f"{wording} - {option}",), _ticked(question.id, option))
                for option in question.options
            ] + [_Column((f"{wording} - {_OTHER}",), _other_text(question))]
        return [_Column((wording,), _answer(question.id))]

    return platform + _question_columns(protocol, year, column)


def _plain_columns(protocol: Protocol, year: int) -> list[_Column]:
    """An analyst's own sheet: question IDs only, in an order of their own (seeded)."""
    first_asked = vocabulary.load().answering.first_asked
    ids = [qid for qid in protocol.ids if first_asked.get(qid, year) <= year]
    random.Random(f"plain_csv:{year}").shuffle(ids)
    multi = {q.id for q in protocol.of_type("multi")}
    return [_Column((qid,), _joined(qid, "; ") if qid in multi else _answer(qid)) for qid in ids]


def _table(columns: list[_Column], returns: list[SampleReturn]) -> list[list[Cell]]:
    """Header rows, then one row per return."""
    header_rows: list[list[Cell]] = [
        [column.headers[n] for column in columns] for n in range(len(columns[0].headers))
    ]
    body = [[column.value(sample_return) for column in columns] for sample_return in returns]
    return [*header_rows, *body]


def write_ms_forms_xlsx(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Write the returns as a Microsoft Forms Excel download, byte-identical on every run.

    One sheet, one header row: the platform columns, then one column per question headed by
    the year's wording, in questionnaire order. Times are Excel date-time cells, multi-select
    answers are joined by ";" with a trailing ";", and typed text starting with "=" stays text.
    """
    table = _table(_ms_forms_columns(protocol, year), returns)
    return save_xlsx(table, 1, path, year, "m/d/yy h:mm:ss")


def write_ms_forms_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """The Microsoft Forms download re-saved by Excel as CSV in a US locale.

    cp1252 text (the £ sign is byte 0xA3), times as month-first locale text
    (``3/14/25 10:22``), and the Q18 date cells as day-first text (``05/11/2024``).
    """
    table = _table(_ms_forms_columns(protocol, year), returns)
    return save_csv(table, path, _us_short_time, encoding="cp1252")


def write_utf16_tsv(returns: list[SampleReturn], protocol: Protocol, path: Path, year: int) -> Path:
    """The Microsoft Forms layout as some tools save it: UTF-16 with a BOM, tab-separated.

    The file keeps a ``.csv`` name (as those tools leave it), times are UK day-first text
    (``14/03/2025 10:22:31``) and the Q18 date cells day-first text.
    """
    table = _table(_ms_forms_columns(protocol, year), returns)
    return save_csv(table, path, _uk_time, encoding="utf-16", delimiter="\t")


def write_surveymonkey_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """SurveyMonkey's expanded CSV: two header rows, Q26 spread over its options plus
    "Other (please specify)", Q29-Q40 as a grid; times as ``03/14/2025 10:22:31 AM``."""
    table = _table(_surveymonkey_columns(protocol, year), returns)
    return save_csv(table, path, _surveymonkey_time)


def write_surveymonkey_xlsx(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """SurveyMonkey's expanded XLSX: the CSV's two header rows; times as date-time cells."""
    table = _table(_surveymonkey_columns(protocol, year), returns)
    return save_xlsx(table, 2, path, year, "mm/dd/yyyy hh:mm:ss AM/PM")


def write_qualtrics_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Qualtrics "choice text" CSV: UTF-8 with a BOM, three header rows (names, wording,
    ImportId JSON), Q26 in one cell joined by ",", the grid as Q29_1..Q29_12, ISO times."""
    table = _table(_qualtrics_columns(protocol, year), returns)
    return save_csv(table, path, _iso_time, encoding="utf-8-sig")


def write_qualtrics_split_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Qualtrics with "split multi-value fields into columns": Q26 as Q26_1..Q26_4 holding 1
    or blank, and the "Other (please specify)" text in Q26_5_TEXT."""
    table = _table(_qualtrics_columns(protocol, year, split=True), returns)
    return save_csv(table, path, _iso_time, encoding="utf-8-sig")


def write_qualtrics_numeric_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Qualtrics "numeric values" CSV, which ingest must refuse: choices as codes 1..n.

    Only for that test: answers off the options (and "Don't know" on a statement) are left
    blank, so this file does not carry every answer.
    """
    table = _table(_qualtrics_columns(protocol, year, numeric=True), returns)
    return save_csv(table, path, _iso_time, encoding="utf-8-sig")


def write_google_forms_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """Google Forms' linked-sheet CSV: one header row, Q26 joined by ", ", the grid as
    ``<title> [<statement>]``, times like ``2025/03/14 10:22:31 AM GMT`` (GMT+1 in summer)."""
    table = _table(_google_forms_columns(protocol, year), returns)
    return save_csv(table, path, _uk_time)


def write_smartsurvey_csv(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """SmartSurvey CSV (UTF-8 with a BOM): one header row, Q26 spread over its options,
    the grid as ``<title> - <statement>``, times as ``14/03/2025 10:22:31``."""
    table = _table(_smartsurvey_columns(protocol, year), returns)
    return save_csv(table, path, _uk_time, encoding="utf-8-sig")


def write_smartsurvey_xlsx(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int
) -> Path:
    """SmartSurvey XLSX: the CSV's header row; times as date-time cells."""
    table = _table(_smartsurvey_columns(protocol, year), returns)
    return save_xlsx(table, 1, path, year, "dd/mm/yyyy hh:mm:ss")


def write_plain_csv(returns: list[SampleReturn], protocol: Protocol, path: Path, year: int) -> Path:
    """An analyst's own CSV: question IDs as headers in a shuffled (seeded) order, no
    platform columns, Q26 joined by "; "."""
    table = _table(_plain_columns(protocol, year), returns)
    return save_csv(table, path, _iso_time)


_Writer = Callable[[list[SampleReturn], Protocol, Path, int], Path]
# layout -> (file suffix, file name part, writer)
_LAYOUTS: dict[str, tuple[str, str, _Writer]] = {
    "msforms_xlsx": ("xlsx", "msforms", write_ms_forms_xlsx),
    "msforms_csv": ("csv", "msforms", write_ms_forms_csv),
    "surveymonkey_csv": ("csv", "surveymonkey", write_surveymonkey_csv),
    "surveymonkey_xlsx": ("xlsx", "surveymonkey", write_surveymonkey_xlsx),
    "qualtrics_csv": ("csv", "qualtrics", write_qualtrics_csv),
    "qualtrics_split_csv": ("csv", "qualtrics_split", write_qualtrics_split_csv),
    "qualtrics_numeric_csv": ("csv", "qualtrics_numeric", write_qualtrics_numeric_csv),
    "google_forms_csv": ("csv", "google_forms", write_google_forms_csv),
    "smartsurvey_csv": ("csv", "smartsurvey", write_smartsurvey_csv),
    "smartsurvey_xlsx": ("xlsx", "smartsurvey", write_smartsurvey_xlsx),
    "plain_csv": ("csv", "plain", write_plain_csv),
    "utf16_tsv": ("csv", "utf16_tsv", write_utf16_tsv),
}

LAYOUTS: tuple[str, ...] = tuple(_LAYOUTS)
"""Every layout the generator writes (survey-exports.md), for ``write_export`` and tests."""


def _layout(layout: str) -> tuple[str, str, _Writer]:
    if layout not in _LAYOUTS:
        raise PipelineError(
            f"The sample generator has no layout '{layout}'; choose one of {', '.join(LAYOUTS)}."
        )
    return _LAYOUTS[layout]


def export_name(year: int, layout: str) -> str:
    """The file name a layout's sample gets: partnership_survey_<year>_<name>.<suffix>."""
    suffix, name, _ = _layout(layout)
    return f"partnership_survey_{year}_{name}.{suffix}"


def write_export(
    returns: list[SampleReturn], protocol: Protocol, path: Path, year: int, layout: str
) -> Path:
    """Write the same returns in one platform's layout (one of ``LAYOUTS``) to ``path``."""
    _, _, write = _layout(layout)
    return write(returns, protocol, path, year)
