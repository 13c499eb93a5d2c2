"""The exported report passes every axe-core rule, in a real browser.

Every rule axe runs by default: WCAG 2.0-2.2 A and AA and axe's best practices (one main
landmark, headings in order, a region for all content and the like), minor or not: no
`runOnly` (decision D31). Chromium comes from Debian (.ci/run installs it); Playwright
drives it without downloading a browser of its own, and axe-core comes bundled in
axe-playwright-python.
"""

import pytest
from helpers import CHROMIUM, REQUIRE_ALL_CHECKS, axe_violations

from pipeline import paths

YEAR = 2025

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        CHROMIUM is None and not REQUIRE_ALL_CHECKS,
        reason="needs Chromium: apt-get install -y chromium (CI installs it)",
    ),
]


def test_axe_check_finds_a_planted_violation(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>t</title></head><body><main>"
        '<img src="x.png"></main></body></html>',
        encoding="utf-8",
    )

    results = axe_violations(page)

    assert results.violations_count >= 3, results.generate_report()  # no lang, no alt, no h1
    rules = {violation["id"] for violation in results.response["violations"]}
    assert {"html-has-lang", "image-alt", "page-has-heading-one"} <= rules  # best practice too


def test_report_html_has_no_axe_violations_of_any_rule(shared_run):
    results = axe_violations(paths.report_html(YEAR, shared_run.root))

    assert results.violations_count == 0, results.generate_report()


def test_data_docs_page_has_no_axe_violations_of_any_rule(shared_run):
    results = axe_violations(paths.data_docs_page(YEAR, shared_run.root))

    assert results.violations_count == 0, results.generate_report()
    assert len(results.response["passes"]) >= 10  # axe ran its checks on the page


def test_a_framework_page_has_no_axe_violations_of_any_rule(tmp_path):
    """The framework's page shell (pipeline/framework/pages.py): each document's own page
    is checked in its family's tests."""
    from pipeline.framework import pages

    body = pages.Markup("<h1>Questionnaire</h1><h2>About you</h2><p>Q1. Your name</p>")
    html = tmp_path / "page.html"
    html.write_text(pages.page("Questionnaire", body), encoding="utf-8")

    results = axe_violations(html)

    assert results.violations_count == 0, results.generate_report()


def test_the_framework_index_has_no_axe_violations_of_any_rule(sample_stages, tmp_path):
    from pipeline import framework

    sources = framework.Sources.load(sample_stages, YEAR)
    written = framework.write_framework(sources, tmp_path / "framework")

    results = axe_violations(tmp_path / "framework" / framework.INDEX)

    assert len(written) > 30
    assert results.violations_count == 0, results.generate_report()
