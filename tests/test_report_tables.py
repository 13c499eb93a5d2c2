"""Tables that print (decision D30): numbers right-aligned with thousands separators, no
empty cell, hashes shortened, every cell escaped; checked on ``table()`` itself and on the
report the sample's stages give (every section rendered in process)."""

from __future__ import annotations

import html
import inspect
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline import paths, settings
from pipeline.report import formats, sections
from pipeline.report.render import BLANK, table
from pipeline.toolkit import explain

YEAR = 2025

FRAME = pd.DataFrame(
    {
        "name": ["<b>Alpha</b>", None, "Gamma"],
        "returns": [1234, 5, 1234567],
        "cost": [1500.0, None, 2500000.0],
        "share": [0.5, None, 1.0],
        "typed": [1.5, 2.0, 12345.0],
        "key": [True, False, True],
        "setting": ["4", "0.500", "£100,000"],
    }
)


def cells(markup: str, tag: str = "td") -> list[tuple[str, str]]:
    """Each cell of a tag as (its attributes, what a reader sees)."""
    return [
        (attributes, html.unescape(re.sub(r"<[^>]+>", "", text)))
        for attributes, text in re.findall(rf"<{tag}((?:\s[^>]*)?)>(.*?)</{tag}>", markup, re.S)
    ]


def column(markup: str, index: int, width: int, tag: str = "td") -> list[tuple[str, str]]:
    return cells(markup, tag)[index::width]


def is_num(attributes: str) -> bool:
    return bool(re.search(r'class="[^"]*\bnum\b', attributes))


def test_numeric_columns_are_marked_on_their_cells_and_header_and_text_ones_are_not():
    markup = table(
        FRAME,
        "Caption",
        [
            ("name", "Name"),
            ("returns", "Returns"),
            ("cost", "Cost", "money"),
            ("share", "Share", "percent"),
            ("typed", "Typed"),
            ("key", "Key", "yes_no"),
        ],
    )

    numeric = {"Returns", "Cost", "Share", "Typed"}
    headers = cells(markup, "th")
    assert [text for _, text in headers] == ["Name", "Returns", "Cost", "Share", "Typed", "Key"]
    for index, (attributes, header) in enumerate(headers):
        assert is_num(attributes) == (header in numeric), header
        assert 'scope="col"' in attributes
        for attributes, _ in column(markup, index, len(headers)):
            assert is_num(attributes) == (header in numeric), header


def test_counts_and_whole_numbers_take_thousands_separators():
    markup = table(FRAME, "Caption", [("returns", "Returns"), ("typed", "Typed")])

    assert [text for _, text in cells(markup)] == ["1,234", "1.5", "5", "2", "1,234,567", "12,345"]
    assert formats.count(1234) == "1,234" and formats.count(12.0) == "12"
    assert formats.number(100000.0) == "100,000" and formats.number(0.8) == "0.8"


def test_a_text_column_of_numbers_as_written_is_right_aligned():
    markup = table(FRAME, "Caption", [("setting", "Setting"), ("name", "Name", "answer")])

    setting, name = cells(markup, "th")
    assert is_num(setting[0]) and not is_num(name[0])


def test_an_empty_cell_reads_as_its_columns_blank_word_or_the_default():
    markup = table(
        FRAME,
        "Caption",
        [
            ("name", "Name"),
            ("share", "Share", "percent", "not asked"),
            ("cost", "Cost", None, "None"),
        ],
    )

    shown = [text for _, text in cells(markup)]
    assert shown[3:6] == [BLANK, "not asked", "None"]
    assert all(text.strip() for text in shown)


def test_a_frame_shown_whole_has_no_empty_cell_and_formats_numbers_by_type():
    frame = pd.DataFrame({"File": ["a.csv", None], "Bytes": [106472, 9]})

    markup = table(frame, "Inputs")

    assert [text for _, text in cells(markup)] == ["a.csv", "106,472", BLANK, "9"]
    assert [is_num(a) for a, _ in cells(markup, "th")] == [False, True]


def test_cells_headers_and_caption_are_escaped_and_rag_classes_kept():
    frame = pd.DataFrame({"<i>h</i>": ["<script>x</script>"], "band": ["Concern"]})

    markup = table(frame, "A & B", rag=["band"], meanings={"Concern": "concern"})

    assert "<script>" not in markup and "<i>" not in markup
    assert "&lt;script&gt;x&lt;/script&gt;" in markup and "&lt;i&gt;h&lt;/i&gt;" in markup
    assert "<caption>A &amp; B</caption>" in markup
    assert '<td class="rag rag-concern">Concern</td>' in markup
    assert "<thead>" in markup  # the header row repeats on each PDF page (committee.css)


def test_a_hash_is_shortened_to_twelve_digits():
    digest = "0123456789abcdef" * 4

    assert formats.short_hash(digest) == "0123456789ab…"
    assert formats.short_hash(None) == ""


def test_a_rule_is_named_without_its_conditions():
    assert formats.rule_name("rule 6: good_headings ge 3; poor_headings eq 0") == "rule 6"
    assert formats.rule_name("default: no rule matched") == "default"


# --- the report the sample gives -----------------------------------------------------------


@pytest.fixture(scope="module")
def report_sections(sample_stages: Path) -> dict[str, str]:
    """Every section of the sample year's report, rendered in process (no notebook run): each
    function of sections.py that takes only the report data, so a new section is checked too."""
    data = sections.load(YEAR, sample_stages, settings.load(sample_stages))
    return {
        name: section(data).data
        for name, section in inspect.getmembers(sections, inspect.isfunction)
        if section.__module__ == sections.__name__
        and list(inspect.signature(section).parameters) == ["data"]
    }


def test_the_report_has_no_empty_table_cell(report_sections):
    assert {"appendix", "method", "governance_appendix", "value_for_money_appendix"} <= set(
        report_sections
    )
    tables = 0
    for name, markup in report_sections.items():
        tables += markup.count("<table")
        for attributes, text in cells(markup):
            assert text.strip(), f"an empty cell in {name}: <td{attributes}>"
    assert tables >= 40  # every table of the report was looked at


def test_every_settings_table_of_the_method_has_a_value_in_every_row(sample_stages):
    config = settings.load(sample_stages)

    for part in explain.explain(config.toolkit, config.protocol):
        for shown in part.tables:
            for row in shown.rows:
                assert all(cell.strip() and cell.strip() != "-" for cell in row), (
                    shown.caption,
                    row,
                )
                assert not any("{" in cell for cell in row), (shown.caption, row)


def test_the_method_shows_short_hashes_and_names_the_manifest(report_sections, sample_stages):
    markup = report_sections["method"]
    inputs = sections.load(YEAR, sample_stages, settings.load(sample_stages)).inputs

    hashes = re.findall(r"<td[^>]*>([0-9a-f]+)…</td>", markup)
    assert sorted(hashes) == sorted(h[: formats.HASH_DIGITS] for h in inputs["SHA-256"])
    assert not any(full in markup for full in inputs["SHA-256"])
    assert f"the full values are in outputs/{YEAR}/manifest.json" in markup


@pytest.mark.e2e
def test_the_published_report_shows_short_hashes_the_manifest_holds_in_full(shared_run):
    page = paths.report_html(YEAR, shared_run.root).read_text(encoding="utf-8")
    manifest = json.loads(paths.manifest_file(YEAR, shared_run.root).read_text(encoding="utf-8"))

    shown = re.findall(r"<td>([^<]+)</td><td[^>]*>[\d,]+</td><td[^>]*>([0-9a-f]{12})…</td>", page)
    full = {record["file"]: record["sha256"] for record in manifest["inputs"]}
    assert shown, "no input file in the method section"
    for file, short in shown:
        assert len(full[file]) == 64 and full[file].startswith(short), file
    assert not any(digest in page for digest in full.values())
    assert not re.search(r"<td[^>]*>\s*</td>", page)  # and no empty cell in the whole page


@pytest.mark.e2e
def test_a_long_table_repeats_its_header_row_on_each_pdf_page(shared_run):
    pypdfium2 = pytest.importorskip("pypdfium2")
    pdf = pypdfium2.PdfDocument(paths.report_pdf(YEAR, shared_run.root))
    pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    caption = "Governance heading by heading, every partnership, by ID"

    first = next(i for i, text in enumerate(pages) if caption in text)
    # the appendix lists every partnership (over 100 in the sample): it runs on
    following = pages[first + 1]
    assert caption not in following
    header = " ".join(following.split()[:3])
    assert header == "ID Partnership RP", following[:200]
    assert "PSH-" in following
