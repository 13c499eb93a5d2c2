"""The printable questionnaire and governance checklist, written from config/protocol.yaml.

The survey, the validation and the scoring come from one source: this renders that
source for people (officers filling it in, clerks loading it into a survey tool).
"""

from __future__ import annotations

from pathlib import Path

from pipeline import paths
from pipeline.protocol import Protocol
from pipeline.toolkit import Toolkit
from pipeline.toolkit.governance import EvidenceItem

# What kind of answer each question type takes, in words (the printed questionnaires).
TYPE_HELP = {
    "text": "Free text",
    "email": "Email address",
    "single": "Choose one",
    "multi": "Choose all that apply",
    "date": "Date (day/month/year)",
    "money": "Pounds a year (a number; 0 if none)",
    "number": "Number",
    "agree5": "Strongly agree / Agree / Neither agree nor disagree / Disagree / "
    "Strongly disagree / Don't know",
}


def _counts_when(item: EvidenceItem) -> str:
    """What an officer's answer must be for the item to count, in a few words."""
    if item.kind == "answer_in":
        return " or ".join(item.answers or ())
    if item.kind == "answered":
        return "answered"
    if item.kind == "within_months":
        return f"in the last {item.months} months"
    if item.kind == "agree_at_least":
        return f"officers' mean agreement at least {item.score:g} of 5"
    return f"above {item.value:g}"


def render_questionnaire(protocol: Protocol, toolkit: Toolkit) -> str:
    """The questionnaire as Markdown: sections, question IDs, wording, answers, help."""
    lines = [
        f"# Partnership survey: questionnaire (protocol version {protocol.version})",
        "",
        "Written from `config/protocol.yaml` by `make questionnaire`; do not edit by hand.",
        "One return is one officer's answers about one partnership.",
        "",
    ]
    section = None
    for q in protocol.questions:
        if q.section != section:
            section = q.section
            lines += [f"## {section}", ""]
        required = " (required)" if q.required else ""
        lines.append(f"**{q.id}. {q.text}**{required}  ")
        answers = "; ".join(q.options) if q.options else TYPE_HELP[q.type]
        lines.append(f"Answer: {answers}  " if q.help else f"Answer: {answers}")
        if q.help:
            lines.append(f"_{q.help}_")
        lines.append("")
    lines += [
        "## Governance checklist",
        "",
        "The evidence the toolkit reads under each governance heading (Audit Commission, "
        "*Governing partnerships*, 2005). An item counts when evidenced; "
        '"Don\'t know" is never evidence.',
        "",
    ]
    # The toolkit names its items by question key; the printed checklist shows this
    # year's question numbers, which officers see on the form.
    for heading in toolkit.governance.headings.values():
        lines += [f"### {heading.name}", ""]
        for item in heading.items:
            question = protocol.by_key(item.question)
            lines.append(f"- [ ] {question.text} ({question.id}: {_counts_when(item)})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_questionnaire(text: str, root: Path | str | None = None) -> Path:
    path = paths.questionnaire_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
