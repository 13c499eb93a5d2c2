"""benchmarks/whole.py's order of measurement (no run here: the commands are stand-ins)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from pipeline import paths


def _whole():
    spec = importlib.util.spec_from_file_location(
        "bench_whole", paths.ROOT / "benchmarks" / "whole.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.remove(str(paths.ROOT / "benchmarks"))  # whole.py adds it for its table
    return module


def test_the_floor_is_timed_twice_between_the_clean_and_the_warm_run(tmp_path, monkeypatch):
    whole = _whole()
    timed: list[str] = []
    seconds = {"the clean run": 100.0, "the warm run": 30.0}
    floors = iter([25.0, 21.0])

    def timed_command(command: list[str], what: str) -> float:
        timed.append(what)
        return next(floors) if what == "floor" else seconds[what]

    monkeypatch.setattr(whole, "_timed_command", timed_command)

    rows, _ = whole.measure_in(Path(tmp_path))

    assert timed == ["the clean run", "floor", "floor", "the warm run"]
    floor, clean, warm = rows
    assert floor.seconds == 21.0  # the faster floor
    assert (warm.seconds, warm.floor_seconds) == (30.0, 21.0)
    assert (clean.seconds, clean.floor_seconds) == (100.0, 30.0)
