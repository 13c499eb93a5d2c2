"""Reading export files honestly (decision D22): encodings detected per file, control
characters removed with a warning, unheaded columns listed, huge cells and files refused,
damaged or mislabelled files named, dangling links and unreadable files stopping the run.

Every test writes a real file into tmp_path, starting from the generator's sample.
"""

import csv
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import zipfile

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from pipeline import council, ingest, paths, protocol, sample, tables, validate
from pipeline.errors import PipelineError
from pipeline.ingest.layouts import MAX_CELL_CHARACTERS

PROTOCOL = protocol.load()
YEAR = 2025
NAME = PROTOCOL.id_of("partnership_name")  # Q6 in the sample protocol
RISKS = PROTOCOL.id_of("main_risks")
CONTROL_OR_BIDI = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """The sample as a UTF-8 Google Forms CSV and a Microsoft Forms workbook (read only)."""
    root = tmp_path_factory.mktemp("reading")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    layouts = ["google_forms_csv", "msforms_xlsx"]
    return dict(zip(layouts, sample.write_sample(YEAR, root=root, layouts=layouts), strict=True))


def _rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _csv_text(rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _position(rows, question_id):
    return rows[0].index(PROTOCOL.question(question_id).text)


def _ingest(path, **options):
    return ingest.ingest_exports([path], PROTOCOL, YEAR, **options)


def _has_control_characters(frame):
    text = frame.astype(str)
    return text.apply(lambda column: column.str.contains(CONTROL_OR_BIDI, regex=True)).any().any()


# --- encodings ---------------------------------------------------------------------------


def test_utf8_export_with_a_few_cp1252_bytes_is_read_as_utf8_listing_each_changed_value(
    exports, tmp_path
):
    rows = _rows(exports["google_forms_csv"])
    column = _position(rows, RISKS)
    rows[3][column] = "Funding ends in MARK the spring"
    mixed = tmp_path / "edited_twice.csv"
    mixed.write_bytes(_csv_text(rows).encode("utf-8").replace(b"MARK", b"\x93March\x94"))

    ingested = _ingest(mixed)

    returns = ingested.returns.set_index("source_row")
    clean = _ingest(exports["google_forms_csv"]).returns.set_index("source_row")
    assert returns.loc[4, RISKS] == "Funding ends in \u201cMarch\u201d the spring"
    answers = returns[PROTOCOL.ids].map(tables.cell_text)
    changed = answers.ne(clean[PROTOCOL.ids].map(tables.cell_text))
    assert changed.sum().sum() == 1  # every other value, pound signs included, as in UTF-8
    assert not answers.apply(lambda c: c.str.contains("\u00c2|\u00e2\u20ac")).any().any()
    note = (
        f"{RISKS}: bytes that are not UTF-8 re-read as cp1252 ('\u201c', '\u201d'); "
        "now 'Funding ends in \u201cMarch\u201d the spring'"
    )
    assert note in returns.loc[4, "parse_warnings"].split(" | ")
    assert ingested.notes.to_dict(orient="records") == [
        {"source_file": "edited_twice.csv", "source_row": 4, "column": column + 1, "note": note}
    ]
    assert ingested.files["encoding"].item() == "UTF-8 with cp1252 bytes"


def test_mixed_bytes_in_a_utf8_file_with_byte_order_mark_are_listed_too(exports, tmp_path):
    rows = _rows(exports["google_forms_csv"])
    rows[1][_position(rows, RISKS)] = "OfficerMARKs view"
    mixed = tmp_path / "bom.csv"
    mixed.write_bytes(b"\xef\xbb\xbf" + _csv_text(rows).encode("utf-8").replace(b"MARK", b"\x92"))

    ingested = _ingest(mixed)

    assert ingested.returns.loc[0, RISKS] == "Officer\u2019s view"
    assert len(ingested.notes) == 1


@pytest.mark.parametrize(
    ("layout", "encoding"),
    [
        ("msforms_csv", "cp1252"),
        ("google_forms_csv", "UTF-8"),
        ("qualtrics_csv", "UTF-8"),  # with a byte order mark
        ("utf16_tsv", "UTF-16"),
        ("msforms_xlsx", "workbook"),
    ],
)
def test_each_files_encoding_is_detected_and_read_without_notes(tmp_path, layout, encoding):
    root = tmp_path
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    (export,) = sample.write_sample(YEAR, root=root, layouts=[layout])

    ingested = _ingest(export)

    assert ingested.files["encoding"].item() == encoding
    assert ingested.notes.empty
    assert ingested.returns["parse_warnings"].fillna("").str.contains("re-read").sum() == 0


def test_a_wholly_cp1252_file_with_a_byte_cp1252_does_not_define_is_refused_naming_its_line(
    tmp_path,
):
    export = tmp_path / "odd.csv"
    export.write_bytes(b"Q6,Q20\r\nNorthmoor LRF,\xa3500\r\nEskholme \x81Board,\xa3200\r\n")

    with pytest.raises(PipelineError, match=r"^odd.csv: byte 0x81 on line 3 is neither UTF-8"):
        _ingest(export)


def test_a_utf16_file_with_invalid_data_is_refused_as_damaged(tmp_path):
    export = tmp_path / "damaged.csv"
    export.write_bytes(b"\xff\xfe" + "Q6\r\nNorthmoor LRF\r\n".encode("utf-16-le") + b"\x00\xdc")

    with pytest.raises(PipelineError, match=r"^damaged.csv: starts as UTF-16 text but byte \d+"):
        _ingest(export)


def test_a_mostly_cp1252_file_whose_few_byte_pairs_also_read_as_utf8_is_refused(tmp_path):
    # "Â©" in cp1252 is the UTF-8 for "©": read as UTF-8 it would silently lose a character
    export = tmp_path / "cp.csv"
    export.write_bytes("Q6,Q7\r\nCafé Board,AcmeÂ© Ltd\r\nThé Forum,Déjà vu\r\n".encode("cp1252"))

    with pytest.raises(PipelineError, match=r"^cp.csv: mostly cp1252 .* first on line 2\)"):
        _ingest(export)


def test_a_mixed_file_holding_the_marks_themselves_is_refused_rather_than_misread(tmp_path):
    export = tmp_path / "marks.csv"
    export.write_bytes("Q6\r\nNorth\ufdd0moor\r\n".encode("utf-8") + b"Esk\x92s Board\r\n")

    with pytest.raises(PipelineError, match=r"^marks.csv: mixes UTF-8 text .* \(first on line 3\)"):
        _ingest(export)


def _random_bytes(good):
    return random.Random(7).randbytes(20_000)


def _zero_block(good):  # a good export followed by a block of zero bytes
    return good + b"\x00" * 4096


def _utf16_without_byte_order_mark(good):
    return good.decode("utf-8").encode("utf-16-le")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_random_bytes, r"not text: \d+ of its 20000 bytes are control codes \(the first on line"),
        (_zero_block, r"holds a block of 4096 zero bytes on line (?P<line>\d+): the file is"),
        (_utf16_without_byte_order_mark, "looks like UTF-16 text without its byte order mark"),
    ],
)
def test_binary_content_is_refused_in_one_line(exports, tmp_path, damage, message):
    good = exports["google_forms_csv"].read_bytes()
    export = tmp_path / "export.csv"
    export.write_bytes(damage(good))

    with pytest.raises(PipelineError, match=f"^export.csv: {message}") as raised:
        _ingest(export)

    if damage is _zero_block:
        lines = good.count(b"\n") + 1
        assert f"on line {lines}:" in str(raised.value)


# --- control characters ------------------------------------------------------------------


def test_nul_and_bidi_controls_are_removed_from_csv_cells_with_a_warning_naming_the_column(
    exports, tmp_path
):
    rows = _rows(exports["google_forms_csv"])
    name = _position(rows, NAME)
    original = rows[2][name]
    rows[2][name] = "\u202e" + original[:4] + "\x00" + original[4:] + "\x1b\x00"
    rows[5][_position(rows, RISKS)] = "Fund\u2066ing\x7f"
    export = tmp_path / "controls.csv"
    export.write_text(_csv_text(rows), encoding="utf-8")

    ingested = _ingest(export)

    returns = ingested.returns.set_index("source_row")
    assert returns.loc[3, NAME] == original
    assert returns.loc[6, RISKS] == "Funding"
    assert not _has_control_characters(ingested.returns)
    assert (
        f"{NAME}: control characters removed (U+0000 NUL x2, U+001B control character, "
        f"U+202E RIGHT-TO-LEFT OVERRIDE); now {original!r}"
    ) in returns.loc[3, "parse_warnings"]
    assert (
        f"{RISKS}: control characters removed (U+007F control character, U+2066 "
        in (returns.loc[6, "parse_warnings"])
    )
    assert list(ingested.notes["source_row"]) == [3, 6]


def _xlsx_with_cell_xml(source, target, old, new):
    """A copy of a workbook with one string of its sheet XML replaced, as Excel itself
    writes control characters (``_x0000_``), which openpyxl refuses to."""
    with zipfile.ZipFile(source) as book, zipfile.ZipFile(target, "w") as copy:
        for item in book.infolist():
            data = book.read(item)
            copy.writestr(item, data.replace(old, new) if item.filename.startswith("xl/") else data)
    return target


def test_control_characters_are_removed_from_workbook_cells(exports, tmp_path):
    book = openpyxl.load_workbook(exports["msforms_xlsx"])
    sheet = book.active
    name_column = [c.value for c in sheet[1]].index(PROTOCOL.question(NAME).text) + 1
    sheet.cell(row=2, column=name_column).value = "Northmoor MARK Board\u202e"
    book.save(tmp_path / "marked.xlsx")
    export = _xlsx_with_cell_xml(
        tmp_path / "marked.xlsx", tmp_path / "controls.xlsx", b"MARK", b"_x0000_Flood_x0007_"
    )

    ingested = _ingest(export)

    first = ingested.returns.set_index("source_row").loc[2]
    assert first[NAME] == "Northmoor Flood Board"
    assert (
        f"{NAME}: control characters removed (U+0000 NUL, U+0007 control character, "
        in (first["parse_warnings"])
    )
    assert not _has_control_characters(ingested.returns)


def test_control_characters_in_a_header_are_removed_and_the_column_still_matches(exports, tmp_path):
    rows = _rows(exports["google_forms_csv"])
    column = _position(rows, RISKS)
    rows[0][column] = "\x00" + rows[0][column]
    export = tmp_path / "header.csv"
    export.write_text(_csv_text(rows), encoding="utf-8")

    ingested = _ingest(export)

    assert RISKS in set(ingested.column_map["question_id"])
    assert ingested.notes["note"].tolist() == [
        f"{RISKS} header: control characters removed (U+0000 NUL); "
        f"now {PROTOCOL.question(RISKS).text!r}"
    ]
    assert ingested.returns["parse_warnings"].fillna("").str.contains("NUL").sum() == 0


def test_a_personal_value_changed_on_reading_is_not_repeated_in_its_warning(exports, tmp_path):
    rows = _rows(exports["google_forms_csv"])
    email = PROTOCOL.id_of("respondent_email")
    column = _position(rows, email)
    rows[1][column] = rows[1][column] + "\x00"
    export = tmp_path / "personal.csv"
    export.write_text(_csv_text(rows), encoding="utf-8")

    warnings = _ingest(export).returns.loc[0, "parse_warnings"]

    assert (
        warnings == f"{email}: control characters removed (U+0000 NUL) (personal: value not shown)"
    )


def test_values_changed_on_reading_are_counted_in_data_quality(exports, tmp_path):
    rows = _rows(exports["google_forms_csv"])
    name = _position(rows, NAME)
    for row in rows[1:4]:
        row[name] = row[name] + "\x00"
    export = tmp_path / "counted.csv"
    export.write_text(_csv_text(rows), encoding="utf-8")
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    returns = _ingest(export).returns
    closing = validate.closing_date(returns, YEAR)

    result = validate.validate_returns(returns, PROTOCOL, closing)
    validate.write_validation(result, closing, YEAR, tmp_path, PROTOCOL, council.load())

    assert tables.read_dq_summary(YEAR, tmp_path)["values_changed_on_reading"] == 3
    caveats = tables.read("caveats", YEAR, tmp_path, personal=False).set_index("question_id")
    kept = result.valid["row_key"].isin(returns.loc[0:2, "row_key"]).sum()
    assert caveats.loc[NAME, "returns"] == kept > 0


# --- unheaded columns --------------------------------------------------------------------


def test_a_column_with_values_but_no_header_is_listed_with_the_unmapped_columns(exports, tmp_path):
    rows = _rows(exports["google_forms_csv"])
    for index, row in enumerate(rows):
        row.extend(["", "" if index == 0 or index % 2 else "kept aside"])
    export = tmp_path / "unheaded.csv"
    export.write_text(_csv_text(rows), encoding="utf-8")

    column_map = _ingest(export).column_map

    width = len(rows[0])
    unmapped = ingest.unmapped_columns(column_map)
    assert unmapped.to_dict(orient="records") == [
        {
            "source_file": "unheaded.csv",
            "column": width,
            "header": "(no header)",
            "values": len([r for r in rows[1:] if r[-1]]),
        }
    ]
    assert width - 1 not in set(column_map["column"])  # the empty one is not listed


def test_an_unheaded_workbook_column_is_listed_by_the_ingest_command(exports, tmp_path):
    book = openpyxl.load_workbook(exports["msforms_xlsx"])
    sheet = book.active
    column = sheet.max_column + 1
    for row in range(2, 7):
        sheet.cell(row=row, column=column).value = "note"
    book.save(tmp_path / "unheaded.xlsx")
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path / "root"))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "ingest",
            "--year",
            str(YEAR),
            "--root",
            str(tmp_path / "root"),
            "--out",
            str(tmp_path),
            str(tmp_path / "unheaded.xlsx"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    letter = get_column_letter(column)
    assert (
        f"unheaded.xlsx: column {column} ({letter}) (no header) maps to no question "
        "(5 value(s), not read)"
    ) in done.stdout.splitlines()


def test_a_thousand_columns_are_read_and_each_extra_one_listed(exports, tmp_path):
    rows = _rows(exports["google_forms_csv"])
    for index, row in enumerate(rows):
        row.extend(f"Extra {n}" if index == 0 else str(n) for n in range(1000))
    export = tmp_path / "wide.csv"
    export.write_text(_csv_text(rows), encoding="utf-8")

    ingested = _ingest(export)

    assert len(ingested.returns) == len(rows) - 1
    unmapped = ingest.unmapped_columns(ingested.column_map)
    assert len(unmapped) == 1000 and (unmapped["values"] == len(rows) - 1).all()


# --- huge cells and files ----------------------------------------------------------------


def test_a_one_megabyte_csv_cell_is_refused_naming_its_row_and_column(exports, tmp_path):
    rows = _rows(exports["google_forms_csv"])
    column = _position(rows, RISKS)
    rows[6][column] = "x" * 1_000_000
    export = tmp_path / "huge_cell.csv"
    export.write_text(_csv_text(rows), encoding="utf-8")
    letter = get_column_letter(column + 1)

    with pytest.raises(PipelineError) as raised:
        _ingest(export)

    assert str(raised.value) == (
        f"huge_cell.csv: row 7, column {column + 1} ({letter}) holds 1,000,000 characters, "
        f"more than a spreadsheet cell can hold ({MAX_CELL_CHARACTERS:,}); check the file "
        "for a quote that is never closed, or shorten the answer."
    )


def test_a_quote_never_closed_is_refused_at_the_row_it_opens(tmp_path):
    export = tmp_path / "open_quote.csv"
    rows = "Northmoor LRF,Funding may end\r\n" * 2000
    export.write_text(f'Q6,Q45\r\n{rows}"Eskholme Board,Staff\r\n{rows}', encoding="utf-8")

    with pytest.raises(PipelineError, match=r"^open_quote.csv: row 2002 has a quote \(\"\) that"):
        _ingest(export)


def test_a_one_megabyte_workbook_cell_is_refused_naming_its_row_and_column(exports, tmp_path):
    book = openpyxl.load_workbook(exports["msforms_xlsx"])
    book.active.cell(row=4, column=3).value = "MARK"  # openpyxl cuts text at Excel's limit
    book.save(tmp_path / "marked.xlsx")
    export = _xlsx_with_cell_xml(
        tmp_path / "marked.xlsx", tmp_path / "huge_cell.xlsx", b"MARK", b"y" * 1_000_000
    )

    with pytest.raises(PipelineError) as raised:
        _ingest(export)

    assert str(raised.value) == (
        "huge_cell.xlsx: row 4, column 3 (C) holds 1,000,000 characters, more than a "
        f"spreadsheet cell can hold ({MAX_CELL_CHARACTERS:,}); shorten the answer."
    )


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    export = tmp_path / "everything.csv"
    with export.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: nothing is written, nothing read

    with pytest.raises(PipelineError) as raised:
        _ingest(export)

    assert str(raised.value) == (
        "everything.csv: 104.9 MB, larger than the 64 MB limit for one export "
        "(max_export_megabytes in config/council.yaml); split the export, or raise the limit "
        "if the machine has the memory to read it."
    )


def test_the_size_limit_comes_from_council_yaml(exports, project_root):
    settings = paths.council_file(project_root)
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "max_export_megabytes: 64", "max_export_megabytes: 1"
        ),
        encoding="utf-8",
    )
    limit = council.load(project_root).max_export_megabytes
    raw = paths.raw_dir(YEAR, project_root)
    raw.mkdir(parents=True)
    shutil.copy(exports["google_forms_csv"], raw)  # about 0.3 MB: read
    (raw / "big.csv").write_bytes(b"Q6\r\n" + b"Northmoor LRF\r\n" * 100_000)  # 1.5 MB

    with pytest.raises(PipelineError, match=r"^big.csv: 1.5 MB, larger than the 1 MB limit"):
        ingest.read_exports(YEAR, project_root, limit)
    assert limit == 1
    assert len(_ingest(raw / exports["google_forms_csv"].name, max_export_megabytes=1).returns)


def test_a_size_limit_that_is_not_a_whole_number_is_one_line_naming_the_key(project_root):
    settings = paths.council_file(project_root)
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "max_export_megabytes: 64", "max_export_megabytes: sixty"
        ),
        encoding="utf-8",
    )

    with pytest.raises(PipelineError, match=r"council.yaml: max_export_megabytes \(line \d+\)"):
        council.load(project_root)


# --- damaged and mislabelled files -------------------------------------------------------


def _compound_file(streams):
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding the given streams,
    each padded to 4096 bytes or more so that no mini stream is needed: the container of
    a password-protected (encrypted) Office file."""
    free, end, fat_sector, sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 512
    bodies = [
        data.ljust(max(4096, -(-len(data) // sector) * sector), b"\0") for data in streams.values()
    ]
    fat, starts = [fat_sector, end], []  # sector 0 holds the FAT, sector 1 the directory
    for body in bodies:
        starts.append(len(fat))
        fat.extend(range(len(fat) + 1, len(fat) + len(body) // sector))
        fat.append(end)
    fat_bytes = struct.pack(f"<{sector // 4}I", *(fat + [free] * (sector // 4 - len(fat))))

    def entry(name, kind, start, size, child=free, right=free):
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded), kind, 1, free, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    entries = [entry("Root Entry", 5, end, 0, child=1)]
    for index, (name, start) in enumerate(zip(names, starts, strict=True), start=1):
        right = index + 1 if index < len(names) else free
        entries.append(entry(name, 2, start, len(streams[name]), right=right))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", 0, *([free] * 108))
    )
    return header + fat_bytes + b"".join(entries).ljust(sector, b"\0") + b"".join(bodies)


def test_a_password_protected_workbook_is_refused_with_what_to_do(tmp_path):
    export = tmp_path / "locked.xlsx"
    export.write_bytes(
        _compound_file(
            {
                "EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 200,
                "EncryptedPackage": b"\x5a" * 6000,
            }
        )
    )

    refused = r"^locked.xlsx: not a readable spreadsheet: it is password-protected \(encrypted\)"
    with pytest.raises(PipelineError, match=refused + "; open it in Excel, remove the password"):
        _ingest(export)


def test_a_truncated_workbook_is_refused_as_cut_short(exports, tmp_path):
    data = exports["msforms_xlsx"].read_bytes()
    export = tmp_path / "cut.xlsx"
    export.write_bytes(data[: len(data) * 2 // 3])

    refused = r"^cut.xlsx: not a readable spreadsheet: it is incomplete or damaged .* cut short"
    with pytest.raises(PipelineError, match=refused):
        _ingest(export)


def test_a_workbook_named_csv_is_read_as_the_workbook_it_is(exports, tmp_path):
    export = tmp_path / "download.csv"
    shutil.copy(exports["msforms_xlsx"], export)

    returns = _ingest(export).returns

    expected = _ingest(exports["msforms_xlsx"]).returns
    pd.testing.assert_frame_equal(returns[PROTOCOL.ids], expected[PROTOCOL.ids])


def test_a_csv_named_xlsx_is_read_as_the_csv_it_is(exports, tmp_path):
    export = tmp_path / "download.xlsx"
    shutil.copy(exports["google_forms_csv"], export)

    returns = _ingest(export).returns

    expected = _ingest(exports["google_forms_csv"]).returns
    pd.testing.assert_frame_equal(returns[PROTOCOL.ids], expected[PROTOCOL.ids])


def test_a_file_with_another_separator_is_refused_naming_it(exports, tmp_path):
    rows = _rows(exports["google_forms_csv"])
    out = io.StringIO()
    csv.writer(out, delimiter="|", lineterminator="\r\n").writerows(rows)
    export = tmp_path / "piped.csv"
    export.write_text(out.getvalue(), encoding="utf-8")

    with pytest.raises(PipelineError) as raised:
        _ingest(export)

    message = str(raised.value)
    assert message.startswith(
        "piped.csv: matches no known survey export layout; its first row starts "
        "'Timestamp|Email address|Your name|Your \u2026'."
    )
    assert message.endswith(
        f"Its first row is one column holding {len(rows[0]) - 1} '|' characters: save the "
        "file again separated by commas, semicolons or tabs."
    )


# --- dangling links and unreadable files -------------------------------------------------


@pytest.fixture
def raw_folder(exports, project_root):
    """The year's raw folder holding one good export."""
    raw = paths.raw_dir(YEAR, project_root)
    raw.mkdir(parents=True)
    shutil.copy(exports["google_forms_csv"], raw)
    return raw


def test_a_dangling_link_among_the_exports_is_named_and_stops_the_run(raw_folder, project_root):
    (raw_folder / "second.csv").symlink_to(raw_folder / "moved_away.csv")

    with pytest.raises(PipelineError) as raised:
        paths.check_exports(YEAR, project_root)

    assert str(raised.value) == (
        f"1 of the 2 file(s) in {raw_folder} cannot be read: second.csv is a link to "
        f"{raw_folder / 'moved_away.csv'}, which does not exist. Fix or remove them and run "
        "again."
    )
    with pytest.raises(PipelineError, match="second.csv is a link to"):
        ingest.read_exports(YEAR, project_root)


def test_a_symbolic_link_loop_is_named_by_its_file(raw_folder, project_root):
    (raw_folder / "a.csv").symlink_to(raw_folder / "b.csv")
    (raw_folder / "b.csv").symlink_to(raw_folder / "a.csv")

    named = (
        r"2 of the 3 file\(s\) .* a.csv is a symbolic link loop; b.csv is a symbolic link loop\."
    )
    with pytest.raises(PipelineError, match=named):
        paths.check_exports(YEAR, project_root)


def test_a_link_to_a_good_export_is_read(raw_folder, project_root, exports):
    (raw_folder / "linked.xlsx").symlink_to(exports["msforms_xlsx"])

    files = paths.check_exports(YEAR, project_root)

    assert [f.name for f in files] == ["linked.xlsx", "partnership_survey_2025_google_forms.csv"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions")
def test_an_unreadable_export_is_named_and_stops_the_run(raw_folder, project_root):
    locked = raw_folder / "locked.csv"
    locked.write_text("Q6\r\nNorthmoor LRF\r\n", encoding="utf-8")
    locked.chmod(0)

    try:
        with pytest.raises(PipelineError, match=r"locked.csv cannot be read \(Permission denied\)"):
            paths.check_exports(YEAR, project_root)
    finally:
        locked.chmod(0o644)


def test_a_file_name_with_control_characters_is_refused(raw_folder, project_root):
    shutil.copy(next(raw_folder.iterdir()), raw_folder / "returns\u202evsc.csv")

    named = r"'returns\\u202evsc.csv' has control characters in its name \(rename it\)"
    with pytest.raises(PipelineError, match=named):
        paths.check_exports(YEAR, project_root)


def test_a_missing_year_folder_is_one_line_naming_it(project_root):
    with pytest.raises(PipelineError, match=f"No survey exports for {YEAR} in "):
        paths.check_exports(YEAR, project_root)


@pytest.mark.e2e
def test_a_run_with_a_dangling_link_stops_naming_the_file(raw_folder, project_root, run_cli):
    (raw_folder / "second.csv").symlink_to(raw_folder / "moved_away.csv")

    done = run_cli(project_root)

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "second.csv is a link to" in errors[0]
    assert not paths.processed_dir(YEAR, project_root).joinpath("returns.csv").exists()
