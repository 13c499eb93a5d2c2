"""The report's outline: every section's anchor, number, title and heading level, in order.

One place decides the committee paper's shape (decision D28): the notebook calls
``sections.heading`` with an anchor from here, the contents list is drawn from here (with
the partnership profiles, which profiles.py lists), and a test checks that the report's
headings and the contents agree. Headings never skip a level: the title is the one h1,
sections are h2, the findings' and implications' parts h3, and anything inside them h4.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One heading of the paper: ``anchor`` is its id, ``number`` how members cite it."""

    anchor: str
    number: str
    title: str
    level: int
    appendix: bool = False  # starts on a new page in the PDF

    def text(self, attention: str = "review or exit") -> str:
        """The heading as printed: "4.1 The partnership landscape", "Appendix A: Profiles
        of the key partnerships"; ``attention`` words Appendix B's actions."""
        title = self.title.format(attention=attention)
        if not self.number:
            return title
        if self.appendix:
            return f"{self.number}: {title}"
        separator = ". " if "." not in self.number else " "
        return f"{self.number}{separator}{title}"


OUTLINE: tuple[Section, ...] = (
    Section("contents", "", "Contents", 2),
    Section("summary", "1", "Summary", 2),
    Section("recommendations", "2", "Recommendations", 2),
    Section("background", "3", "Background", 2),
    Section("findings", "4", "Findings", 2),
    Section("landscape", "4.1", "The partnership landscape", 3),
    Section("key-partnerships", "4.2", "Key partnerships", 3),
    Section("money", "4.3", "Money and value for money", 3),
    Section("evaluation", "4.4", "Evaluation against the principles of partnership working", 3),
    Section("governance", "4.5", "Governance and risk", 3),
    Section("equality", "4.6", "Equality and diversity", 3),
    Section("changes", "4.7", "Changes since last year", 3),
    Section("data-quality", "4.8", "Data quality", 3),
    Section("implications", "5", "Implications", 2),
    Section("legal", "5.1", "Legal implications", 3),
    Section("financial", "5.2", "Financial implications", 3),
    Section("equality-implications", "5.3", "Equality and diversity implications", 3),
    Section("risk-management", "5.4", "Risk management implications", 3),
    Section("appendix-a", "Appendix A", "Profiles of the key partnerships", 2, appendix=True),
    Section("appendix-b", "Appendix B", "Partnerships recommended for {attention}", 2, True),
    Section("appendix-c", "Appendix C", "The registry of partnerships", 2, appendix=True),
    Section("appendix-d", "Appendix D", "Value for money of every partnership", 2, True),
    Section("appendix-e", "Appendix E", "Governance of every partnership", 2, appendix=True),
    Section("background-papers", "", "Background papers", 2, appendix=True),
    Section("method", "", "Method and reproducibility", 2, appendix=True),
)
BY_ANCHOR = {section.anchor: section for section in OUTLINE}


def section(anchor: str) -> Section:
    """The section of ``anchor``; a name not in the outline is a programming error."""
    try:
        return BY_ANCHOR[anchor]
    except KeyError:
        raise KeyError(f"'{anchor}' is no section of the report's outline") from None
