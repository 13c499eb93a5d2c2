"""The committee paper's own parts (decision D28): the heading block from council.yaml, the
outline and contents, the recommendations worded for decision, the implications and the
background papers; each rendered from small in-memory report data."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from helpers import KIT, with_action
from test_report_sections import (
    COUNCIL,
    SCRIPT,
    evaluation,
    partnership,
    report_data,
    text_of,
)

from pipeline import council, paths, settings
from pipeline.errors import PipelineError
from pipeline.report import outline, sections
from pipeline.toolkit import Action


def _with_committee(**changes: object) -> sections.ReportData:
    committee = COUNCIL.committee.model_copy(update=changes)
    return report_data(council=COUNCIL.model_copy(update={"committee": committee}))


def test_heading_block_gives_every_part_of_a_committee_report():
    block = text_of(str(sections.title(report_data()).data))
    committee = COUNCIL.committee

    assert "Testshire County Council Annual Report on Key Partnerships 2025" in block
    assert f"Report to {committee.report_to}" in block
    assert "Date of meeting 15 July 2025" in block
    assert f"Report of {committee.report_of}" in block
    assert committee.contact.name in block and committee.contact.email in block
    assert committee.contact.telephone in block
    assert "Part I or Part II Part I (public)" in block
    assert "Corporate priorities Better lives for all; Economic ambition" in block
    assert "Electoral divisions All" in block
    assert "survey closed 30 April 2025" in block


def test_heading_block_says_when_the_meeting_date_is_not_set():
    block = text_of(str(sections.title(_with_committee(meeting_dates={})).data))

    assert "Date of meeting To be confirmed" in block


def test_a_part_two_report_says_it_is_not_for_publication():
    block = text_of(str(sections.title(_with_committee(part="II")).data))

    assert "Part II: not for publication." in block
    assert "Part II (exempt from publication)" in block


def test_heading_block_escapes_what_council_yaml_says():
    page = str(sections.title(_with_committee(report_to=SCRIPT)).data)

    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_recommendations_ask_the_committee_to_agree_each_attention_action_with_its_count():
    text = text_of(str(sections.recommendations(report_data()).data))

    assert text.startswith("The Compliance and Assurance Board is asked to:")
    assert "note the registry of the 4 partnerships the council is in" in text
    assert "the 1 key partnership profiled in Appendix A" in text
    assert "agree the review of the 1 partnership recommended for review and listed in" in text
    assert "agree that officers plan the council's exit from the 1 partnership recommended" in text
    assert "inform the council's Annual Governance Statement" in text


def test_recommendations_leave_out_an_action_no_partnership_has():
    frame = evaluation(partnership(1), partnership(2, action="review"))
    text = text_of(str(sections.recommendations(report_data(frame)).data))

    assert "agree the review of the 1 partnership" in text
    assert "exit from" not in text


def test_a_new_attention_action_is_agreed_in_general_words():
    kit = with_action(
        KIT, "escalate", Action(label="Escalate", colour="#12436D", attention=True), "exit"
    )
    frame = evaluation(partnership(1, action="escalate"), partnership(2))
    text = text_of(str(sections.recommendations(report_data(frame, toolkit=kit)).data))

    assert "agree the recommended action “Escalate” for the 1 partnership" in text


def test_appendix_b_is_titled_by_the_toolkits_attention_actions():
    heading = str(sections.heading(report_data(), "appendix-b").data)

    assert '<h2 id="appendix-b" class="appendix">' in heading
    assert "Appendix B: Partnerships recommended for exit or review" in heading


def test_implications_cover_law_money_equality_and_risk():
    frame = evaluation(
        partnership(
            1,
            statutory=True,
            statutory_requirement="Yes - statutory duty",
            statutory_basis="Children Act 2004, s.10",
            partnership_agreement="No",
        ),
        partnership(
            2,
            risk_level="High",
            uncontrolled_risk=True,
            risk_controls_missing="no risk register",
            action="review",
        ),
        partnership(3, equality_impact_assessment="No", key_partnership=True),
    )
    none_missing = evaluation(
        partnership(1, equality_impact_assessment="Not applicable", key_partnership=True)
    )
    quiet = text_of(str(sections.implications(report_data(none_missing)).data))
    assert "partnership by partnership: Not applicable 1." in quiet
    assert "No key partnership reports that it has no equality impact assessment." in quiet
    text = text_of(str(sections.implications(report_data(frame)).data))

    assert "5.1 Legal implications" in text and "5.4 Risk management implications" in text
    assert "1 of the 3 partnerships is required by law" in text
    assert "1 of them has no signed partnership agreement reported" in text
    assert "Children Act 2004, s.10" in text
    assert "The partnerships cost the council £3,000 a year" in text
    assert "The 1 partnership recommended for exit or review cost the council £1,000" in text
    assert "partnership by partnership: Yes 2, No 1." in text
    assert "1 key partnership reports no equality impact assessment; its profile says" in text
    assert "1 partnership carries one:" in text and "no risk register" in text


def test_background_papers_come_from_council_yaml_or_say_there_are_none():
    listed = text_of(str(sections.background_papers(report_data()).data))
    none = text_of(str(sections.background_papers(_with_committee(background_papers=())).data))

    assert COUNCIL.committee.background_papers[0].title in listed
    assert none.endswith("There are no background papers to this report.")


def test_outline_never_skips_a_heading_level_and_numbers_its_parts():
    levels = [section.level for section in outline.OUTLINE]
    anchors = [section.anchor for section in outline.OUTLINE]

    assert levels[0] == 2 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert len(set(anchors)) == len(anchors)
    assert outline.section("landscape").text() == "4.1 The partnership landscape"
    assert outline.section("summary").text() == "1. Summary"
    assert outline.section("appendix-c").text() == "Appendix C: The registry of partnerships"
    with pytest.raises(KeyError, match="no section"):
        outline.section("nowhere")


def test_contents_link_every_section_of_the_outline():
    page = str(sections.contents(report_data()).data)
    links = re.findall(r'<a href="#([^"]+)">', page)
    sections_linked = [link for link in links if not link.startswith("profile-")]

    assert sections_linked == [s.anchor for s in outline.OUTLINE if s.anchor != "contents"]
    assert '<h2 id="contents">Contents</h2>' in page
    # FOUR's key partnership is profiled in A, its review and exit ones in B: each right
    # after its appendix's own entry
    assert links[links.index("appendix-a") + 1] == "profile-psh-0001"
    assert links[links.index("appendix-b") + 1 : links.index("appendix-c")] == [
        "profile-psh-0004",
        "profile-psh-0002",
    ]


COMMITTEE_ERRORS = [
    ("  part: I\n", "  part: III\n", r"committee\.part \(line \d+\): Input should be 'I' or 'II'"),
    (
        "    2025: 2025-07-15\n",
        "    2025: 2052-07-15\n",
        r"committee\.meeting_dates\[2025\] \(line \d+\): 2052-07-15 is not in 2025 or 2026",
    ),
    (
        "    email: partnerships@northmoor-cc.example\n",
        "    email: partnerships\n",
        r"committee\.contact\.email \(line \d+\): String should match pattern",
    ),
    (
        "  report_to: Compliance and Assurance Board\n",
        "  report_too: Board\n",
        r"committee\.report_too \(line \d+\): unknown key",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), COMMITTEE_ERRORS)
def test_a_mistake_in_the_committee_block_is_one_line_naming_the_key(tmp_path, old, new, message):
    config = paths.config_dir(tmp_path)
    config.mkdir(parents=True)
    text = paths.council_file().read_text(encoding="utf-8")
    assert old in text
    (config / "council.yaml").write_text(text.replace(old, new), encoding="utf-8")

    with pytest.raises(PipelineError, match=message) as caught:
        council.load(tmp_path)
    assert "\n" not in str(caught.value)


def test_a_council_yaml_without_the_committee_block_is_refused(tmp_path):
    config = paths.config_dir(tmp_path)
    config.mkdir(parents=True)
    text = paths.council_file().read_text(encoding="utf-8")
    (config / "council.yaml").write_text(text.split("\ncommittee:")[0] + "\n", encoding="utf-8")

    with pytest.raises(PipelineError, match=r"council\.yaml: committee: missing key\."):
        council.load(tmp_path)


def test_meeting_date_is_read_by_year():
    assert COUNCIL.committee.meeting_date(2025) == dt.date(2025, 7, 15)
    assert COUNCIL.committee.meeting_date(2031) is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    - Economic ambition\n",
            "    - Economic ambitoin\n",
            r"committee\.corporate_priorities\[1\] \(line \d+\): 'Economic ambitoin' is not an "
            r"option of the priorities question",
        ),
        (
            "    - Better lives for all\n",
            "    - All\n",
            r"committee\.corporate_priorities\[0\] \(line \d+\): 'All' is not",
        ),
    ],
)
def test_corporate_priorities_are_the_surveys_or_all(tmp_path, old, new, message):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    path = paths.council_file(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")

    with pytest.raises(PipelineError, match=message):
        settings.load(tmp_path)


def test_all_on_its_own_stands_for_every_priority(tmp_path):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    path = paths.council_file(tmp_path)
    text = path.read_text(encoding="utf-8")
    listed = text[text.index("  corporate_priorities:\n") : text.index("  electoral_divisions")]
    path.write_text(text.replace(listed, "  corporate_priorities: [All]\n"), encoding="utf-8")

    assert settings.load(tmp_path).council.committee.corporate_priorities == ("All",)
