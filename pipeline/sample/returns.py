"""One officer's return as the generator hands it to the layout writers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

Answer = str | float | int | datetime.date | None


@dataclass(frozen=True)
class SampleReturn:
    """One officer's answers about one partnership, as the officer typed them.

    ``answers`` is platform-neutral: question ID -> the value typed (money and hours as text,
    dates as text or ``datetime.date``, a multi-select as labels joined by ``"; "`` in the
    order ticked). Layout writers turn it into a platform's columns. ``true_partnership`` is
    the canonical name: ground truth for tests, never written to an export.
    ``respondent_name`` / ``respondent_email`` are who the platform says signed in (its own
    Name / Email columns), which can differ from what was typed in Q1 / Q2.
    """

    response_id: int
    answers: dict[str, Answer]
    submitted_at: datetime.datetime
    started_at: datetime.datetime
    true_partnership: str
    respondent_name: str = ""
    respondent_email: str = ""
