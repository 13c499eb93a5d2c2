"""Evaluate stage, partnership IDs across years: every earlier year's registry and the
analyst's splits and merges (config/aliases.yaml) -> this year's IDs and how each came
(id_history.csv).

A partnership keeps an earlier ID when one of its names scores at or above same_at against
that ID's registry name or a spelling reported for it (names_reported). Earlier years are
evidence most recent first: a partnership matched to IDs of several years takes the most
recent year's, so one absent for a year keeps its ID when it comes back. The analyst's
splits and merges win over the evidence from their year on. New IDs are numbered after
every ID ever issued, and an ID retired by a merge is never used again: its earlier names
count as evidence for the ID it was merged into (decision D7).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import Field

from pipeline import matching, paths, tables
from pipeline.config import KeyPath, Strict, config_error, key_path
from pipeline.errors import PipelineError

logger = logging.getLogger(__name__)

NEW, CARRIED, RENAMED, SPLIT_FROM, MERGED_INTO = (
    "new",
    "carried",
    "renamed",
    "split_from",
    "merged_into",
)
ANALYST, EVIDENCE = "analyst", "evidence"
HISTORY_COLUMNS = (
    "partnership_id",
    "year",
    "event",
    "related_id",
    "decided_by",
    "name",
    "earlier_name",
    "earlier_year",
)

Evidence = Mapping[int, Mapping[str, tuple[int, float]]]  # node or root -> ID -> (year, score)


class Split(Strict):
    """An earlier partnership reported from ``year`` on as several: the partnership of the
    name ``keeps`` keeps the ID ``id``; each ``new`` name's partnership gets a new ID in
    ``year``, recorded as split from it, and never takes ``id``. The parts are never one
    partnership from ``year`` on."""

    year: int
    id: str
    keeps: str
    new: Annotated[tuple[str, ...], Field(strict=False, min_length=1)]


class Merge(Strict):
    """Earlier partnerships one from ``year`` on: ``keeps`` (one of ``ids``) survives; the
    other IDs are retired, recorded as merged into it, and never used again."""

    year: int
    ids: Annotated[tuple[str, ...], Field(strict=False, min_length=2)]
    keeps: str


@dataclass(frozen=True)
class Lineage:
    """The analyst's splits and merges (config/aliases.yaml), with the file and the line of
    each key so that a decision that does not fit the data is named in one line."""

    splits: tuple[Split, ...] = ()
    merges: tuple[Merge, ...] = ()
    source: str = "config/aliases.yaml"
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def error(self, location: KeyPath, problem: str) -> PipelineError:
        return PipelineError(config_error(Path(self.source), location, problem, dict(self.lines)))

    def splits_in(self, year: int | None) -> list[tuple[int, Split]]:
        """The splits in force in ``year`` (decided that year or before; all when None)."""
        return [(i, s) for i, s in enumerate(self.splits) if year is None or s.year <= year]

    def merges_in(self, year: int | None) -> list[tuple[int, Merge]]:
        """The merges in force in ``year`` (decided that year or before; all when None)."""
        return [(i, m) for i, m in enumerate(self.merges) if year is None or m.year <= year]

    def retired(self, year: int | None) -> dict[str, str]:
        """Each ID retired by a merge in force -> the ID it was merged into."""
        return {
            pid: merge.keeps
            for _, merge in self.merges_in(year)
            for pid in merge.ids
            if pid != merge.keeps
        }

    def apart(self, year: int | None) -> list[tuple[str, str]]:
        """Pairs of names a split in force says are different partnerships."""
        pairs = []
        for _, split in self.splits_in(year):
            parts = (split.keeps, *split.new)
            pairs += [(a, b) for n, a in enumerate(parts) for b in parts[n + 1 :]]
        return pairs


def check_lineage(lineage: Lineage, key: Callable[[str], str], id_prefix: str | None) -> None:
    """Refuse splits and merges that contradict themselves or each other, in one line naming
    the key: an ID not written as the toolkit's IDs are, a merge keeping an ID it does not
    list or retiring one twice, an ID used after the year a merge retired it, or a split
    whose parts are one partnership by ``key`` (the name's normalised key, through the
    analyst's aliases)."""
    shape = re.compile(rf"^{re.escape(id_prefix)}\d{{4,}}$") if id_prefix else None

    def check_id(location: KeyPath, pid: str) -> None:
        if shape is not None and not shape.match(pid):
            raise lineage.error(
                location, f"'{pid}' is not a partnership ID such as {id_prefix}0001."
            )

    retired_by: dict[str, int] = {}
    for i, merge in enumerate(lineage.merges):
        for j, pid in enumerate(merge.ids):
            check_id(("merges", i, "ids", j), pid)
            if pid in merge.ids[:j]:
                raise lineage.error(("merges", i, "ids", j), f"'{pid}' is listed twice.")
        if merge.keeps not in merge.ids:
            raise lineage.error(
                ("merges", i, "keeps"),
                f"'{merge.keeps}' is not one of the merge's ids ({', '.join(merge.ids)}): "
                "name the ID that survives.",
            )
        for j, pid in enumerate(merge.ids):
            if pid != merge.keeps and pid in retired_by:
                k = retired_by[pid]
                raise lineage.error(
                    ("merges", i, "ids", j),
                    f"'{pid}' is already merged into {lineage.merges[k].keeps} (merges[{k}]): "
                    "an ID is retired once.",
                )
            if pid != merge.keeps:
                retired_by[pid] = i

    def check_not_retired(location: KeyPath, pid: str, year: int, own: int | None) -> None:
        k = retired_by.get(pid)
        if k is not None and k != own and lineage.merges[k].year <= year:
            merge = lineage.merges[k]
            raise lineage.error(
                location,
                f"'{pid}' was merged into {merge.keeps} in {merge.year} (merges[{k}]) and is "
                f"never used again: name {merge.keeps}.",
            )

    for i, merge in enumerate(lineage.merges):
        for j, pid in enumerate(merge.ids):
            check_not_retired(("merges", i, "ids", j), pid, merge.year, i)
    for i, split in enumerate(lineage.splits):
        check_id(("splits", i, "id"), split.id)
        check_not_retired(("splits", i, "id"), split.id, split.year, None)
        seen: dict[str, KeyPath] = {key(split.keeps): ("splits", i, "keeps")}
        for j, name in enumerate(split.new):
            if key(name) in seen:
                raise lineage.error(
                    ("splits", i, "new", j),
                    f"'{name}' is one partnership with {key_path(seen[key(name)])} (the same "
                    "name once normalised, or aliased to one registry name): a split needs "
                    "different partnerships.",
                )
            seen[key(name)] = ("splits", i, "new", j)


# --- earlier years ------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """What earlier years say about IDs: each earlier registry (year -> registry with
    partnership_id, name and names_reported) and each ID the analyst retired by a merge
    (earlier id_history.csv: ID -> the ID it was merged into)."""

    registries: Mapping[int, pd.DataFrame] = field(default_factory=dict)
    merged: Mapping[str, str] = field(default_factory=dict)


def earlier_years(year: int, root: Path | str | None = None) -> list[int]:
    """The years before ``year`` that have a processed folder, oldest first."""
    return sorted(
        int(folder.name)
        for folder in paths.processed_dir(year, root).parent.glob("*")
        if folder.name.isdigit() and int(folder.name) < year
    )


def load_history(year: int, root: Path | str | None = None) -> History:
    """Every earlier year's registry and the merges the analyst decided in earlier years
    (their id_history.csv), so that this year's IDs can come from any of them."""
    registries: dict[int, pd.DataFrame] = {}
    merged: dict[str, str] = {}
    for earlier in earlier_years(year, root):
        if tables.exists("registry", earlier, root):
            registries[earlier] = tables.read("registry", earlier, root)
        if tables.exists("id_history", earlier, root):
            events = tables.read("id_history", earlier, root)
            chosen = events[(events["event"] == MERGED_INTO) & (events["decided_by"] == ANALYST)]
            merged.update(zip(chosen["partnership_id"], chosen["related_id"], strict=True))
    return History(registries, merged)


def as_history(previous: pd.DataFrame | History | None, year: int | None) -> History:
    """A bare registry frame is last year's (year 0 when the year is not known)."""
    if previous is None:
        return History()
    if isinstance(previous, History):
        return previous
    return History({(year - 1) if year is not None else 0: previous})


def _resolve(pid: str, retired: Mapping[str, str]) -> str:
    """The live ID an ID stands for, through any chain of merges."""
    seen = {pid}
    while pid in retired and retired[pid] not in seen:
        pid = retired[pid]
        seen.add(pid)
    return pid


@dataclass(frozen=True)
class EarlierNames:
    """Every earlier name and spelling, normalised, with the live ID it is evidence for and
    the most recent year it was reported under that ID; and each ID's own last registry
    year and name."""

    names: tuple[matching.Name, ...]
    ids: tuple[str, ...]
    years: tuple[int, ...]
    last_seen: Mapping[str, tuple[int, str]]
    retired: Mapping[str, str]


def earlier_names(
    history: History, lineage: Lineage, year: int | None, rules: matching.Rules
) -> EarlierNames:
    """The evidence earlier years give (most recent year first), retired IDs' names counting
    for the ID they were merged into."""
    retired = {**history.merged, **lineage.retired(year)}
    found: dict[tuple[str, str], tuple[int, matching.Name]] = {}
    last_seen: dict[str, tuple[int, str]] = {}
    for earlier in sorted(history.registries, reverse=True):
        registry = history.registries[earlier]
        reported = registry.get("names_reported", pd.Series(None, index=registry.index))
        for pid, name, spellings in zip(
            registry["partnership_id"].astype(str), registry["name"], reported, strict=True
        ):
            last_seen.setdefault(pid, (earlier, str(name)))
            texts = {str(name)}
            if isinstance(spellings, str):
                texts.update(s.strip() for s in spellings.split(";") if s.strip())
            live = _resolve(pid, retired)
            for text in sorted(texts):
                normal = matching.normalise(text, rules)
                found.setdefault((normal.key, live), (earlier, normal))
    ordered = sorted(found.items())
    return EarlierNames(
        names=tuple(normal for _, (_, normal) in ordered),
        ids=tuple(live for (_, live), _ in ordered),
        years=tuple(earlier for _, (earlier, _) in ordered),
        last_seen=last_seen,
        retired=retired,
    )


def name_evidence(
    nodes: Sequence[matching.Name],
    earlier: EarlierNames,
    rules: matching.Rules,
    weights: matching.Weights,
    same_at: float,
) -> dict[int, dict[str, tuple[int, float]]]:
    """Each name's earlier IDs scoring at or above ``same_at``, with the most recent year
    and that year's best score. Pairs come from blocking (``matching.cross_pairs``)."""
    found: dict[int, dict[str, tuple[int, float]]] = defaultdict(dict)
    for i, j in matching.cross_pairs(nodes, earlier.names, rules):
        value = matching.score(nodes[i], earlier.names[j], weights)
        if value >= same_at:
            pid, seen = earlier.ids[j], (earlier.years[j], value)
            found[i][pid] = max(seen, found[i].get(pid, seen))
    return found


def _best(evidence: Mapping[str, tuple[int, float]]) -> str:
    return sorted(evidence, key=lambda pid: (-evidence[pid][0], -evidence[pid][1], pid))[0]


def merged_names(evidence: Evidence, earlier: EarlierNames) -> Iterator[list[int]]:
    """For each ID that retired IDs were merged into (by a merge in force, or one recorded in
    an earlier id_history), the names whose best evidence (most recent year, then score) is
    it: the analyst said they are one partnership."""
    for survivor in sorted({_resolve(pid, earlier.retired) for pid in earlier.retired}):
        group = sorted(i for i, found in evidence.items() if found and _best(found) == survivor)
        if len(group) > 1:
            yield group


def partnership_evidence(evidence: Evidence, root_of: Callable[[int], int]) -> Evidence:
    """Name evidence gathered per partnership: each ID's most recent year and best score."""
    found: dict[int, dict[str, tuple[int, float]]] = defaultdict(dict)
    for i, ids in evidence.items():
        mine = found[root_of(i)]
        for pid, seen in ids.items():
            mine[pid] = max(seen, mine.get(pid, seen))
    return found


def _number(pid: str, prefix: str) -> int | None:
    rest = pid[len(prefix) :]
    return int(rest) if pid.startswith(prefix) and rest.isdigit() else None


@dataclass(frozen=True)
class _Analyst:
    """What the analyst's decisions in force say about this year's partnerships."""

    keeps: dict[int, str]  # partnership -> the ID it keeps
    barred: dict[int, set[str]]  # partnership -> IDs it never takes
    split_from: dict[int, str]  # partnership -> the ID it splits from this year (a new ID)
    chosen: set[str]  # IDs the analyst gave this year (a merge's survivor)
    retiring: list[tuple[str, str]]  # (ID, the ID it is merged into) this year


def _analyst(
    lineage: Lineage,
    year: int | None,
    earlier: EarlierNames,
    locate: Callable[[str], int | None],
) -> _Analyst:
    """Read the splits and merges in force against this year's names; a decision of this
    year naming an ID no earlier registry has, or a name no officer typed, is one line."""
    keeps: dict[int, str] = {}
    barred: dict[int, set[str]] = defaultdict(set)
    split_from: dict[int, str] = {}
    for i, split in lineage.splits_in(year):
        pid = _resolve(split.id, earlier.retired)
        this_year = split.year == year
        if this_year and split.id not in earlier.last_seen:
            raise lineage.error(
                ("splits", i, "id"), f"'{split.id}' is in no earlier year's registry."
            )
        keeper = locate(split.keeps)
        if this_year and keeper is None:
            raise lineage.error(
                ("splits", i, "keeps"),
                f"'{split.keeps}' is not a partnership name reported in {year}: name the part "
                f"that keeps {split.id} as officers typed it.",
            )
        if keeper is not None:
            keeps[keeper] = pid
        for j, name in enumerate(split.new):
            part = locate(name)
            if this_year and part is None:
                raise lineage.error(
                    ("splits", i, "new", j),
                    f"'{name}' is not a partnership name reported in {year}.",
                )
            if part is None:
                continue
            if part == keeper:
                raise lineage.error(
                    ("splits", i, "new", j),
                    f"'{name}' and '{split.keeps}' are one partnership in {year} (joined by "
                    "another decision): a split needs different partnerships.",
                )
            barred[part].add(pid)
            if this_year:
                split_from[part] = split.id
    chosen: set[str] = set()
    retiring: list[tuple[str, str]] = []
    for i, merge in lineage.merges_in(year):
        if merge.year != year:
            continue
        for j, pid in enumerate(merge.ids):
            if pid not in earlier.last_seen:
                raise lineage.error(
                    ("merges", i, "ids", j), f"'{pid}' is in no earlier year's registry."
                )
        survivor = _resolve(merge.keeps, earlier.retired)
        chosen.add(survivor)
        retiring += [(pid, survivor) for pid in merge.ids if pid != merge.keeps]
    return _Analyst(keeps, barred, split_from, chosen, retiring)


def assign_ids(
    display: Mapping[int, str],
    evidence: Evidence,
    earlier: EarlierNames,
    lineage: Lineage,
    locate: Callable[[str], int | None],
    year: int | None,
    prefix: str,
    issued: Sequence[str] = (),
) -> tuple[dict[int, str], pd.DataFrame]:
    """Give each of this year's partnerships (``display``: partnership -> registry name) its
    ID, and record how (HISTORY_COLUMNS).

    The analyst's decisions first (a split's keeping part takes the ID; its new parts never
    do, and in the split's year get new IDs); then the evidence (``partnership_evidence``),
    most recent year first, then highest score, then registry name: each partnership one ID,
    each ID once. The rest get new IDs, numbered after the highest ever issued (earlier
    registries, retired IDs and ``issued``). ``locate`` gives the partnership of a name
    reported this year, or None.
    """
    decided = _analyst(lineage, year, earlier, locate)
    ids: dict[int, str] = {}
    for root, pid in sorted(decided.keeps.items()):
        if root in display:
            ids[root] = pid
    used = set(ids.values())
    candidates = sorted(
        (
            (-seen[0], -seen[1], display[root], root, pid)
            for root, found in evidence.items()
            if root in display and root not in decided.split_from
            for pid, seen in found.items()
            if pid not in decided.barred.get(root, set())
        )
    )
    for _, _, _, root, pid in candidates:
        if root not in ids and pid not in used:
            ids[root] = pid
            used.add(pid)
    carried = set(ids.values())
    numbers = [
        _number(pid, prefix)
        for pid in [*earlier.last_seen, *earlier.retired, *earlier.retired.values(), *issued]
    ]
    next_number = max((n for n in numbers if n is not None), default=0) + 1
    for root in sorted((r for r in display if r not in ids), key=lambda r: (display[r], r)):
        ids[root] = f"{prefix}{next_number:04d}"
        next_number += 1
    holder = {pid: root for root, pid in ids.items()}
    rows: list[dict[str, Any]] = []

    def row(pid: str, event: str, related: str | None, by: str, name: str | None) -> None:
        last_year, last_name = earlier.last_seen.get(pid, (None, None))
        rows.append(
            {
                "partnership_id": pid,
                "year": year,
                "event": event,
                "related_id": related,
                "decided_by": by,
                "name": name,
                "earlier_name": last_name,
                "earlier_year": last_year,
            }
        )

    for root in sorted(display, key=lambda r: ids[r]):
        pid, name = ids[root], display[root]
        if pid not in carried:
            found = evidence.get(root, {})
            barred = decided.barred.get(root, set())
            lost = [p for p in found if p in holder and holder[p] != root and p not in barred]
            if root in decided.split_from:
                row(pid, SPLIT_FROM, decided.split_from[root], ANALYST, name)
            elif lost:
                row(pid, SPLIT_FROM, _best({p: found[p] for p in lost}), EVIDENCE, name)
            else:
                row(pid, NEW, None, EVIDENCE, name)
            continue
        by = ANALYST if root in decided.keeps or pid in decided.chosen else EVIDENCE
        last_name = earlier.last_seen.get(pid, (None, None))[1]
        row(pid, CARRIED if last_name == name else RENAMED, None, by, name)
    retiring = dict(decided.retiring)
    for pid, survivor in sorted(retiring.items()):
        survivor_root = holder.get(survivor)
        survivor_name = display[survivor_root] if survivor_root is not None else None
        row(pid, MERGED_INTO, survivor, ANALYST, survivor_name)
    # An earlier ID whose names match a partnership that kept another ID: merged by the
    # evidence. Recorded for the analyst; only a merge in aliases.yaml retires an ID.
    unused: dict[str, list[tuple[int, float, int]]] = defaultdict(list)
    for root, found in evidence.items():
        if root in display and root not in decided.split_from:
            for pid, (seen_year, value) in found.items():
                refused = pid in decided.barred.get(root, set())
                if pid not in used and pid not in retiring and not refused:
                    unused[pid].append((seen_year, value, root))
    for pid, hits in sorted(unused.items()):
        _, _, root = sorted(hits, key=lambda h: (-h[0], -h[1], display[h[2]]))[0]
        row(pid, MERGED_INTO, ids[root], EVIDENCE, display[root])
    history = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS)).astype(object)
    history = history.where(history.notna(), None)
    return ids, history.astype({"year": "Int64", "earlier_year": "Int64"})
