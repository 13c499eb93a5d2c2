"""The council the report is for: config/council.yaml (name, default year, directorates, and
the committee paper's heading block)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PositiveInt, StringConstraints, model_validator

from pipeline import paths
from pipeline.config import Strict, config_error, load_model_with_lines
from pipeline.errors import PipelineError

# Words of a council's formal name that are not what officers call it ("Northmoor County
# Council" is "Northmoor" or "NCC").
_TIER_WORDS = frozenset({"county", "council", "borough", "district", "city", "metropolitan"})


def derived_short_names(council_name: str) -> tuple[str, ...]:
    """What officers call the council when council.yaml does not say: its name without
    "County", "Council", "Borough", "District", "City", "Metropolitan", and its initials
    ("Northmoor County Council" -> "Northmoor", "NCC")."""
    words = re.findall(r"[A-Za-z0-9']+", council_name)
    place = " ".join(w for w in words if w.casefold() not in _TIER_WORDS)
    initials = "".join(w[0] for w in words).upper()
    return tuple(n for n in dict.fromkeys((place, initials)) if len(n) >= 2)


# A piece of the heading block: surrounding spaces dropped, never blank.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class Contact(Strict):
    """The officer members contact about the report (published in the paper, as every
    committee report names one): never a survey respondent's details."""

    name: Text
    role: Text
    telephone: Text
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class BackgroundPaper(Strict):
    """A document the report relied on that is not published with it, and where it is held."""

    title: Text
    held_by: Text


class Committee(Strict):
    """The committee paper's heading block and background papers (decision D28)."""

    report_to: Text
    # survey year -> the date of the meeting that year's report goes to; a year not listed
    # reads "To be confirmed" in the heading block
    meeting_dates: dict[Year, dt.date] = {}
    report_of: Text
    contact: Contact
    # Part I is public; Part II is exempt from publication (the paper says which)
    part: Literal["I", "II"]
    corporate_priorities: Annotated[tuple[Text, ...], Field(strict=False, min_length=1)]
    electoral_divisions: Text
    background_papers: Annotated[tuple[BackgroundPaper, ...], Field(strict=False)] = ()

    def meeting_date(self, year: int) -> dt.date | None:
        """The date of the meeting the year's report goes to, when council.yaml gives one."""
        return self.meeting_dates.get(year)


class Council(Strict):
    """The council's own settings, checked strictly when loaded."""

    council_name: str = Field(min_length=1)
    # What officers call the council in partnership names ("Northmoor", "NCC"): never
    # evidence for or against two names being one partnership. Default: derived_short_names.
    short_names: Annotated[
        tuple[Annotated[str, Field(min_length=1)], ...], Field(strict=False)
    ] = ()
    default_year: int = Field(ge=2000, le=2100)
    # directorate -> senior officers (Head of Service and above), for response coverage
    directorates: dict[str, PositiveInt] = Field(min_length=1)
    # survey year -> the closing date the survey was published with (decision D24)
    closing_dates: dict[Annotated[int, Field(ge=2000, le=2100)], dt.date] = {}
    # The largest export file read, in megabytes (10^6 bytes): a larger one is refused
    # before it is read, naming this key (decision D22).
    max_export_megabytes: PositiveInt = paths.DEFAULT_MAX_EXPORT_MEGABYTES
    # The committee paper's heading block: who the report goes to, from whom, contact
    committee: Committee

    @model_validator(mode="after")
    def _short_names_are_distinct(self) -> Council:
        folded = [n.casefold() for n in self.short_names]
        if len(set(folded)) != len(folded):
            raise ValueError("short_names lists a name twice")
        return self

    def closing_date(self, year: int) -> dt.date | None:
        """The survey year's published closing date, when council.yaml gives one."""
        return self.closing_dates.get(year)

    def name_forms(self) -> tuple[str, ...]:
        """Every way the council is named: its full name and its short names (given, or
        derived from the full name)."""
        short = self.short_names or derived_short_names(self.council_name)
        return (self.council_name, *short)


def load(root: Path | str | None = None) -> Council:
    """Read config/council.yaml strictly: a typo is one line naming file, key and line. A
    closing date outside its survey year (or the next) is a typo of the year."""
    path = paths.council_file(root)
    council, lines = load_model_with_lines(path, Council)
    for year, closing in council.closing_dates.items():
        if closing.year not in (year, year + 1):
            raise PipelineError(
                config_error(
                    path,
                    ("closing_dates", year),
                    f"{closing.isoformat()} is not in {year} or {year + 1}; check the year.",
                    lines,
                )
            )
    for year, meeting in council.committee.meeting_dates.items():
        if meeting.year not in (year, year + 1):
            raise PipelineError(
                config_error(
                    path,
                    ("committee", "meeting_dates", year),
                    f"{meeting.isoformat()} is not in {year} or {year + 1}; check the year.",
                    lines,
                )
            )
    return council
