"""`make pictures`: the report's HTML in Chromium and its PDF's first pages as PNGs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from pipeline import paths, pictures
from pipeline.errors import PipelineError

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _pdf(pdf_path: Path, pages: int) -> Path:
    from weasyprint import HTML

    body = "".join(
        f'<h2 style="break-before: page">Page {number}</h2>' for number in range(2, pages + 1)
    )
    HTML(string=f'<html lang="en-GB"><title>T</title><h1>T</h1>{body}</html>').write_pdf(pdf_path)
    return pdf_path


def test_picture_pdf_writes_the_first_three_pages_at_about_100_dpi(tmp_path: Path) -> None:
    pdf_path = _pdf(tmp_path / "report.pdf", pages=4)
    folder = tmp_path / "images"
    folder.mkdir()

    written = pictures.picture_pdf(pdf_path, folder)

    assert [path.name for path in written] == [
        "report-pdf-page-1.png",
        "report-pdf-page-2.png",
        "report-pdf-page-3.png",
    ]
    with Image.open(written[0]) as picture:
        assert picture.size == (827, 1170)  # A4 at 100 dpi


def test_picture_pdf_gives_the_same_bytes_twice_and_stops_at_the_last_page(
    tmp_path: Path,
) -> None:
    pdf_path = _pdf(tmp_path / "report.pdf", pages=1)
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()

    once = pictures.picture_pdf(pdf_path, first)
    again = pictures.picture_pdf(pdf_path, second)

    assert [path.name for path in once] == ["report-pdf-page-1.png"]
    assert once[0].read_bytes() == again[0].read_bytes()


def test_write_pictures_asks_for_the_report_first(project_root: Path) -> None:
    with pytest.raises(PipelineError, match=r"annual_report\.html is missing; run `make report`"):
        pictures.write_pictures(2025, project_root)

    assert not paths.pictures_dir(project_root).exists()


@pytest.mark.e2e
@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium: apt-get install -y chromium")
def test_picture_html_shows_the_first_screen_and_the_first_profile(tmp_path: Path) -> None:
    page = tmp_path / "annual_report.html"
    filler = "<p>Background.</p>" * 200
    page.write_text(
        '<!DOCTYPE html><html lang="en-GB"><head><title>T</title>'
        '<link rel="stylesheet" href="https://example.org/never.css"></head><body><main>'
        f'<h1>Report</h1>{filler}<section class="profile"><h2>A profile</h2></section>'
        "</main></body></html>",
        encoding="utf-8",
    )
    folder = tmp_path / "images"
    folder.mkdir()

    written = pictures.picture_html(page, folder)

    assert [path.name for path in written] == ["report-html.png", "report-html-profile.png"]
    for path in written:
        with Image.open(path) as picture:
            assert picture.size == (1280, 1600)
    assert written[0].read_bytes() != written[1].read_bytes()  # scrolled to the profile

    page.write_text(page.read_text(encoding="utf-8").replace("profile", "finding"), "utf-8")
    again = pictures.picture_html(page, folder)

    assert [path.name for path in again] == ["report-html.png"]
    assert not (folder / "report-html-profile.png").exists()  # no stale picture of a profile
