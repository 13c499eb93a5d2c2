"""toolkit.yaml ``checklists:``: the checklists for a partnership's life (decision D35).

Establishing a new partnership, the annual review and exit each draw their items from the
governance headings (named by key), so that a heading changed in toolkit.yaml changes the
checklists; ``also`` adds a stage's own items in plain words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import Field, model_validator

from pipeline.config import KeyPath, Strict
from pipeline.errors import PipelineError
from pipeline.toolkit.governance import Governance


class Checklist(Strict):
    """One stage's checklist: its title, what it is for, the governance headings its items
    come from (in the order shown) and the stage's own items."""

    title: str = Field(min_length=1)
    purpose: str = Field(min_length=1)
    headings: Annotated[
        tuple[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], ...],
        Field(strict=False, min_length=1),
    ]
    also: Annotated[tuple[Annotated[str, Field(min_length=1)], ...], Field(strict=False)] = ()

    @model_validator(mode="after")
    def _each_heading_once(self) -> Checklist:
        twice = sorted({h for h in self.headings if self.headings.count(h) > 1})
        if twice:
            raise ValueError(f"'{twice[0]}' is listed twice: list each heading once")
        return self


class Checklists(Strict):
    """The three stages of a partnership's life, in the order they are printed."""

    establish: Checklist
    review: Checklist
    exit: Checklist

    def stages(self) -> dict[str, Checklist]:
        """Stage key -> its checklist, in the printed order."""
        return {name: getattr(self, name) for name in type(self).model_fields}


def check_checklists(
    checklists: Checklists,
    governance: Governance,
    fail: Callable[[KeyPath, str], PipelineError],
) -> None:
    """Every heading a checklist draws on is a governance heading."""
    for stage, checklist in checklists.stages().items():
        for index, heading in enumerate(checklist.headings):
            if heading not in governance.headings:
                raise fail(
                    ("checklists", stage, "headings", index),
                    f"'{heading}' is no heading under governance.headings "
                    f"({', '.join(governance.headings)}).",
                )
