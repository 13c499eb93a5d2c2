"""Issue 20's benchmark: one table of how fast the pipeline is, with every target checked.

(a) `make report` on the sample, from a clean outputs folder and warm, against a floor
measured in the same run (benchmarks/whole.py); (b) ingest, validate, consolidate and evaluate
without notebooks on 20,000, 200,000 and 2,000,000 generated returns, with time, peak memory
and growth (benchmarks/stages.py). Prints the table (Markdown, as docs/performance.md quotes
it), the machine it ran on, and exits 1 when a target is missed.

Run: `make bench`, or `.venv/bin/python benchmarks/run.py [--sizes 20000 200000]
[--no-whole] [--no-stages] [--out FILE]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stages  # noqa: E402  (benchmarks/ is not a package)
import table  # noqa: E402
import whole  # noqa: E402

SIZES = (20_000, 200_000, 2_000_000)


def machine() -> str:
    """One line naming the machine: CPU count, memory, Python and the OS."""
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        pass
    return (
        f"{os.cpu_count()} cores{memory}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--no-whole", action="store_true", help="skip the make report runs")
    parser.add_argument("--no-stages", action="store_true", help="skip the data stages")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument(
        "--stage-limit",
        type=float,
        default=stages.STAGE_LIMIT,
        help="seconds a data stage may take before it is stopped (a missed row)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    rows: list[table.Row] = []
    if not args.no_whole:
        rows += whole.measure()
    if not args.no_stages:
        rows += stages.measure(tuple(args.sizes), args.stage_limit)
    text = table.format_table(rows)
    footer = f"\nMachine: {machine()}. Benchmark took {time.perf_counter() - started:.0f} s."
    missed = [row.what for row in rows if row.met is False]
    verdict = (
        f"Targets missed: {', '.join(missed)}." if missed else "Every target in the table met."
    )
    print(text + footer + "\n" + verdict)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + footer + "\n" + verdict + "\n", encoding="utf-8")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
