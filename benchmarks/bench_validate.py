"""Benchmark: validate 200,000 returns with the protocol's GX suite (target: under 30 s).

Builds the rows from the embedded sample's returns, repeated with unique row keys and
response IDs, then times validate_returns (GX imported once, before the clock starts, and
reported separately). Run: `.venv/bin/python benchmarks/bench_validate.py [ROWS]`.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time

import pandas as pd

from pipeline import ingest, paths, protocol, tables, validate

TARGET_SECONDS = 30.0


def _returns(rows: int) -> pd.DataFrame:
    questionnaire = protocol.load()
    sample = ingest.ingest_exports(paths.raw_exports(2025), questionnaire, 2025).returns
    with tempfile.TemporaryDirectory() as folder:
        tables.write("returns", sample, 2025, folder, questionnaire)
        typed = tables.read("returns", 2025, folder, questionnaire)
    copies = -(-rows // len(typed))
    big = pd.concat([typed] * copies, ignore_index=True).head(rows)
    number = pd.Series(range(len(big)), dtype="int64").astype(str)
    return big.assign(
        response_id=number, row_key="bench.csv:" + number, duplicate_of=big["duplicate_of"]
    )


def main(rows: int = 200_000) -> int:
    returns = _returns(rows)
    started = time.perf_counter()
    import great_expectations  # noqa: F401  (imported once, as in a run)

    imported = time.perf_counter() - started
    started = time.perf_counter()
    result = validate.validate_returns(
        returns, protocol.load(), validate.closing_date(returns, 2025)
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"validated {len(returns):,} rows in {seconds:.1f} s (GX import {imported:.1f} s, "
        f"peak RSS {peak_mb:,.0f} MB): {len(result.valid):,} valid, "
        f"{len(result.quarantine):,} quarantined, {len(result.summary)} expectations"
    )
    if seconds > TARGET_SECONDS:
        print(f"SLOWER than the {TARGET_SECONDS:.0f} s target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000))
