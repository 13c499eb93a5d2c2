"""Pictures of the product: the report's HTML and its PDF's first pages as PNGs for the README.

Reads outputs/<year>/annual_report.html and .pdf (written by `make report`) and writes
docs/images/ (paths.pictures_dir): the HTML's first screen in Chromium at 1280 px wide, the
same page scrolled to the first partnership profile, and the PDF's first pages at about
100 dpi. Playwright and pypdfium2 are dev tools, imported only here. The page is opened
offline (every http(s) request is refused), so a picture shows only what the file holds.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

from pipeline import council, paths
from pipeline.errors import PipelineError

logger = logging.getLogger(__name__)

VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1280, 1600  # pixels: the first screen of a wide display
PDF_PAGES = 3
PDF_DPI = 100
PROFILE_SELECTOR = ".profile"
HTML_PICTURE = "report-html.png"
PROFILE_PICTURE = "report-html-profile.png"
CHROMIUM_APT_LINE = "apt-get install -y chromium"
DEV_EXTRAS = "pip install -e '.[dev]'"


def _chromium() -> str:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise PipelineError(f"make pictures needs Chromium: {CHROMIUM_APT_LINE}")
    return executable


def pdf_page_picture(number: int) -> str:
    """The file name of the PDF's page ``number`` (from 1): report-pdf-page-1.png."""
    return f"report-pdf-page-{number}.png"


def picture_html(html_path: Path, pictures: Path) -> list[Path]:
    """The report's first screen at 1280 px wide and, when it has a profile, the screen at
    its first profile (else an older profile picture is removed); returns the files written."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise PipelineError(f"make pictures needs Playwright ({error}): {DEV_EXTRAS}") from error

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(
                viewport={"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT},
                device_scale_factor=1,
            )
            page.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline
            page.goto(html_path.resolve().as_uri())
            first_screen = pictures / HTML_PICTURE
            page.screenshot(path=first_screen, animations="disabled", caret="hide")
            written.append(first_screen)
            profile = page.locator(PROFILE_SELECTOR).first
            if page.locator(PROFILE_SELECTOR).count() > 0:
                profile.evaluate("element => element.scrollIntoView({block: 'start'})")
                at_profile = pictures / PROFILE_PICTURE
                page.screenshot(path=at_profile, animations="disabled", caret="hide")
                written.append(at_profile)
            else:  # no profile now: an older picture of one would show what is not there
                (pictures / PROFILE_PICTURE).unlink(missing_ok=True)
                logger.info("No element of class 'profile' in %s: no profile picture", html_path)
        finally:
            browser.close()
    return written


def picture_pdf(pdf_path: Path, pictures: Path, pages: int = PDF_PAGES) -> list[Path]:
    """The PDF's first ``pages`` pages at about 100 dpi; returns the files written."""
    try:
        import pypdfium2
    except ImportError as error:
        raise PipelineError(f"make pictures needs pypdfium2 ({error}): {DEV_EXTRAS}") from error

    written = []
    pdf = pypdfium2.PdfDocument(pdf_path)
    try:
        for index in range(min(pages, len(pdf))):
            bitmap = pdf[index].render(scale=PDF_DPI / 72)
            picture = pictures / pdf_page_picture(index + 1)
            bitmap.to_pil().save(picture, format="PNG", optimize=True)  # no date stamped
            written.append(picture)
    finally:
        pdf.close()
    return written


def write_pictures(year: int | None = None, root: Path | str | None = None) -> list[Path]:
    """Pictures of ``year``'s report (default: council.yaml's year) in docs/images/."""
    year = council.load(root).default_year if year is None else year
    html_path, pdf_path = paths.report_html(year, root), paths.report_pdf(year, root)
    for report in (html_path, pdf_path):
        if not report.exists():
            raise PipelineError(f"No report to picture: {report} is missing; run `make report`")
    pictures = paths.pictures_dir(root)
    pictures.mkdir(parents=True, exist_ok=True)
    return picture_html(html_path, pictures) + picture_pdf(pdf_path, pictures)
