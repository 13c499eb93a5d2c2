"""The checklists for a partnership's life (pipeline/framework/checklists.py): establishing
a new partnership, the annual review and exit, their items drawn from toolkit.yaml's
governance headings (decision D35)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from helpers import CHROMIUM, REQUIRE_ALL_CHECKS, axe_violations

from pipeline import framework, paths, settings
from pipeline.errors import PipelineError
from pipeline.framework import checklists

YEAR = 2025


def _edit(root: Path, file: str, old: str, new: str) -> None:
    target = paths.config_dir(root) / file
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


class _Outline(HTMLParser):
    """The page's headings (level, text) and the number of list items under each h3."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.items: list[str] = []
        self._open: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]|li", tag):
            self._open, self._text = tag, ""

    def handle_data(self, data):
        if self._open:
            self._text += data

    def handle_endtag(self, tag):
        if tag == self._open:
            text = " ".join(self._text.split())
            if tag == "li":
                self.items.append(text)
            else:
                self.headings.append((int(tag[1]), text))
            self._open = None


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checklists written from the repository's config (read-only)."""
    out = tmp_path_factory.mktemp("checklists")
    checklists.write(framework.Sources(settings.load(), YEAR), out)
    return out


def test_each_stage_draws_every_item_of_its_headings_then_its_own():
    config = framework.Sources(settings.load(), YEAR).config
    kit, protocol = config.toolkit, config.protocol

    listed = checklists.checklists(kit, protocol)

    assert [c.stage for c in listed] == ["establish", "review", "exit"]
    for checklist, spec in zip(listed, kit.checklists.stages().values(), strict=True):
        headings = [kit.governance.headings[key] for key in spec.headings]
        assert [p.heading for p in checklist.parts] == [h.name for h in headings] + [
            checklists.STAGE_ITEMS
        ]
        for part, heading in zip(checklist.parts, headings, strict=False):
            questions = [protocol.by_key(item.question) for item in heading.items]
            assert len(part.items) == len(questions)
            for item, question in zip(part.items, questions, strict=True):
                assert item.text.startswith(f"{question.text} ({question.id}: ")
        assert [i.text for i in checklist.parts[-1].items] == list(spec.also)


def test_the_page_has_one_h1_an_h2_per_checklist_and_an_h3_per_heading(page):
    config = framework.Sources(settings.load(), YEAR).config
    listed = checklists.checklists(config.toolkit, config.protocol)
    outline = _Outline()

    outline.feed((page / checklists.PAGE_FILE).read_text(encoding="utf-8"))

    expected = [(1, checklists.PAGE_TITLE)]
    for checklist in listed:
        expected.append((2, checklist.title))
        expected += [(3, part.heading) for part in checklist.parts]
    assert outline.headings == expected
    assert len(outline.items) == sum(len(p.items) for c in listed for p in c.parts)
    assert (page / "checklists.pdf").read_bytes().startswith(b"%PDF")


def test_each_checklist_docx_opens_and_holds_every_heading_and_item(page):
    config = framework.Sources(settings.load(), YEAR).config

    for checklist in checklists.checklists(config.toolkit, config.protocol):
        document = docx.Document(page / checklists.docx_name(checklist.stage))
        texts = [p.text for p in document.paragraphs]

        assert texts[0] == checklist.title
        for part in checklist.parts:
            assert part.heading in texts
            for item in part.items:
                assert any(t.startswith(f"{checklists.BOX} {item.text}") for t in texts), item


def test_changing_a_heading_in_toolkit_yaml_changes_the_checklists(project_root):
    _edit(
        project_root,
        "toolkit.yaml",
        "    exit:\n      name: Exit\n",
        "    exit:\n      name: Leaving well\n",
    )
    _edit(
        project_root,
        "toolkit.yaml",
        "missing: no agreed exit strategy, unanswered: no answer on an exit strategy}",
        "missing: no agreed exit strategy, unanswered: no answer on an exit strategy}\n"
        '        - {question: partnership_agreement, kind: answer_in, answers: ["Yes"],\n'
        "           missing: no signed agreement to leave by, unanswered: no answer on it}",
    )
    config = framework.Sources.load(project_root, YEAR).config

    exit_list = checklists.checklists(config.toolkit, config.protocol)[-1]

    assert exit_list.parts[0].heading == "Leaving well"
    agreement_question = config.protocol.by_key("partnership_agreement")
    assert [i.text.split(" (")[0] for i in exit_list.parts[0].items] == [
        config.protocol.by_key("exit_strategy").text,
        agreement_question.text,
    ]
    assert exit_list.parts[0].items[1].not_in_place == "no signed agreement to leave by"


def test_a_checklist_heading_that_is_no_governance_heading_is_one_line(project_root):
    _edit(
        project_root,
        "toolkit.yaml",
        "headings: [exit, risk, finance]",
        "headings: [exitt, risk, finance]",
    )
    line = next(
        n
        for n, text in enumerate(
            (paths.config_dir(project_root) / "toolkit.yaml")
            .read_text(encoding="utf-8")
            .splitlines(),
            start=1,
        )
        if "exitt" in text
    )

    with pytest.raises(PipelineError) as raised:
        framework.Sources.load(project_root, YEAR)

    message = str(raised.value)
    assert "\n" not in message
    assert (
        f"toolkit.yaml: checklists.exit.headings[0] (line {line}): 'exitt' is no heading" in message
    )


def test_the_framework_is_byte_identical_on_a_second_generation(sample_stages, tmp_path):
    sources = framework.Sources.load(sample_stages, YEAR)

    first = framework.write_framework(sources, tmp_path / "first")
    second = framework.write_framework(sources, tmp_path / "second")

    names = [p.relative_to(tmp_path / "first") for p in first]
    assert names == [p.relative_to(tmp_path / "second") for p in second]
    assert any(n.parts[0] == "agreements" for n in names)
    for name in names:
        assert (tmp_path / "first" / name).read_bytes() == (
            tmp_path / "second" / name
        ).read_bytes(), name


@pytest.mark.e2e
@pytest.mark.skipif(
    CHROMIUM is None and not REQUIRE_ALL_CHECKS,
    reason="needs Chromium: apt-get install -y chromium (CI installs it)",
)
def test_the_checklists_page_has_no_axe_violations_of_any_rule(page):
    results = axe_violations(page / checklists.PAGE_FILE)

    assert results.violations_count == 0, results.generate_report()
