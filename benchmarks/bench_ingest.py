"""Benchmark: ingest 10,000 returns in each survey platform's layout.

The sample's answers are repeated (with new response IDs and emails, so nothing is a
copy) to 10,000 returns, written by the project's generator in every layout, then read
back with ingest_exports. Run: `.venv/bin/python benchmarks/bench_ingest.py [ROWS]`.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from pipeline import ingest, protocol, sample

YEAR = 2025


def _returns(rows: int, questionnaire: protocol.Protocol) -> list[sample.SampleReturn]:
    base = sample.generate_returns(YEAR, questionnaire)
    repeated = []
    for number in range(rows):
        original = base[number % len(base)]
        email = f"bench{number}@{sample.EMAIL_DOMAIN}"
        repeated.append(
            dataclasses.replace(
                original,
                response_id=number + 1,
                answers={**original.answers, "Q2": email},
                respondent_email=email,
            )
        )
    return repeated


def main(rows: int = 10_000) -> int:
    questionnaire = protocol.load()
    returns = _returns(rows, questionnaire)
    print(f"{'layout':24} {'rows':>7} {'write s':>8} {'ingest s':>9} {'rows/s':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for layout in sample.LAYOUTS:
            if layout == "qualtrics_numeric_csv":
                continue
            path = Path(folder) / sample.export_name(YEAR, layout)
            started = time.perf_counter()
            sample.write_export(returns, questionnaire, path, YEAR, layout)
            written = time.perf_counter() - started
            started = time.perf_counter()
            read = ingest.ingest_exports([path], questionnaire, YEAR).returns
            seconds = time.perf_counter() - started
            assert len(read) == rows, (layout, len(read))
            print(
                f"{layout:24} {len(read):>7,} {written:>8.1f} {seconds:>9.1f} "
                f"{rows / seconds:>8,.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
