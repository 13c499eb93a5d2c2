"""The benchmark table's rows (issue 20): one shape for `benchmarks/run.py`'s parts.

`benchmarks/whole.py` measures `make report` against its floor; `benchmarks/stages.py` the
data stages on generated returns. Each gives ``Row``s; `run.py` prints them as one table and
exits 1 when a target is missed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One measured line: what ran, on how many returns, its seconds and peak memory, and
    the target it is held to (``met`` None: measured, no target of its own)."""

    what: str
    returns: int | None
    seconds: float
    peak_mib: float | None = None
    floor_seconds: float | None = None
    growth: float | None = None  # exponent k in t ~ n^k from the previous size
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.floor_seconds is None or self.floor_seconds <= 0:
            return None
        return self.seconds / self.floor_seconds


def growth_exponent(n1: int, t1: float, n2: int, t2: float) -> float:
    """k such that t2 / t1 = (n2 / n1) ** k."""
    return math.log(t2 / t1) / math.log(n2 / n1)


def n_log_n_exponent(n1: int, n2: int) -> float:
    """The exponent that n log n growth shows between n1 and n2 (about 1.075 from 200,000
    to 2,000,000): a measured exponent at or below it is no worse than n log n."""
    return growth_exponent(n1, n1 * math.log(n1), n2, n2 * math.log(n2))


HEADER = ("what", "returns", "seconds", "peak MiB", "floor s", "ratio", "growth", "target", "met")


def format_table(rows: list[Row]) -> str:
    """The rows as one Markdown table (pasted as is into docs/performance.md)."""

    def cell(value: float | int | None, spec: str) -> str:
        return "" if value is None else format(value, spec)

    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "**NO**")
        lines.append(
            "| "
            + " | ".join(
                (
                    row.what,
                    cell(row.returns, ","),
                    cell(row.seconds, ".1f"),
                    cell(row.peak_mib, ",.0f"),
                    cell(row.floor_seconds, ".1f"),
                    cell(row.ratio, ".2f"),
                    cell(row.growth, ".3f"),
                    row.target,
                    met,
                )
            )
            + " |"
        )
    return "\n".join(lines)
