"""Benchmark: the four data stages on generated returns (issue 20, must-have 1b).

For each size, the project's own generator (``pipeline.sample.write_scaled_exports``)
writes that many returns as Microsoft Forms CSV exports (split under the 64 MB limit) into
a temporary root holding a copy of config/. Then ingest, validate, consolidate and
evaluate run exactly as notebooks 01_ingest, 02_validate and 03_evaluate call them, each
in its own child process (as each notebook is its own kernel), reading what the stage
before wrote. Consolidate and evaluate share 03_evaluate's kernel in a run: here
consolidate hands its in-memory results (register, returns, unsure pairs) to evaluate
through a pickle, written and read outside the timed work.

Each stage's seconds are its own work: the libraries are imported first and not counted,
except Great Expectations, whose import and context are part of validation (it imports GX
itself). Peak memory is the child's peak resident set (``ru_maxrss``), imports included.
The time to generate the input is printed, not tabled.

Run: ``.venv/bin/python benchmarks/stages.py [SIZE ...]`` (default 20000 200000 2000000).
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))  # `python benchmarks/stages.py` from anywhere

from benchmarks.table import Row, format_table, growth_exponent, n_log_n_exponent  # noqa: E402

YEAR = 2025
STAGES = ("ingest", "validate", "consolidate", "evaluate")
SIZES = (20_000, 200_000, 2_000_000)
TARGET_RETURNS = 200_000
TARGET_SECONDS = 20.0
TARGET_MIB = 2 * 1024.0
STAGE_LIMIT = 1800.0  # seconds a stage may take before it is stopped
HANDOFF = "consolidated.pickle"  # 03_evaluate's kernel state between its two halves


def _ingest(root: Path) -> None:
    from pipeline import ingest, settings

    config = settings.load(root)
    year = settings.survey_year(YEAR, config)
    questionnaire = config.protocol
    limit = config.council.max_export_megabytes
    exports = ingest.read_exports(year, root, limit)
    ingested = ingest.ingest_exports(exports, questionnaire, year, limit)
    ingest.unmapped_columns(ingested.column_map)
    ingest.write_ingested(ingested, year, root, questionnaire)


def _validate(root: Path) -> None:
    from pipeline import ingest, settings, validate

    config = settings.load(root)
    year = settings.survey_year(YEAR, config)
    questionnaire = config.protocol
    returns = ingest.load_returns(year, root, questionnaire)
    closing = validate.closing_rule(returns, year, config.council).date
    validate.checks_table(validate.plan_checks(questionnaire, closing))
    result = validate.validate_returns(returns, questionnaire, closing)
    validate.accounting(result)
    validate.quarantine_by_rule(result.findings)
    validate.warnings_by_rule(result.findings)
    validate.write_validation(result, closing, year, root, questionnaire, config.council)


def _consolidate(root: Path) -> tuple[object, ...]:
    from pipeline import registry, settings, validate

    config = settings.load(root)
    year = settings.survey_year(YEAR, config)
    questionnaire, kit = config.protocol, config.toolkit
    valid = validate.load_valid(year, root, questionnaire)
    answers = questionnaire.by_keys(valid)
    matching = registry.match_year(answers, config, year, root)
    returns = registry.assign_partnerships(answers, matching)
    register, disagreements = registry.consolidate_returns(returns, questionnaire, kit)
    registry.write_registry(register, matching, disagreements, year, root)
    return register, returns, matching.unsure_pairs


def _evaluate(root: Path, register: object, returns: object, unsure_pairs: object) -> None:
    from pipeline import ingest, registry, settings, toolkit, validate

    config = settings.load(root)
    year = settings.survey_year(YEAR, config)
    questionnaire, kit = config.protocol, config.toolkit
    evaluation = toolkit.evaluate_partnerships(
        register,
        returns,
        questionnaire,
        kit,
        as_of=validate.read_closing_date(year, root),
        asked=ingest.load_asked_by_file(year, root, questionnaire),
    )
    changes = toolkit.changes_since(toolkit.load_previous_evaluation(year, root), evaluation, kit)
    awaiting = registry.pairs_awaiting_decision(unsure_pairs)
    toolkit.write_evaluation(evaluation, changes, awaiting, year, root)


def _child(stage: str, root: Path) -> dict[str, Any]:
    """Run one stage in this (child) process: imports first, then the timed work."""
    import pandas  # noqa: F401

    from pipeline import ingest, registry, settings, tables, toolkit, validate  # noqa: F401

    handoff = root / HANDOFF
    if stage == "evaluate":
        with handoff.open("rb") as handle:
            state = pickle.load(handle)
    started = time.perf_counter()
    if stage == "ingest":
        _ingest(root)
    elif stage == "validate":
        _validate(root)
    elif stage == "consolidate":
        state = _consolidate(root)
    else:
        _evaluate(root, *state)
    seconds = time.perf_counter() - started
    if stage == "consolidate":
        with handoff.open("wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"seconds": seconds, "peak_mib": peak_mib}


def _run_child(stage: str, root: Path, limit: float = STAGE_LIMIT) -> dict[str, Any]:
    """One stage in a child process; stopped after ``limit`` seconds. A stage that fails or
    is stopped gives {"seconds": its time so far, "stopped": why} instead of a measure, so
    the sizes measured before it still print (a stress size must not lose the table)."""
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", stage, str(root)],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": time.perf_counter() - started, "stopped": f"stopped after {limit:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return {
            "seconds": time.perf_counter() - started,
            "stopped": f"failed (exit {done.returncode}): {last[:200]}",
        }
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def generate(size: int, root: Path) -> float:
    """A root with a copy of config/ and ``size`` generated returns for YEAR; its seconds."""
    from pipeline import paths, protocol, sample

    started = time.perf_counter()
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    sample.write_scaled_exports(size, YEAR, protocol.load(root), paths.raw_dir(YEAR, root))
    return time.perf_counter() - started


def measure(sizes: tuple[int, ...] = SIZES, limit: float = STAGE_LIMIT) -> list[Row]:
    """Each stage's seconds and peak memory per size, a total per size (held to the target
    at 200,000 returns) and the growth exponent between consecutive sizes."""
    measured: dict[int, dict[str, dict[str, Any]]] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"stages-{size}-") as folder:
            root = Path(folder)
            print(f"{size:,} returns: generated in {generate(size, root):.1f} s", flush=True)
            measured[size] = {}
            for stage in STAGES:
                measured[size][stage] = result = _run_child(stage, root, limit)
                if "stopped" in result:
                    print(f"  {stage}: {result['stopped']}", flush=True)
                    break  # the later stages need what this one did not write
                print(
                    f"  {stage}: {result['seconds']:.1f} s, {result['peak_mib']:,.0f} MiB",
                    flush=True,
                )
    rows: list[Row] = []
    previous: int | None = None
    for size in sizes:
        for stage, result in measured[size].items():
            if "stopped" in result:
                rows.append(
                    Row(stage, size, result["seconds"], target=str(result["stopped"]), met=False)
                )
                continue
            growth = None
            earlier = measured[previous].get(stage, {}) if previous is not None else {}
            if previous is not None and "peak_mib" in earlier:
                growth = growth_exponent(previous, earlier["seconds"], size, result["seconds"])
            rows.append(Row(stage, size, result["seconds"], result["peak_mib"], growth=growth))
        if _complete(measured[size]):
            rows.append(_total(measured, size, previous))
        else:
            so_far = sum(result["seconds"] for result in measured[size].values())
            rows.append(Row("ingest → evaluate", size, so_far, target="not finished", met=False))
        previous = size
    return rows


def _complete(stages: dict[str, dict[str, Any]]) -> bool:
    """Every stage of a size ran to the end (none failed or was stopped)."""
    return all("peak_mib" in stages.get(stage, {}) for stage in STAGES)


def _total(measured: dict[int, dict[str, dict[str, Any]]], size: int, previous: int | None) -> Row:
    """Ingest to evaluate on one size: held to 20 s and 2 GiB at 200,000 returns, and to
    n log n growth from 200,000 to 2,000,000."""
    seconds = sum(result["seconds"] for result in measured[size].values())
    peak = max(result["peak_mib"] for result in measured[size].values())
    growth = None
    target, met = "", None
    if previous is not None and _complete(measured[previous]):
        earlier = sum(result["seconds"] for result in measured[previous].values())
        growth = growth_exponent(previous, earlier, size, seconds)
        if previous >= TARGET_RETURNS:
            target = f"≤ n log n ({n_log_n_exponent(previous, size):.3f})"
            met = growth <= n_log_n_exponent(previous, size)
    if size == TARGET_RETURNS:
        target = "≤ 20 s, ≤ 2 GiB"
        met = seconds <= TARGET_SECONDS and peak <= TARGET_MIB
    return Row("ingest → evaluate", size, seconds, peak, growth=growth, target=target, met=met)


def main(arguments: list[str]) -> int:
    if arguments[:1] == ["--child"]:
        print(json.dumps(_child(arguments[1], Path(arguments[2]))))
        return 0
    sizes = tuple(int(argument.replace(",", "").replace("_", "")) for argument in arguments)
    rows = measure(sizes or SIZES)
    print(format_table(rows))
    return 0 if all(row.met is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
