"""Atomic runs (decision D20): a year is built in a staging root and swapped in whole.

A run of year Y never writes into <root>/data/processed/Y or <root>/outputs/Y. It builds
under <root>/.staging/run-Y/, laid out like a root: a copy of config/ (the one snapshot
every stage reads), data/raw linked, each earlier year's data/processed/<y> linked (what
the stages read of earlier years), and empty data/processed/Y and outputs/Y. When every
stage and export has succeeded, the two folders are swapped in: a journal is written, the
old folders renamed aside, the staged ones renamed in (same filesystem: each rename is
atomic), the journal removed and the old folders deleted. A run killed part-way leaves the
year's folders as they were; a run killed during the swap is finished (rolled forward: the
staged year is complete) by the next run's start, which also removes leftover staging.
A lock on <root>/.staging/lock keeps two runs of one root from interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline import lineage, paths
from pipeline.errors import PipelineError

logger = logging.getLogger(__name__)

RUN, VERIFY, FAILED = "run", "verify", "failed"
_ASIDE = "old"  # .staging/old-<year>/: the replaced folders, until deleted
_LEFTOVERS = (f"{RUN}-", f"{VERIFY}-", f"{_ASIDE}-")


@dataclass(frozen=True)
class Swap:
    """One folder of the year: the published one, the staged one, and where the published
    one waits while the staged one is renamed in."""

    final: Path
    staged: Path
    aside: Path


def fsync(path: Path) -> None:
    """Make a file's bytes durable, or (for a folder) a rename or a new file in it, so the
    journal's order holds and a file swapped in by rename is never found empty."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the root's run lock for the duration; a second run gets one clear line.

    The lock is the kernel's (fcntl), so it is released when the process ends, even killed.
    """
    try:
        paths.staging_dir(root).mkdir(parents=True, exist_ok=True)
        handle = paths.staging_lock(root).open("a+", encoding="utf-8")
    except OSError as error:
        raise PipelineError(
            f"cannot write {paths.staging_dir(root)} ({error.strerror}): a run, and verify, "
            "build the year there; give a folder you can write to."
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise PipelineError(
                f"another run is using {root} ({holder}): wait for it to finish, then run again."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_one_filesystem(year: int, root: Path) -> None:
    """A year is swapped in by renaming: .staging/ must be on the filesystem of
    data/processed/ and outputs/ (either may be a link to another disk)."""
    paths.staging_dir(root).mkdir(parents=True, exist_ok=True)
    staging_device = paths.staging_dir(root).stat().st_dev
    for folder in (paths.processed_dir(year, root).parent, paths.outputs_dir(year, root).parent):
        folder.mkdir(parents=True, exist_ok=True)
        if folder.stat().st_dev != staging_device:
            raise PipelineError(
                f"{folder} is on another filesystem than {paths.staging_dir(root)}: a run "
                "swaps its year in by renaming, so keep both on one disk (or link .staging "
                "to a folder beside it)."
            )


def prepare(kind: str, year: int, root: Path) -> Path:
    """A fresh staging root for ``year`` (see the module docstring); returns its path."""
    _check_one_filesystem(year, root)
    staged = paths.staged_root(kind, year, root, os.getpid())
    _remove(staged)
    shutil.copytree(paths.config_dir(root), paths.config_dir(staged))
    raw = paths.raw_dir(year, staged).parent
    raw.parent.mkdir(parents=True)
    raw.symlink_to(paths.raw_dir(year, root).parent, target_is_directory=True)
    for earlier in lineage.earlier_years(year, root):
        link = paths.processed_dir(earlier, staged)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(paths.processed_dir(earlier, root), target_is_directory=True)
    paths.processed_dir(year, staged).mkdir(parents=True)
    paths.outputs_dir(year, staged).mkdir(parents=True)
    return staged


def swaps(year: int, staged: Path, root: Path) -> list[Swap]:
    """The year's two folders: data/processed/<year> and outputs/<year>."""
    aside = paths.staging_dir(root) / f"{_ASIDE}-{year}"
    return [
        Swap(paths.processed_dir(year, root), paths.processed_dir(year, staged), aside / "data"),
        Swap(paths.outputs_dir(year, root), paths.outputs_dir(year, staged), aside / "outputs"),
    ]


def _swap_in(planned: list[Swap]) -> None:
    """Rename each published folder aside and its staged one in; every step can be repeated,
    so a swap cut short at any point is finished by running this again."""
    for swap in planned:
        if not swap.staged.exists():
            continue  # already renamed in
        if swap.final.exists():
            if swap.aside.exists():
                raise PipelineError(
                    f"cannot finish swapping in {swap.final}: both it and {swap.aside} exist. "
                    f"Move one of them away, then run again."
                )
            swap.aside.parent.mkdir(parents=True, exist_ok=True)
            swap.final.rename(swap.aside)
        swap.final.parent.mkdir(parents=True, exist_ok=True)
        swap.staged.rename(swap.final)
        fsync(swap.final.parent)


def _write_journal(root: Path, year: int, staged: Path, planned: list[Swap]) -> None:
    record = {
        "year": year,
        "staged": str(staged.relative_to(root)),
        "swaps": [
            {
                "final": str(s.final.relative_to(root)),
                "staged": str(s.staged.relative_to(root)),
                "aside": str(s.aside.relative_to(root)),
            }
            for s in planned
        ],
    }
    journal = paths.swap_journal(root)
    draft = journal.with_suffix(".draft")
    with draft.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(record, indent=1) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    draft.replace(journal)  # the journal is whole or absent
    fsync(journal.parent)


def _finish(root: Path, staged: Path, planned: list[Swap]) -> None:
    """After the renames: drop the journal, then the replaced folders and the staging root."""
    paths.swap_journal(root).unlink()
    fsync(paths.staging_dir(root))
    for swap in planned:
        _remove(swap.aside.parent)
    _remove(staged)


def commit(year: int, staged: Path, root: Path) -> None:
    """Swap the staged year in: journal first, then the renames, then clean up."""
    planned = swaps(year, staged, root)
    os.sync()  # every staged file on disk before any rename makes it the published year
    _write_journal(root, year, staged, planned)
    _swap_in(planned)
    _finish(root, staged, planned)
    _remove(paths.staged_root(FAILED, year, root))  # an earlier failure is history now


def keep_failed(year: int, staged: Path, root: Path) -> Path:
    """Keep a failed run's staging root as .staging/failed-<year>/ (the executed notebooks
    show where it stopped); the year's published folders are untouched."""
    failed = paths.staged_root(FAILED, year, root)
    _remove(failed)
    if staged.exists():
        staged.rename(failed)
    return failed


def discard(staged: Path) -> None:
    """Remove a staging root that is not to be swapped in (verify's, once compared)."""
    _remove(staged)


def recover(root: Path) -> None:
    """At a run's start (lock held): finish a swap that a killed run cut short, then remove
    what killed runs left in .staging/ (their half-built years, folders set aside)."""
    folder = paths.staging_dir(root)
    journal = paths.swap_journal(root)
    if journal.is_file():
        record = json.loads(journal.read_text(encoding="utf-8"))
        planned = [
            Swap(root / s["final"], root / s["staged"], root / s["aside"]) for s in record["swaps"]
        ]
        logger.warning(
            "finishing the swap of %s's outputs that an interrupted run began", record["year"]
        )
        _swap_in(planned)
        _finish(root, root / record["staged"], planned)
    if not folder.is_dir():
        return
    for leftover in sorted(folder.iterdir()):
        if leftover.name.startswith(_LEFTOVERS) or leftover.suffix == ".draft":
            logger.info("removing %s, left by an interrupted run", leftover)
            _remove(leftover)
