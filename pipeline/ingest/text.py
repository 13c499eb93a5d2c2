"""Turning an export's bytes into text honestly: encodings and control characters (D22).

Each CSV file's encoding is decided from its own bytes, never guessed silently: UTF-8 (with
or without a byte order mark), UTF-16 with a byte order mark, or cp1252 (what Excel's "Save
as CSV" writes) when the file holds no valid UTF-8 multibyte sequence at all. A file that
mixes the two (UTF-8 text with a few cp1252 bytes, an export edited in two programs) is
read as UTF-8 and each invalid byte run is re-read as cp1252, marked so that every value
it changed is listed. Binary content (runs of zero bytes, UTF-16 without its byte order
mark, random bytes) is refused in one line.

Control characters (Unicode category Cc apart from tab, line feed and carriage return) and
the bidirectional override and isolate controls are removed from every cell, whatever the
file type: they are invisible on screen, can hide or reorder text, and never belong in an
answer.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np

from pipeline.errors import PipelineError

# Unicode noncharacters, "permanently reserved for internal use": they enclose the text
# re-read from invalid UTF-8 bytes, so that the cells holding it can be found after parsing.
REREAD_START, REREAD_END = "\ufdd0", "\ufdd1"
_REREAD = re.compile(f"{REREAD_START}([^{REREAD_END}]*){REREAD_END}")
_REREAD_ERRORS = "pipeline-reread-cp1252"
_NONCHARACTERS_UTF8 = (REREAD_START.encode(), REREAD_END.encode())

# Category Cc without tab (09), line feed (0A) and carriage return (0D); then the bidi
# embedding/override controls (U+202A-U+202E) and isolates (U+2066-U+2069).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A cell holding any of these needs cleaning: a control character or a re-read mark.
NEEDS_CLEANING = re.compile(f"[{CONTROL_CHARACTERS.pattern[1:-1]}{REREAD_START}]")
# Bytes that are control characters in every encoding read here (NUL and C0 without tab,
# line feed and carriage return; DEL): text exports hold almost none.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTE_VALUES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_ZERO_RUN = re.compile(rb"\x00{16,}")  # what _ZERO_BLOCK finds, as a pattern
_ZERO_BLOCK = b"\x00" * 16
# A valid UTF-8 sequence of two to four bytes (RFC 3629): its presence means the file was
# written as UTF-8, not cp1252.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH_BYTES = bytes(range(0x80, 0x100))  # the bytes no ASCII text holds
_LEAD_BYTES = bytes(range(0xC2, 0xF5))  # every UTF-8 multibyte sequence starts with one
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: .xls, or an encrypted .xlsx
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_SHOWN = 60  # characters of a changed value shown in its warning
# The words of the two reading notes, which validation counts in data quality.
REREAD_NOTE = "bytes that are not UTF-8 re-read as cp1252"
REMOVED_NOTE = "control characters removed"


def _reread_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: an invalid UTF-8 byte run, re-read as cp1252 and marked."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    run = error.object[error.start : error.end]
    text = bytes(run).decode("cp1252", errors="replace")  # 5 bytes cp1252 leaves undefined
    return f"{REREAD_START}{text}{REREAD_END}", error.end


codecs.register_error(_REREAD_ERRORS, _reread_as_cp1252)


@dataclass(frozen=True)
class DecodedText:
    """A text export's characters and the encoding they were read in."""

    text: str
    encoding: str  # "UTF-8", "UTF-16", "cp1252" or "UTF-8 with cp1252 bytes"

    @property
    def has_rereads(self) -> bool:
        return self.encoding == "UTF-8 with cp1252 bytes"


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def content_kind(head: bytes) -> str:
    """What a file holds, from its first bytes: "zip" (an .xlsx or .ods workbook), "ole2"
    (an .xls workbook or a password-protected .xlsx) or "text"."""
    if head.startswith(_ZIP):
        return "zip"
    if head.startswith(_OLE2):
        return "ole2"
    return "text"


def is_encrypted_workbook(raw: bytes) -> bool:
    """A password-protected Office file is a compound file holding an EncryptedPackage."""
    return raw.startswith(_OLE2) and _ENCRYPTED_PACKAGE in raw


def _refuse_binary(raw: bytes, name: str) -> None:
    """Text exports hold no runs of zero bytes and almost no control bytes."""
    zeros = raw.count(b"\x00")
    if zeros * 4 > len(raw):
        even, odd = raw[0::2].count(b"\x00"), raw[1::2].count(b"\x00")
        if max(even, odd) * 4 > len(raw) // 2 and min(even, odd) * 20 < max(even, odd):
            raise PipelineError(
                f"{name}: looks like UTF-16 text without its byte order mark, which cannot be "
                "read safely; save it again as CSV UTF-8."
            )
    # The first run of 16 or more zero bytes (``_ZERO_RUN``), found by a plain search in C.
    start = raw.find(_ZERO_BLOCK) if zeros >= len(_ZERO_BLOCK) else -1
    if start >= 0:
        length = len(raw) - start - len(raw[start:].lstrip(b"\x00"))
        raise PipelineError(
            f"{name}: holds a block of {length} zero bytes on line "
            f"{_line_of(raw, start)}: the file is damaged or not text; download the "
            "export again as CSV or Excel (.xlsx)."
        )
    controls = len(raw) - len(raw.translate(None, _CONTROL_BYTE_VALUES))
    if controls > 16 and controls * 100 > len(raw):
        first = _CONTROL_BYTES.search(raw)
        line = _line_of(raw, first.start()) if first else 1
        raise PipelineError(
            f"{name}: not text: {controls} of its {len(raw)} bytes are control codes (the "
            f"first on line {line}); download the export again as CSV or Excel (.xlsx)."
        )


def has_utf8_multibyte(raw: bytes) -> bool:
    """Whether ``_UTF8_MULTIBYTE`` matches anywhere in the bytes, worked out with numpy at
    each lead byte (C2-F4) instead of trying the pattern at every byte: a sequence starts
    at a lead byte, and its second byte's range depends on the lead (RFC 3629)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    leads = np.flatnonzero((data >= 0xC2) & (data <= 0xF4))
    padded = np.concatenate([data, np.zeros(3, dtype=np.uint8)])
    lead = padded[leads]
    second, third, fourth = padded[leads + 1], padded[leads + 2], padded[leads + 3]

    def within(values: np.ndarray, low: int | np.ndarray, high: int | np.ndarray) -> np.ndarray:
        return (values >= low) & (values <= high)

    # The second byte's range for each lead; any later byte is a continuation (80-BF).
    low = np.where(lead == 0xE0, 0xA0, np.where(lead == 0xF0, 0x90, 0x80))
    high = np.where(lead == 0xED, 0x9F, np.where(lead == 0xF4, 0x8F, 0xBF))
    length = np.where(lead <= 0xDF, 2, np.where(lead <= 0xEF, 3, 4))
    found = within(second, low, high)
    found &= (length < 3) | within(third, 0x80, 0xBF)
    found &= (length < 4) | within(fourth, 0x80, 0xBF)
    return bool(found.any())


def decode_export(raw: bytes, name: str) -> DecodedText:
    """The text of a CSV export in the encoding its bytes show (decision D22).

    UTF-8 (with or without BOM) and UTF-16 with a BOM as written; cp1252 only when no valid
    UTF-8 multibyte sequence occurs at all; UTF-8 with invalid bytes is read as UTF-8 with
    each invalid run re-read as cp1252 and marked (``REREAD_START``/``REREAD_END``) so that
    :func:`unmark_rereads` can list every value it changed. Binary content is refused.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return DecodedText(raw.decode("utf-16"), "UTF-16")
        except UnicodeDecodeError as exc:
            raise PipelineError(
                f"{name}: starts as UTF-16 text but byte {exc.start} is not valid UTF-16: the "
                "file is damaged; download the export again."
            ) from None
    body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    _refuse_binary(body, name)
    try:
        return DecodedText(body.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError as exc:
        first_invalid = exc.start
    # No lead byte means no multibyte sequence: skip the pattern's scan (a translate in C).
    leads = len(raw.translate(None, _LEAD_BYTES)) < len(raw)
    if body is raw and not (leads and has_utf8_multibyte(raw)):
        try:
            return DecodedText(raw.decode("cp1252"), "cp1252")
        except UnicodeDecodeError as exc:
            raise PipelineError(
                f"{name}: byte 0x{raw[exc.start]:02X} on line {_line_of(raw, exc.start)} is "
                "neither UTF-8 nor cp1252 (Windows) text; save the file again as CSV UTF-8."
            ) from None
    sequences = _UTF8_MULTIBYTE.findall(body)
    high = len(body) - len(body.translate(None, _HIGH_BYTES))  # in C, not a loop per byte
    stray = high - sum(len(s) for s in sequences)
    if body is raw and stray > len(sequences):  # a BOM says the file is UTF-8
        # Mostly cp1252: its few byte pairs that also read as UTF-8 ("É" then a no-break
        # space reads as "ɠ") cannot be told from typed text, so neither reading is safe.
        raise PipelineError(
            f"{name}: mostly cp1252 (Windows) text, but {len(sequences)} of its byte "
            "sequences also read as UTF-8 (the first on line "
            f"{_line_of(body, body.index(sequences[0]))}), so which values are which cannot "
            "be told; save the file again as CSV UTF-8."
        )
    if any(mark in body for mark in _NONCHARACTERS_UTF8):
        raise PipelineError(
            f"{name}: mixes UTF-8 text with bytes that are not UTF-8 (first on line "
            f"{_line_of(body, first_invalid)}) and holds Unicode noncharacters, so the "
            "changed values cannot be listed; save the file again as CSV UTF-8."
        )
    return DecodedText(body.decode("utf-8", errors=_REREAD_ERRORS), "UTF-8 with cp1252 bytes")


def unmark_rereads(cell: str) -> tuple[str, str | None]:
    """A cell without its re-read marks, and a note saying what the re-read bytes became
    (None when the cell holds none)."""
    runs = _REREAD.findall(cell)
    if not runs:
        return cell, None
    value = _REREAD.sub(lambda match: match[1], cell)
    read_as = ", ".join(repr(run) for run in dict.fromkeys(runs))
    return value, f"{REREAD_NOTE} ({read_as})"


def shown(value: str, length: int = _SHOWN) -> str:
    """A value as a message shows it: quoted, shortened to ``length`` characters."""
    return repr(value if len(value) <= length else value[: length - 1] + "\u2026")


def _character_name(character: str) -> str:
    if character == "\x00":
        return "NUL"
    return unicodedata.name(character, "control character")


def remove_controls(cell: str) -> tuple[str, str | None]:
    """A cell without control and bidi override characters, and a note naming what was
    removed (None when there was nothing to remove)."""
    found = CONTROL_CHARACTERS.findall(cell)
    if not found:
        return cell, None
    counts = Counter(found)
    named = ", ".join(
        f"U+{ord(c):04X} {_character_name(c)}" + (f" x{n}" if n > 1 else "")
        for c, n in sorted(counts.items())
    )
    return CONTROL_CHARACTERS.sub("", cell), f"{REMOVED_NOTE} ({named})"
