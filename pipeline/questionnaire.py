"""The printable questionnaire and governance checklist, written from config/protocol.yaml.

The survey, the validation and the scoring come from one source: this renders that
source for people (officers filling it in, clerks loading it into a survey tool).
"""

from __future__ import annotations

from pathlib import Path

from pipeline import paths
from pipeline.protocol import Protocol
from pipeline.toolkit import Toolkit

_TYPE_HELP = {
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
        answers = "; ".join(q.options) if q.options else _TYPE_HELP[q.type]
        lines.append(f"Answer: {answers}  " if q.help else f"Answer: {answers}")
        if q.help:
            lines.append(f"_{q.help}_")
        lines.append("")
    lines += [
        "## Governance checklist",
        "",
        "Each item counts once towards governance completeness when evidenced:",
        "",
    ]
    # The toolkit names questions by key; officers read the question numbers they see.
    for key in toolkit.governance_yes_items:
        item = protocol.by_key(key)
        lines.append(f"- [ ] {item.text} ({item.id}: {toolkit.evidenced_answer})")
    line = protocol.by_key(toolkit.governance_reporting_line)
    lines.append(f"- [ ] {line.text} ({line.id}: answered)")
    lines.append(
        f"- [ ] Reviewed in the last {toolkit.review_period_months} months "
        f"({protocol.id_of(toolkit.governance_last_review)})"
    )
    return "\n".join(lines).rstrip() + "\n"


def write_questionnaire(text: str, root: Path | str | None = None) -> Path:
    path = paths.questionnaire_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
