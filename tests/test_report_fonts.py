"""The paper's font (decision D53): fontconfig is asked, as Pango asks it, what Arial is."""

from __future__ import annotations

import pytest

from pipeline.report import fonts


def test_fontconfig_resolves_an_installed_family_to_itself() -> None:
    # DejaVu Sans comes with the apt line (fonts-dejavu-core) on every machine that runs this
    assert fonts.resolved_family("DejaVu Sans") == "DejaVu Sans"


@pytest.mark.parametrize("family", ["Arial", "Liberation Sans", "Arimo"])
def test_arial_or_its_metric_twin_is_no_problem(
    family: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonts, "resolved_family", lambda name: family)

    assert fonts.paper_font_problem() is None


def test_a_fallback_in_other_widths_is_named_with_the_apt_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fonts, "resolved_family", lambda name: "DejaVu Sans")

    problem = fonts.paper_font_problem()

    assert problem is not None
    assert "DejaVu Sans" in problem
    assert problem.endswith(fonts.FONT_APT_LINE)
    assert "\n" not in problem
    assert fonts.main() == 1
    assert capsys.readouterr().err == problem + "\n"


def test_without_fontconfig_the_check_leaves_it_to_weasyprints_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fonts, "_fontconfig", lambda: None)

    assert fonts.resolved_family("Arial") is None
    assert fonts.paper_font_problem() is None
    assert fonts.main() == 0


def test_the_machine_that_runs_the_suite_has_the_papers_font() -> None:
    # make test's syslibs step installs it (or stops with the apt line): the PDF tests
    # below it measure the paper in the widths it is designed for
    assert fonts.paper_font_problem() is None
