"""Large generated exports for the benchmarks (issue 20): any number of realistic returns.

The returns are the sample generator's own draws (:func:`generate_returns` with one seed
per block of about 330 returns, so each block has its own typed name variants, money typed
as text, blanks, planted problems and a duplicate submission), repeated in rounds once the
pool of blocks is used up. Every repeat is a new return: a new response ID, and each
officer's email marked with the block and round (so no two blocks or rounds share an
officer, while a planted duplicate keeps its original's email and is still found). From
the second round on, about one partnership name in five is typed with one slip of the
keyboard (a letter dropped, doubled or swapped with the next), drawn from the row's own
hash, so the number of distinct typed names keeps growing with the rows and name matching
is exercised, not a lookup.

Nothing here is committed as data: the benchmarks write the exports into a temporary
folder. The same (rows, year, seed) always gives the same returns and the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from pipeline.protocol import Protocol
from pipeline.sample.generator import generate_returns
from pipeline.sample.layouts import export_name, write_ms_forms_csv
from pipeline.sample.returns import SampleReturn

POOL_BLOCKS = 16
"""Seeds drawn with the sample generator (about 5,200 returns), then repeated in rounds."""
TYPO_PER_THOUSAND = 200
"""Of the returns in the second round on, how many per thousand have a slip in the name."""
ROWS_PER_FILE = 50_000
"""Returns per export file: about 42 MB as a Microsoft Forms CSV, under the 64 MB limit
(max_export_megabytes), as a council splits a large download."""
LAYOUT = "msforms_csv"
_ENCODING = "cp1252"  # what write_ms_forms_csv writes (Excel's "Save as CSV", US locale)
_EMAIL_HEADER = "Email"
_ID_HEADER = "ID"


def generator_pool(rows: int, year: int, protocol: Protocol, seed: int) -> list[SampleReturn]:
    """The generator's draws that every round repeats: as many of its blocks as ``rows``
    needs, at most ``POOL_BLOCKS``. Each block's officers are new people (their emails
    marked with the block), as each round's are: officers are drawn from one list of names,
    and the same address answering in two blocks would make copies of unrelated returns."""
    drawn: list[SampleReturn] = []
    block = 0
    while len(drawn) < rows and block < POOL_BLOCKS:
        drawn.extend(
            _new_officers(r, block) for r in generate_returns(year, protocol, seed=seed + block)
        )
        block += 1
    return drawn


def _new_officers(original: SampleReturn, generation: int) -> SampleReturn:
    """A return answered by another officer of the same name (email marked)."""
    if generation == 0:
        return original
    typed = original.answers.get("Q2")
    return replace(
        original,
        respondent_email=marked_email(original.respondent_email, generation),
        answers={**original.answers, "Q2": marked_email(typed, generation)}
        if isinstance(typed, str)
        else original.answers,
    )


def _digest(*parts: object) -> int:
    return int.from_bytes(
        hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    )


def marked_email(email: str, generation: int) -> str:
    """Another officer's email: the generator's address marked in its local part
    ("ann.lee.g3@..."); an address typed without its "@" (a planted problem) stays
    without one."""
    if generation == 0 or not email:
        return email
    local, at, domain = email.partition("@")
    return f"{local}.g{generation}{at}{domain}"


def with_slip(name: str, draw: int) -> str:
    """One slip of the keyboard in a name, chosen by ``draw``: a letter (never the first)
    dropped, doubled or swapped with the letter after it."""
    letters = [i for i, char in enumerate(name) if char.isalpha() and i > 0]
    if not letters:
        return name
    at = letters[draw % len(letters)]
    kind = (draw // len(letters)) % 3
    if kind == 0:
        return name[:at] + name[at + 1 :]
    if kind == 1:
        return name[:at] + name[at] + name[at:]
    if at + 1 < len(name) and name[at + 1].isalpha() and name[at + 1] != name[at]:
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    return name[:at] + name[at + 1 :]


def _scaled_fields(
    original: SampleReturn, round_number: int, seed: int
) -> tuple[str, str | None, str | None]:
    """What a repeat changes: the platform email, Q2 (the typed email) and Q6 (the typed
    partnership name). The slip is drawn from the officer, the name and the round, so a
    planted duplicate and its original get the same slip and stay copies."""
    generation = round_number * POOL_BLOCKS
    email = marked_email(original.respondent_email, generation)
    typed_email = original.answers.get("Q2")
    typed_name = original.answers.get("Q6")
    q2 = marked_email(typed_email, generation) if isinstance(typed_email, str) else None
    q6 = typed_name if isinstance(typed_name, str) else None
    if q6 and round_number > 0:
        draw = _digest(seed, round_number, original.respondent_email, q6, original.started_at)
        if draw % 1000 < TYPO_PER_THOUSAND:
            q6 = with_slip(q6, draw // 1000)
    return email, q2, q6


def scaled_returns(
    rows: int, year: int, protocol: Protocol, seed: int = 2025
) -> Iterator[SampleReturn]:
    """``rows`` returns for ``year``, one at a time (deterministic for (rows, year, seed)),
    numbered 1..rows: the generator's blocks, then repeats of them (module docstring)."""
    pool = generator_pool(rows, year, protocol, seed)
    for number in range(rows):
        round_number, at = divmod(number, len(pool))
        original = pool[at]
        email, q2, q6 = _scaled_fields(original, round_number, seed)
        answers = original.answers
        if round_number > 0:
            answers = {**answers, "Q2": q2, "Q6": q6}
        yield replace(original, response_id=number + 1, respondent_email=email, answers=answers)


def _quoted(cell: str) -> str:
    """A cell as the csv module writes it (minimal quoting, comma, CRLF lines)."""
    if any(char in cell for char in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _rendered_pool(
    pool: list[SampleReturn], protocol: Protocol, year: int, folder: Path
) -> tuple[list[str], list[list[str]]]:
    """The pool written once by the Microsoft Forms CSV writer, read back as quoted cells:
    every cell a repeat does not change is exactly as the layout writer wrote it."""
    path = write_ms_forms_csv(pool, protocol, folder / "pool.csv", year)
    with path.open(encoding=_ENCODING, newline="") as handle:
        table = list(csv.reader(handle))
    path.unlink()
    header = table[0]
    return header, [[_quoted(cell) for cell in row] for row in table[1:]]


def write_scaled_exports(
    rows: int,
    year: int,
    protocol: Protocol,
    folder: Path,
    seed: int = 2025,
    rows_per_file: int = ROWS_PER_FILE,
) -> list[Path]:
    """Write ``scaled_returns(rows, year, protocol, seed)`` as Microsoft Forms CSV exports
    of at most ``rows_per_file`` returns each, byte for byte what ``write_ms_forms_csv``
    writes for them, but fast: the pool is written once by that writer and each repeat
    only changes its ID, emails and typed name (2,000,000 returns in about a minute)."""
    folder.mkdir(parents=True, exist_ok=True)
    pool = generator_pool(rows, year, protocol, seed)
    header, cells = _rendered_pool(pool, protocol, year, folder)
    at_id, at_email = header.index(_ID_HEADER), header.index(_EMAIL_HEADER)
    at_q2, at_q6 = (header.index(protocol.question(qid).text) for qid in ("Q2", "Q6"))
    header_line = ",".join(_quoted(cell) for cell in header) + "\r\n"
    name = export_name(year, LAYOUT).removesuffix(".csv")
    files = (rows + rows_per_file - 1) // rows_per_file
    written = []
    for part in range(files):
        path = folder / (f"{name}.csv" if files == 1 else f"{name}_part{part + 1:03d}.csv")
        lines = [header_line]
        for number in range(part * rows_per_file, min(rows, (part + 1) * rows_per_file)):
            round_number, at = divmod(number, len(pool))
            row = cells[at]
            if round_number:
                email, q2, q6 = _scaled_fields(pool[at], round_number, seed)
                row = row.copy()
                row[at_email] = _quoted(email)
                row[at_q2] = _quoted(q2 or "")
                row[at_q6] = _quoted(q6 or "")
            else:
                row = row.copy()
            row[at_id] = str(number + 1)
            lines.append(",".join(row) + "\r\n")
        with path.open("w", encoding=_ENCODING, newline="") as handle:
            handle.write("".join(lines))
        written.append(path)
    return written
