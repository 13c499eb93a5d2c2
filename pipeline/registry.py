"""Evaluate stage, registry: accepted returns -> one row per partnership, with stable IDs.

Officers report one partnership under several names. Names are matched by normalised
text, the analyst's alias file (config/aliases.yaml) and fuzzy similarity (rapidfuzz);
pairs in the unsure band are listed for the analyst and kept apart. IDs are carried from
any earlier year's registry where the name matches, the analyst's splits and merges winning
(pipeline/lineage.py).
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pandas as pd
from pydantic import Field

from pipeline import grouped, lineage, matching, matching_bound, paths, tables
from pipeline.config import KeyPath, Strict, config_error, load_model_with_lines
from pipeline.council import Council
from pipeline.errors import PipelineError
from pipeline.lineage import History, Lineage, Merge, Split
from pipeline.protocol import Protocol
from pipeline.toolkit import Toolkit

if TYPE_CHECKING:  # settings imports this module
    from pipeline.settings import Settings

logger = logging.getLogger(__name__)

_LIST_SPLIT = re.compile(r"[;,\n]+")


_RETURN_COLUMNS = ("response_id", "row_key", "partnership_id")


@dataclass(frozen=True)
class NameMatching:
    """Each typed name's partnership, how it was matched, the pairs left for the analyst and
    each return's partnership."""

    names: pd.DataFrame  # typed_name, normalised, partnership_id, name, method, score
    unsure_pairs: pd.DataFrame  # tables.table("unsure_pairs").columns
    returns: pd.DataFrame = field(  # response_id, row_key, partnership_id
        default_factory=lambda: pd.DataFrame(columns=list(_RETURN_COLUMNS))
    )
    id_history: pd.DataFrame = field(  # lineage.HISTORY_COLUMNS: how each ID came
        default_factory=lambda: pd.DataFrame(columns=list(lineage.HISTORY_COLUMNS))
    )


_PAIR_COLUMNS = (
    "name_a",
    "name_b",
    "score",
    "word_score",
    "partnership_a",
    "partnership_b",
    "acronym",
    "partners_in_common",
    "same_directorate",
    "same_service",
    "evidence_for",
    "evidence_against",
)


@dataclass(frozen=True)
class Decisions:
    """The analyst's decisions (config/aliases.yaml): ``aliases`` typed name -> registry
    name (the same partnership), ``different`` pairs of names never merged, and the splits
    and merges of earlier partnerships (``lineage``)."""

    aliases: Mapping[str, str] = field(default_factory=dict)
    different: tuple[tuple[str, str], ...] = ()
    lineage: Lineage = field(default_factory=Lineage)


CouncilNames = Council | Sequence[str] | None


def _council_forms(council: CouncilNames) -> tuple[str, ...]:
    if council is None:
        return ()
    if isinstance(council, Council):
        return council.name_forms()
    return tuple(council)


def normalise_name(name: str, toolkit: Toolkit, council: CouncilNames = None) -> str:
    """The name as matching compares it (pipeline/matching.py): case, punctuation, "&",
    spacing, ignore words, synonyms and the council's own names do not count."""
    return matching.normalise(name, matching.rules_for(toolkit, _council_forms(council))).key


class _AliasesFile(Strict):
    aliases: dict[str, str] = {}
    different: Annotated[
        tuple[Annotated[tuple[str, str], Field(strict=False)], ...], Field(strict=False)
    ] = ()
    splits: Annotated[tuple[Split, ...], Field(strict=False)] = ()
    merges: Annotated[tuple[Merge, ...], Field(strict=False)] = ()


def _alias_targets(
    decisions: Decisions,
    key: Callable[[str], str],
    fail: Callable[[KeyPath, str], PipelineError],
    lines: Mapping[KeyPath, int],
) -> dict[str, str]:
    """Each aliased name's normalised key -> its target's normalised key. Refused, in one
    line: two alias names alike once normalised ("HWB" and "hwb", or an acronym and its
    expansion) that name different partnerships, and a chain (A -> B, B -> C: B is not a
    registry name, so which name A takes is the analyst's to write)."""

    def at(name: str) -> str:
        line = lines.get(("aliases", name))
        return f"aliases.{name}, line {line}" if line else f"aliases.{name}"

    first: dict[str, str] = {}  # normalised key -> the alias name written first
    targets: dict[str, str] = {}
    for name, target in decisions.aliases.items():
        source, goal = key(name), key(target)
        if source in targets and targets[source] != goal:
            other = first[source]
            raise fail(
                ("aliases", name),
                f"'{name}' is the same name as '{other}' once normalised ({at(other)}), "
                f"but '{name}' names '{target}' and '{other}' names "
                f"'{decisions.aliases[other]}': keep one of them.",
            )
        first.setdefault(source, name)
        targets[source] = goal
    for name, target in decisions.aliases.items():
        goal = key(target)
        if targets.get(goal, goal) != goal:
            other = first[goal]
            if targets[goal] == key(name):
                raise fail(
                    ("aliases", name),
                    f"its registry name '{target}' is aliased back to it ('{other}': "
                    f"'{decisions.aliases[other]}', {at(other)}): keep one of the two.",
                )
            raise fail(
                ("aliases", name),
                f"its registry name '{target}' is itself aliased ('{other}': "
                f"'{decisions.aliases[other]}', {at(other)}): a chain of aliases. Write "
                f"'{name}: {decisions.aliases[other]}' if that is its registry name.",
            )
    return targets


def check_decisions(
    decisions: Decisions,
    key: Callable[[str], str],
    path: Path | str = "config/aliases.yaml",
    id_prefix: str | None = None,
) -> None:
    """Refuse, in one line naming the file, key and line, decisions that contradict
    themselves, names compared by ``key`` (the normalised name): two aliases alike once
    normalised with different targets, a chain of aliases (``_alias_targets``), a
    ``different`` pair that is one name once normalised or whose two names are aliased to
    one registry name (or one to the other), and splits and merges that contradict
    themselves or the aliases (``lineage.check_lineage``)."""
    lines = dict(decisions.lineage.lines)

    def fail(location: KeyPath, problem: str) -> PipelineError:
        return PipelineError(config_error(Path(path), location, problem, lines))

    targets = _alias_targets(decisions, key, fail, lines)
    lineage.check_lineage(decisions.lineage, lambda n: targets.get(key(n), key(n)), id_prefix)
    for i, (a, b) in enumerate(decisions.different):
        ka, kb = key(a), key(b)
        if ka == kb:
            raise fail(
                ("different", i),
                f"['{a}', '{b}'] are one name once normalised (case, punctuation, acronyms "
                "and the council's name aside), so they cannot be kept apart. Remove the pair.",
            )
        if targets.get(ka, ka) == targets.get(kb, kb):
            raise fail(
                ("different", i),
                f"['{a}', '{b}'] names one partnership: aliases give both the same registry "
                "name. Remove the pair or one of the aliases.",
            )


def load_decisions(
    root: Path | str | None = None, toolkit: Toolkit | None = None, council: CouncilNames = None
) -> Decisions:
    """The analyst's decisions (config/aliases.yaml, strict): ``aliases`` a typed name -> the
    registry's name for it; ``different`` pairs of names that are never one partnership;
    ``splits`` and ``merges`` of earlier partnerships' IDs (pipeline/lineage.py). A
    different pair aliased to one registry name, or a split or merge that contradicts
    itself, is refused (names normalised with the toolkit and council when given, else by
    case, accents and punctuation; IDs checked against the toolkit's id_prefix)."""
    path = paths.aliases_file(root)
    model, lines = load_model_with_lines(path, _AliasesFile)
    decided = Lineage(model.splits, model.merges, str(path), lines)
    decisions = Decisions(dict(model.aliases), tuple(model.different), decided)
    if toolkit is not None:
        rules = matching.rules_for(toolkit, _council_forms(council))
        check_decisions(
            decisions, lambda n: matching.normalise(n, rules).key, path, toolkit.id_prefix
        )
    else:
        check_decisions(decisions, matching.plain_key, path)
    return decisions


def load_aliases(root: Path | str | None = None) -> dict[str, str]:
    """The analyst's aliases alone (config/aliases.yaml): a typed name -> the registry's
    name for it."""
    return dict(load_decisions(root).aliases)


def ids_issued_before(year: int, root: Path | str | None = None) -> list[str]:
    """Every partnership ID in the registry of any year before ``year`` (processed folders
    present), so that an ID that ended years ago is never given to a new partnership."""
    issued: set[str] = set()
    for earlier in lineage.earlier_years(year, root):
        if tables.exists("registry", earlier, root):
            issued.update(tables.read("registry", earlier, root)["partnership_id"].astype(str))
    return sorted(issued)


def load_previous_registry(year: int, root: Path | str | None = None) -> pd.DataFrame | None:
    """Last year's registry alone; None in a first year. IDs carry from every earlier
    year's: see ``load_history``."""
    if not tables.exists("registry", year - 1, root):
        return None
    return tables.read("registry", year - 1, root)


def load_history(year: int, root: Path | str | None = None) -> History:
    """Every earlier year's registry, most recent first as evidence for this year's IDs, and
    the merges the analyst decided in earlier years (their id_history.csv)."""
    return lineage.load_history(year, root)


def _typed_names(returns: pd.DataFrame) -> pd.Series:
    """Each return's typed partnership name as text; a missing one (None, NaN) is blank,
    which matching keeps as a name of its own."""
    return tables.map_distinct(
        returns["partnership_name"], lambda v: "" if pd.isna(v) else str(v)
    ).astype(object)


def _segments(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of these lengths laid end to end: each item's segment and its place."""
    starts = np.cumsum(lengths) - lengths
    owner = np.repeat(np.arange(lengths.size), lengths)
    return owner, np.arange(owner.size) - starts[owner]


def _officer_text(value: Any) -> str | None:
    return None if pd.isna(value) else str(value).casefold()


def _officers(returns: pd.DataFrame) -> pd.Series:
    """Who filed each return: the officer's e-mail address (case aside), else the return's
    ID, else its row, so that a word is counted once per officer (``_word_officers``). The
    IDs are read only when some return gives no address (D51)."""
    found = pd.Series(None, index=returns.index, dtype=object)
    for column in ("respondent_email", "response_id"):  # the first one given wins
        if column in returns and found.isna().any():
            given = tables.map_distinct(returns[column], _officer_text)
            found = found.where(found.notna() | given.isna() | (given == ""), given)
    missing = found.isna().to_numpy()
    if missing.any():
        found[missing] = ["#" + str(at) for at in np.flatnonzero(missing).tolist()]
    return found


def _word_officers(
    returns: pd.DataFrame, keys: pd.Series, by_key: Mapping[str, matching.Name]
) -> dict[str, int]:
    """Each word of the names -> how many officers typed it in a name (the year's own
    evidence that two words are words of their own, not slips). Counted on codes: each
    distinct (name, officer) gives its name's distinct words, and each distinct (word,
    officer) counts once (D51)."""
    key_codes, key_names = pd.factorize(keys.to_numpy(dtype=object))
    officer_codes, officer_names = pd.factorize(_officers(returns).to_numpy(dtype=object))
    officers = max(len(officer_names), 1)
    filed = pd.unique(key_codes.astype(np.int64) * officers + officer_codes)
    vocabulary: dict[str, int] = {}
    words = [
        [vocabulary.setdefault(w, len(vocabulary)) for w in sorted({*n.tokens, *n.optional})]
        for n in (by_key[str(k)] for k in key_names.tolist())
    ]
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    flat = np.array([w for each in words for w in each], dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    name, officer = filed // officers, filed % officers
    owner, place = _segments(lengths[name])
    typed = flat[starts[name][owner] + place] * officers + officer[owner]
    counts = np.bincount(pd.unique(typed) // officers, minlength=len(vocabulary))
    return {w: int(counts[at]) for w, at in vocabulary.items() if counts[at]}


def _answer_sets(
    keys: tuple[np.ndarray, np.ndarray], answers: pd.Series, split: bool
) -> dict[str, frozenset[str]]:
    """Each name -> the set of answers given under it (each list item when ``split``),
    compared as ``matching.plain_key`` compares text; blanks dropped. ``keys``: each
    return's name as ``pd.factorize`` gives it (codes, names). Each distinct answer is read
    once and each distinct (name, answer) pair is one union (D51)."""
    given = answers.notna().to_numpy()
    key_codes, key_names = keys[0][given], keys[1]
    texts = answers[given].astype(str).to_numpy(dtype=object)
    answer_codes, distinct = pd.factorize(texts)
    count = max(len(distinct), 1)
    pairs = pd.unique(key_codes.astype(np.int64) * count + answer_codes)
    read = [
        {p for p in map(matching.plain_key, _LIST_SPLIT.split(t) if split else [t]) if p}
        for t in distinct.tolist()
    ]
    found: dict[int, set[str]] = defaultdict(set)
    for key, answer in zip((pairs // count).tolist(), (pairs % count).tolist(), strict=True):
        if read[answer]:
            found[key].update(read[answer])
    return {str(key_names[key]): frozenset(words) for key, words in found.items()}


def _name_evidence(returns: pd.DataFrame, keys: pd.Series) -> dict[str, matching.Evidence]:
    """Each name -> the partners, directorates and services its officers gave: read once,
    so that scoring a pair is a few set operations, never a look-up in the returns."""

    def column(name: str) -> pd.Series:
        return returns[name] if name in returns else pd.Series(None, index=returns.index)

    directorate = column("directorate")
    service = column("service")
    both = directorate.notna() & service.notna()
    services = (directorate.astype(str) + " / " + service.astype(str)).where(both)
    coded = pd.factorize(keys.to_numpy(dtype=object))
    partners = _answer_sets(coded, column("partners"), split=True)
    directorates = _answer_sets(coded, directorate, split=False)
    by_service = _answer_sets(coded, services, split=False)
    return {
        key: matching.Evidence(
            partners.get(key, frozenset()),
            directorates.get(key, frozenset()),
            by_service.get(key, frozenset()),
        )
        for key in sorted(set(keys))
    }


def _display_name(
    typed: list[str],
    leading: list[bool],
    chosen: Sequence[str] = (),
    times: Sequence[int] | None = None,
) -> str:
    """The partnership's name: the analyst's (an alias target) when there is one; else the
    spelling most officers typed after trivial clean-up (spacing, trailing punctuation, a
    leading "The"; case aside), an acronym alone last; on a tie, the lead partner's, then
    alphabetical; written in mixed case where someone typed it so. ``times``: how many
    returns typed each (typed, leading) pair (1 each when None)."""
    if chosen:
        return sorted(chosen)[0]
    names = [matching.clean_spelling(t) for t in typed]
    counts: Counter[str] = Counter()
    for n, count in zip(names, times or [1] * len(names), strict=True):
        counts[n.casefold()] += count
    led = {n.casefold() for n, lead in zip(names, leading, strict=True) if lead}

    def bare_acronym(key: str) -> bool:
        return " " not in key and len(key) <= 5

    best = sorted(counts, key=lambda k: (bare_acronym(k), -counts[k], k not in led, k))[0]
    spellings = sorted({n for n in names if n.casefold() == best})
    return sorted(spellings, key=lambda n: (n.islower() or n.isupper(), n))[0]


class _Clusters:
    """Union-find over names that refuses a union putting two conflicting names (never_merge,
    numbers, the analyst's "different") into one partnership."""

    def __init__(self, names: Sequence[matching.Name], apart: set[frozenset[int]]) -> None:
        self.parent = list(range(len(names)))
        self.members: dict[int, list[int]] = {i: [i] for i in range(len(names))}
        self.names = names
        self.apart: dict[int, set[int]] = defaultdict(set)
        for pair in apart:
            a, b = sorted(pair)
            self.apart[a].add(b)
            self.apart[b].add(a)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def refuses(self, ra: int, rb: int) -> bool:
        a, b = self.members[ra], self.members[rb]
        inside_b = set(b)
        if any(self.apart[x] & inside_b for x in a):
            return True
        return any(matching.conflict(self.names[x], self.names[y]) for x in a for y in b)

    def union(self, a: int, b: int, force: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not force and self.refuses(ra, rb):
            return False
        ra, rb = sorted((ra, rb))
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        return True


def _as_decisions(aliases: Decisions | Mapping[str, str] | None) -> Decisions:
    if isinstance(aliases, Decisions):
        return aliases
    return Decisions(dict(aliases or {}))


def match_names(
    returns: pd.DataFrame,
    toolkit: Toolkit,
    aliases: Decisions | Mapping[str, str] | None = None,
    previous: pd.DataFrame | History | None = None,
    council: CouncilNames = None,
    issued: Sequence[str] = (),
    year: int | None = None,
) -> NameMatching:
    """Group the typed partnership names into partnerships and give each an ID (D7).

    Needs the returns by key (``Protocol.by_keys``): partnership_name and council_role
    (partners, directorate, response_id and row_key when present). ``council`` is the
    Council (or its names): never evidence either way. Names are normalised and scored by
    pipeline/matching.py. The analyst's decisions win: aliases join, "different" pairs stay
    apart. Then candidate pairs (an inverted index, never all pairs) at or above same_at are
    joined in order (-score, name, name), refusing a join that would put two conflicting
    names in one partnership; an acronym joins only when it fits one partnership. Pairs
    from unsure_from that end apart are listed for the analyst. IDs come from earlier
    years' names and spellings, most recent year first (``previous``: ``load_history``, or
    last year's registry alone), the analyst's splits and merges in force in ``year`` (all
    when None) winning (pipeline/lineage.py); new ones are numbered after every ID
    ``issued`` in an earlier year (``ids_issued_before``), so none is ever reused. How each
    ID came is in ``id_history``. Nothing depends on row order.
    """
    if returns.empty:
        raise PipelineError(
            "No accepted returns to build the registry from: every return was quarantined. "
            "See quarantine.csv for the reasons."
        )
    decisions = _as_decisions(aliases)
    rules = matching.rules_for(toolkit, _council_forms(council))
    check_decisions(decisions, lambda n: matching.normalise(n, rules).key, decisions.lineage.source)
    typed = _typed_names(returns)
    normal = {t: matching.normalise(t, rules) for t in sorted(set(typed))}
    keys = typed.map({t: n.key for t, n in normal.items()})
    alias_pairs = {
        matching.normalise(k, rules).key: (matching.normalise(v, rules), v)
        for k, v in decisions.aliases.items()
    }
    by_key: dict[str, matching.Name] = {n.key: n for n in normal.values()}
    for target, _ in alias_pairs.values():
        by_key.setdefault(target.key, target)
    order = sorted(by_key)
    nodes = [by_key[k] for k in order]
    at = {k: i for i, k in enumerate(order)}
    apart = set()
    for a, b in [*decisions.different, *decisions.lineage.apart(year)]:
        ka, kb = matching.normalise(a, rules).key, matching.normalise(b, rules).key
        if ka in at and kb in at and ka != kb:
            apart.add(frozenset((at[ka], at[kb])))
    weights = matching.Weights(normal.values(), rules, _word_officers(returns, keys, by_key))
    evidence = _name_evidence(returns, keys)
    scored = _scored_pairs(nodes, order, rules, weights, evidence, toolkit)
    clusters = _Clusters(nodes, apart)
    how: dict[str, tuple[str, float]] = {}
    chosen: dict[str, str] = {}
    for source, (target, written) in sorted(alias_pairs.items()):
        if source in at:
            clusters.union(at[source], at[target.key], force=True)
            if source != target.key:
                how.setdefault(source, ("alias", 100.0))
        chosen[target.key] = written
    acronym_pairs: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for pair in scored:
        value, a, b = pair.score, pair.a, pair.b
        if value < toolkit.same_at or frozenset((at[a], at[b])) in apart:
            continue
        if matching.is_acronym_of(by_key[a], by_key[b]):
            short, full = (a, b) if by_key[a].acronym else (b, a)
            acronym_pairs[short].append((value, full))
            continue
        if clusters.union(at[a], at[b]):
            method = "fuzzy" if pair.word_score >= toolkit.same_at else "evidence"
            for k in (a, b):
                how.setdefault(k, (method, value))
    for short, fulls in sorted(acronym_pairs.items()):
        roots = {clusters.find(at[full]) for _, full in fulls}
        if len(roots) == 1 and clusters.union(at[short], at[fulls[0][1]]):
            how.setdefault(short, ("acronym", fulls[0][0]))
    earlier = lineage.earlier_names(
        lineage.as_history(previous, year), decisions.lineage, year, rules
    )
    carried = lineage.name_evidence(nodes, earlier, rules, weights, toolkit.same_at)
    for group in lineage.merged_names(carried, earlier):
        for member in group[1:]:  # the analyst's merge wins, as an alias does
            if clusters.find(member) != clusters.find(group[0]):
                clusters.union(group[0], member, force=True)
                how.setdefault(order[member], ("merge", 100.0))
    # each partnership's distinct (typed name, lead officer) pairs with how many returns
    # typed them: the names are chosen from these, never from a loop over returns
    spelt_by: dict[int, list[tuple[str, bool, int]]] = defaultdict(list)
    leading = returns["council_role"].isin(toolkit.lead_roles).to_numpy()
    for text, led, times in _typed_times(typed, leading):
        spelt_by[clusters.find(at[normal[text].key])].append((text, led, times))
    display: dict[int, str] = {}
    for root, spelt in sorted(spelt_by.items()):
        picks = [chosen[order[m]] for m in clusters.members[root] if order[m] in chosen]
        display[root] = _display_name(
            [text for text, _, _ in spelt],
            [led for _, led, _ in spelt],
            picks,
            [times for _, _, times in spelt],
        )

    def locate(name: str) -> int | None:
        key = matching.normalise(name, rules).key
        found = clusters.find(at[key]) if key in at else None
        return found if found in display else None

    ids, id_history = lineage.assign_ids(
        display,
        lineage.partnership_evidence(carried, clusters.find),
        earlier,
        decisions.lineage,
        locate,
        year,
        toolkit.id_prefix,
        issued,
    )
    frequency = Counter({str(k): int(n) for k, n in keys.value_counts().items()})
    for members in clusters.members.values():
        lead = min(members, key=lambda m: (-frequency[order[m]], order[m]))
        if how.get(order[lead], ("",))[0] in ("fuzzy", "evidence"):
            del how[order[lead]]  # the most reported name is the one the others matched
    records = []
    for text in sorted(set(typed)):
        key = normal[text].key
        root = clusters.find(at[key])
        method, value = how.get(key, ("exact", 100.0))
        records.append(
            {
                "typed_name": text,
                "normalised": key,
                "partnership_id": ids[root],
                "name": display[root],
                "method": method,
                "score": value,
            }
        )
    table = pd.DataFrame(records).sort_values(["partnership_id", "typed_name"], ignore_index=True)
    # A name the analyst aliased is decided: its close pairs are not asked again.
    undecided = [p for p in scored if p.a not in alias_pairs and p.b not in alias_pairs]
    pairs = _unsure_pairs(undecided, typed, keys, clusters, at, by_key, apart, ids, toolkit)
    row_ids = keys.map({k: ids[clusters.find(at[k])] for k in keys.unique()})
    each_return = pd.DataFrame(
        {column: returns[column] if column in returns else None for column in _RETURN_COLUMNS[:2]}
        | {"partnership_id": row_ids},
        index=returns.index,
    ).reset_index(drop=True)
    return NameMatching(table, pairs, each_return, id_history)


@dataclass(frozen=True)
class _Pair:
    """A candidate pair of names (normalised keys, a < b) with its scores."""

    score: float  # after the evidence: what joins
    a: str
    b: str
    word_score: float
    support: matching.Support | None  # None: no evidence could move it


def match_year(
    answers: pd.DataFrame, config: Settings, year: int, root: Path | str | None = None
) -> NameMatching:
    """``match_names`` as a year's run calls it, with everything from ``config`` and ``root``:
    the toolkit, the analyst's aliases, the council's names, the registry's history before
    ``year`` and the IDs issued before it (so an ID never returns). Stage 03, the
    benchmark, the matching-quality measure and the stage tests all call this one."""
    return match_names(
        answers,
        config.toolkit,
        config.aliases,
        load_history(year, root),
        council=config.council,
        issued=ids_issued_before(year, root),
        year=year,
    )


def _scored_pairs(
    nodes: Sequence[matching.Name],
    order: Sequence[str],
    rules: matching.Rules,
    weights: matching.Weights,
    evidence: Mapping[str, matching.Evidence],
    toolkit: Toolkit,
) -> list[_Pair]:
    """Every candidate pair with its word score and its score after the evidence (only a
    pair the analyst might see, from the lower of unsure_from and evidence.applies_from,
    gets its evidence read), in the order pairs are joined: (-score, name, name). A pair
    whose word score provably stays below that floor (``matching_bound``) is left out
    unscored: it is below same_at and unsure_from, so nothing reads it (D47)."""
    settings = toolkit.name_evidence
    looked_from = min(toolkit.unsure_from, settings.applies_from)
    none = matching.Evidence()
    pairs = []
    # a pair whose words cannot reach looked_from would be listed below every threshold
    # that reads it (same_at, unsure_from): only the others are scored (D47)
    candidates = matching.candidate_pairs(nodes, rules)
    for i, j in matching_bound.reachable_pairs(nodes, candidates, weights, looked_from):
        word = matching.score(nodes[i], nodes[j], weights)
        a, b = order[i], order[j]
        if word < looked_from:
            pairs.append(_Pair(word, a, b, word, None))
            continue
        found = matching.support(
            word, evidence.get(a, none), evidence.get(b, none), settings, toolkit.same_at
        )
        pairs.append(_Pair(found.score, a, b, word, found))
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def _typed_times(
    typed: pd.Series, leading: np.ndarray | None = None
) -> list[tuple[str, bool, int]]:
    """Each distinct (typed name, lead officer) pair with how many returns typed it, by
    name then lead (False first), as ``groupby(sort=True).size()`` lists them, counted on
    codes (``leading`` None: no return counts as the lead's, D51)."""
    codes, texts = pd.factorize(typed.to_numpy(dtype=object))
    lead = np.zeros(len(codes), np.int64) if leading is None else leading.astype(np.int64)
    found, times = np.unique(codes.astype(np.int64) * 2 + lead, return_counts=True)
    names = texts.tolist()
    return sorted(
        (str(names[at // 2]), bool(at % 2), int(n))
        for at, n in zip(found.tolist(), times.tolist(), strict=True)
    )


def _spelling(typed: Mapping[str, int]) -> str:
    """The spelling most returns typed (``typed``: each typed name -> how many)."""
    counts: Counter[str] = Counter()
    for text, times in typed.items():
        counts[matching.clean_spelling(text)] += times
    return sorted(counts, key=lambda s: (-counts[s], s.islower() or s.isupper(), s))[0]


def _unsure_pairs(
    scored: Sequence[_Pair],
    typed: pd.Series,
    keys: pd.Series,
    clusters: _Clusters,
    at: dict[str, int],
    by_key: dict[str, matching.Name],
    apart: set[frozenset[int]],
    ids: dict[int, str],
    toolkit: Toolkit,
) -> pd.DataFrame:
    """Every pair of names scoring from unsure_from (after the evidence) that ended in
    different partnerships (and the analyst has not decided: no alias for either name, no
    ``different`` pair or split between the two partnerships), with the word score and the
    evidence for and against: acronym, partner organisations named under both, a
    directorate or service in common; by score, then names."""
    spellings: dict[str, dict[str, int]] = defaultdict(dict)
    key_of = dict(zip(typed.tolist(), keys.tolist(), strict=True))  # a text has one key
    for text, _, times in _typed_times(typed):
        spellings[key_of[text]][text] = times
    spelt: dict[str, str] = {}

    def spelling(key: str) -> str:
        if key not in spelt:
            spelt[key] = _spelling(spellings[key])
        return spelt[key]

    # the analyst kept these partnerships apart: no pair of their names is asked again
    decided = {frozenset(clusters.find(i) for i in pair) for pair in apart}
    records = []
    for pair in scored:
        a, b = pair.a, pair.b
        if pair.score < toolkit.unsure_from:
            continue
        root_a, root_b = clusters.find(at[a]), clusters.find(at[b])
        if root_a == root_b or not spellings.get(a) or not spellings.get(b):
            continue
        if frozenset((root_a, root_b)) in decided:
            continue
        found = pair.support
        records.append(
            {
                "name_a": spelling(a),
                "name_b": spelling(b),
                "score": pair.score,
                "word_score": pair.word_score,
                "partnership_a": ids[root_a],
                "partnership_b": ids[root_b],
                "acronym": matching.is_acronym_of(by_key[a], by_key[b]),
                "partners_in_common": found.partners_in_common if found else 0,
                "same_directorate": found.same_directorate if found else False,
                "same_service": found.same_service if found else False,
                "evidence_for": found.evidence_for if found else "",
                "evidence_against": found.evidence_against if found else "",
            }
        )
    frame = pd.DataFrame(records, columns=list(_PAIR_COLUMNS))
    if frame.empty:
        return frame
    frame = frame.sort_values(["score", "name_a", "name_b"], ascending=[False, True, True])
    return frame.reset_index(drop=True)


def pairs_awaiting_decision(unsure_pairs: pd.DataFrame) -> int:
    """How many decisions the unsure list asks of the analyst: its distinct pairs of
    partnerships (``partnership_a``, ``partnership_b``, either order). Two spellings of one
    partnership listed against another are one decision: one alias or one ``different``
    pair settles both."""
    pairs = zip(unsure_pairs["partnership_a"], unsure_pairs["partnership_b"], strict=True)
    return len({frozenset((str(a), str(b))) for a, b in pairs})


def assign_partnerships(returns: pd.DataFrame, matching: NameMatching) -> pd.DataFrame:
    """Add partnership_id and partnership (the registry name) to each return."""
    lookup = matching.names.drop_duplicates("typed_name").set_index("typed_name")
    typed = _typed_names(returns)
    return returns.assign(
        partnership_id=typed.map(lookup["partnership_id"]),
        partnership=typed.map(lookup["name"]),
    )


def _most_common(answers: pd.Series, options: tuple[str, ...], cautious: tuple[str, ...]) -> Any:
    """Most common non-missing answer; a tie goes to the cautious side, then option order."""
    present = [a for a in answers.tolist() if not pd.isna(a)]
    return _most_common_of(Counter(present), options, cautious)


def _answer_counts(returns: pd.DataFrame, key: str) -> dict[Any, Counter[Any]]:
    """Each partnership -> how many of its returns gave each (non-missing) answer to
    ``key``: counted once over the table, looped over distinct answers, never rows."""
    counted = returns.groupby(["partnership_id", key], sort=False, dropna=True).size()
    by_partnership: dict[Any, Counter[Any]] = defaultdict(Counter)
    pairs: list[tuple[Any, Any]] = list(counted.index)
    for (partnership_id, answer), count in zip(pairs, counted.tolist(), strict=True):
        by_partnership[partnership_id][answer] = int(count)
    return by_partnership


def _answer_counts_of(
    returns: pd.DataFrame, keys: Sequence[str]
) -> dict[str, dict[Any, Counter[Any]]]:
    """``_answer_counts`` of each of ``keys``, partnership_id encoded once for them all.

    A text answer column is counted from codes: each (partnership, answer) pair is
    numbered in the order it first appears, as ``groupby(sort=False)`` lists them, so each
    partnership's Counter holds the same answers in the same order. Any other column is
    counted by ``_answer_counts``."""
    partnerships, partnership_ids = pd.factorize(returns["partnership_id"], use_na_sentinel=True)
    partnership_labels = np.asarray(partnership_ids, dtype=object)
    found: dict[str, dict[Any, Counter[Any]]] = {}
    for key in keys:
        column = returns[key]
        kind = pd.api.types.infer_dtype(column, skipna=True)
        if not (
            column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
        ) or kind not in ("string", "empty"):
            found[key] = _answer_counts(returns, key)
            continue
        answers, answer_labels = pd.factorize(column, use_na_sentinel=True)
        given = (partnerships >= 0) & (answers >= 0)
        width = len(answer_labels)
        pair_codes, pairs = pd.factorize(
            partnerships[given].astype(np.int64) * width + answers[given], sort=False
        )
        counts = np.bincount(pair_codes, minlength=len(pairs)).tolist()
        texts = np.asarray(answer_labels, dtype=object)
        by_partnership: dict[Any, Counter[Any]] = defaultdict(Counter)
        for pair, count in zip(pairs.tolist(), counts, strict=True):
            partnership, answer = divmod(pair, width)
            by_partnership[partnership_labels[partnership]][texts[answer]] = count
        found[key] = by_partnership
    return found


def _most_common_of(
    answered: Counter[Any], options: tuple[str, ...], cautious: tuple[str, ...]
) -> Any:
    """``_most_common`` from the answers' counts (blank text does not count)."""
    counts = Counter({a: n for a, n in answered.items() if str(a).strip() != ""})
    if not counts:
        return None
    top = max(counts.values())
    tied = [a for a in counts if counts[a] == top]
    if len(tied) == 1:
        return tied[0]

    def preference(answer: Any) -> tuple[int, int, str]:
        caution = cautious.index(answer) if answer in cautious else len(cautious)
        position = options.index(answer) if answer in options else len(options)
        return caution, position, str(answer)

    return sorted(tied, key=preference)[0]


def _split_list(texts: pd.Series) -> str | None:
    """Partner organisations from every return, each once (case-insensitive), in first order."""
    seen: dict[str, str] = {}
    for text in texts.dropna():
        for part in _LIST_SPLIT.split(str(text)):
            name = " ".join(part.split())
            if name and name.casefold() not in seen:
                seen[name.casefold()] = name
    return "; ".join(seen.values()) or None


def _named(answer: Any) -> frozenset[str]:
    """The options one return names: a multi-select's labels (joined by "; ") or a single
    choice's answer; blank names none."""
    if answer is None or (not isinstance(answer, str) and pd.isna(answer)):
        return frozenset()
    return frozenset(part.strip() for part in str(answer).split(";") if part.strip())


def _named_by_share(named: Sequence[frozenset[str]], share: float) -> set[str]:
    """Options named by at least ``share`` of these returns (exactly the share counts)."""
    if not named:
        return set()
    counts = Counter(option for options in named for option in options)
    return {option for option, count in counts.items() if count / len(named) >= share}


def named_by_enough(answers: pd.Series, leading: pd.Series, share: float) -> set[str]:
    """The counting rule (decision D7): the options that count for a partnership.

    An option counts when at least ``share`` of the returns that answer the question name
    it (named / answering >= share: with 0.5, one of two returns is enough, one of three is
    not), or when at least ``share`` of the lead officers' returns (``leading``: the council
    role is a lead role) that answer name it. A return that leaves the question blank does
    not count either way. So more returns saying the same thing never add an option: the
    union of every officer's answers is kept apart (``priorities_named_by_any``).
    """
    named = answers.map(_named)
    answering = named[named.map(bool)]
    led = leading.reindex(answering.index, fill_value=False).astype(bool)
    return _named_by_share(list(answering), share) | _named_by_share(
        list(answering[led.to_numpy()]), share
    )


def _named_by_partnership(
    returns: pd.DataFrame, key: str, leading: pd.Series, share: float
) -> tuple[dict[Any, set[str]], dict[Any, set[str]]]:
    """``named_by_enough`` and the union of every return's options, for every partnership
    at once: each distinct answer is split once, and options are counted per partnership
    by a group-by, never a loop over returns."""
    codes, distinct = pd.factorize(returns[key], use_na_sentinel=True)
    sets = [_named(answer) for answer in distinct] + [frozenset()]
    size = np.array([len(options) for options in sets])[codes]
    answering = pd.DataFrame(
        {
            "partnership_id": returns["partnership_id"].to_numpy(),
            "code": codes,
            "led": leading.to_numpy(dtype=bool),
        }
    )[size > 0]
    pairs = [(code, option) for code, options in enumerate(sets) for option in options]
    named = answering.merge(
        pd.DataFrame(
            {
                "code": np.array([code for code, _ in pairs], dtype=codes.dtype),
                "option": pd.Series([option for _, option in pairs], dtype=object),
            }
        ),
        on="code",
    )
    counting: dict[Any, set[str]] = defaultdict(set)
    for among in (answering, answering[answering["led"]]):
        answers = among.groupby("partnership_id", sort=False).size().rename("answers")
        chosen = named if among is answering else named[named["led"]]
        tally = chosen.groupby(["partnership_id", "option"], sort=False).size().rename("count")
        shares = tally.reset_index().join(answers, on="partnership_id")
        enough = shares[shares["count"] / shares["answers"] >= share]
        for partnership_id, option in zip(enough["partnership_id"], enough["option"], strict=True):
            counting[partnership_id].add(option)
    by_any: dict[Any, set[str]] = defaultdict(set)
    given = named[["partnership_id", "option"]].drop_duplicates()
    for partnership_id, option in zip(given["partnership_id"], given["option"], strict=True):
        by_any[partnership_id].add(option)
    return counting, by_any


def _partner_lists(returns: pd.DataFrame) -> dict[Any, str]:
    """``_split_list`` for every partnership at once (each distinct text split once)."""
    texts = returns["partners"]
    codes, distinct = pd.factorize(texts, use_na_sentinel=True)
    parts = [[" ".join(part.split()) for part in _LIST_SPLIT.split(str(text))] for text in distinct]
    items = pd.DataFrame(
        [(code, n, name) for code, names in enumerate(parts) for n, name in enumerate(names)],
        columns=["code", "n", "name"],
    )
    items = items[items["name"] != ""]
    rows = pd.DataFrame(
        {
            "partnership_id": returns["partnership_id"].to_numpy(),
            "code": codes,
            "row": range(len(codes)),
        }
    )
    listed = rows[codes >= 0].merge(items, on="code").sort_values(["row", "n"], kind="stable")
    folded = listed["name"].map({n: n.casefold() for n in listed["name"].unique()})
    listed = listed.assign(folded=folded).drop_duplicates(["partnership_id", "folded"])
    return {
        partnership_id: "; ".join(group)
        for partnership_id, group in listed.groupby("partnership_id", sort=False)["name"]
    }


def _latest(returns: pd.DataFrame, groups: grouped.Groups) -> list[Any]:
    """Each partnership's latest last_reviewed (the greatest answer given; None if none)."""
    given = pd.DataFrame(
        {"group": groups.codes, "reviewed": returns["last_reviewed"].to_numpy()}
    ).dropna()
    latest = given[given["group"] >= 0].groupby("group")["reviewed"].max()
    found = dict(zip(latest.index.tolist(), latest.tolist(), strict=True))
    return [found.get(group) for group in range(len(groups.labels))]


def _double_counts(returns: pd.DataFrame, groups: grouped.Groups) -> list[str | None]:
    """Each partnership's directorate / service pairs given by more than one of its
    returns (the same contribution possibly counted twice), sorted; None if none."""
    service = returns["service"]
    services = returns["directorate"].astype(str) + " / " + service.astype(str).str.casefold()
    pairs = pd.DataFrame({"group": groups.codes, "service": services.to_numpy()})
    repeated = pairs.duplicated(keep=False).to_numpy() & service.notna().to_numpy()
    return [
        text or None
        for text in groups.joined(
            services.to_numpy(dtype=object), repeated, "; ", lambda found: sorted(set(found))
        )
    ]


def _per_partnership(returns: pd.DataFrame, toolkit: Toolkit) -> dict[str, list[Any]]:
    """What consolidation reads of each partnership's returns besides its answer counts,
    for every partnership at once (sorted by partnership_id): name, returns, names
    reported, whether a lead answered, latest review, contributions summed with the count
    left blank, external funding's median, possible double counts and the officers' exit
    share. Python values, as the registry's columns are inferred from them."""
    groups = grouped.group_rows(returns["partnership_id"])
    typed = _typed_names(returns).str.strip().to_numpy(dtype=object)
    first_of_name = ~pd.DataFrame({"group": groups.codes, "name": typed}).duplicated().to_numpy()
    each: dict[str, list[Any]] = {
        "partnership_id": groups.labels.tolist(),
        "name": groups.first(returns["partnership"].to_numpy(dtype=object)).tolist(),
        "returns": groups.sizes.tolist(),
        "names_reported": [
            text or ""
            for text in groups.joined(typed, first_of_name, "; ", lambda names: sorted(names))
        ],
        "led": groups.any(returns["council_role"].isin(toolkit.lead_roles).to_numpy()).tolist(),
        "last_reviewed": _latest(returns, groups),
    }
    blank_cost = np.zeros(len(returns), dtype=bool)
    for key in _CONTRIBUTIONS:
        amounts = grouped.numbers(returns[key])
        blank = np.isnan(amounts)
        blank_cost |= blank
        each[key] = groups.sums(amounts).tolist()
        each[f"{key}_missing"] = groups.count(blank).tolist()
    each["cost_missing_returns"] = groups.count(blank_cost).tolist()
    median = groups.medians(grouped.numbers(returns["external_funding"]))
    each["external_funding"] = [None if np.isnan(m) else m for m in median.tolist()]
    each["possible_double_count"] = _double_counts(returns, groups)
    exits = (returns["officer_recommendation"] == toolkit.exit_answer).to_numpy(dtype=bool)
    each["officer_exit_share"] = (groups.count(exits) / groups.sizes).tolist()
    return each


# Questions consolidated by a rule of their own (decision D7), not by the most common answer.
_OWN_RULES = (
    "directorate",
    "partners",
    "statutory_basis",
    "reporting_line",
    "last_reviewed",
    "cash",
    "in_kind",
    "officer_hours",
    "external_funding",
    "priorities",
    "risk_level",
)
_CONTRIBUTIONS = ("cash", "in_kind", "officer_hours")  # each officer's own service's share


def _highest(answers: pd.Series, order: tuple[str, ...]) -> str | None:
    reported = set(answers.dropna())
    present = [level for level in order if level in reported]
    return present[-1] if present else None


def _highest_of(reported: Counter[Any], order: tuple[str, ...]) -> str | None:
    present = [level for level in order if level in reported]
    return present[-1] if present else None


def consolidate_returns(
    returns: pd.DataFrame, protocol: Protocol, toolkit: Toolkit
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per partnership from its officers' returns (decision D7).

    Needs the returns by key with partnership_id and partnership. Money and hours are sums
    of each service's own contribution (with the count of returns that left them blank);
    external funding is the median; single choices are the most common answer (ties to the
    cautious side), except risk_level, which is the highest any officer reported, and the
    money-held questions (toolkit money_held), which take the held answer when the counting
    rule (``named_by_enough``) says so. Council Plan priorities count by the same rule
    (``priorities``, ``priority_count``); ``priorities_named_by_any`` is the union of every
    officer's ticks. Returns the registry, columns named by question key, and every
    disagreement between officers.
    """
    singles = [q for q in protocol.of_type("single") if q.key not in _OWN_RULES]
    directorates = protocol.by_key("directorate").options
    priority_options = protocol.by_key("priorities").options
    # Answers are counted, split and named once over the whole table (each distinct answer
    # once), so the loop below visits partnerships and questions, never returns.
    held = toolkit.money_held
    leading_all = returns["council_role"].isin(toolkit.lead_roles)
    counted = _answer_counts_of(
        returns,
        [
            *(q.key for q in singles),
            "risk_level",
            *held.questions,
            "directorate",
            "statutory_basis",
            "reporting_line",
        ],
    )
    led_directorates = _answer_counts_of(returns[leading_all], ["directorate"])["directorate"]
    held_named = {
        key: _named_by_partnership(returns, key, leading_all, toolkit.named_share)[0]
        for key in held.questions
    }
    priorities_counted, priorities_by_any = _named_by_partnership(
        returns, "priorities", leading_all, toolkit.named_share
    )
    partner_lists = _partner_lists(returns)
    each = _per_partnership(returns, toolkit)
    rows, disagreements = [], []
    for at, partnership_id in enumerate(each["partnership_id"]):
        row: dict[str, Any] = {
            "partnership_id": partnership_id,
            "name": each["name"][at],
            "returns": each["returns"][at],
            "names_reported": each["names_reported"][at],
        }
        chosen_answers: dict[str, Any] = {}
        for question in singles:
            chosen_answers[question.key] = _most_common_of(
                counted[question.key][partnership_id], question.options, toolkit.cautious_first
            )
        chosen_answers["risk_level"] = _highest_of(
            counted["risk_level"][partnership_id], toolkit.risk_order
        )
        for key in held.questions:
            if held.held_answer in held_named[key].get(partnership_id, set()):
                chosen_answers[key] = held.held_answer
        chosen_answers["directorate"] = _most_common_of(  # the leads' answer, if any lead
            led_directorates.get(partnership_id, Counter())
            if each["led"][at]
            else counted["directorate"][partnership_id],
            directorates,
            (),
        )
        for key, chosen in chosen_answers.items():
            counts = counted[key][partnership_id]
            if len(counts) > 1:
                disagreements.append(
                    {
                        "partnership_id": partnership_id,
                        "question": key,
                        "answers": "; ".join(f"{a} ({n})" for a, n in sorted(counts.items())),
                        "chosen": chosen,
                    }
                )
        row.update(chosen_answers)
        row["partners"] = partner_lists.get(partnership_id)
        for key in ("statutory_basis", "reporting_line"):
            row[key] = _most_common_of(counted[key][partnership_id], (), ())
        row["last_reviewed"] = each["last_reviewed"][at]
        for key in _CONTRIBUTIONS:
            row[key] = each[key][at]
            row[f"{key}_missing"] = each[f"{key}_missing"][at]
        row["cost_missing_returns"] = each["cost_missing_returns"][at]
        row["external_funding"] = each["external_funding"][at]
        named_by_any = priorities_by_any.get(partnership_id, set())
        counted_priorities = priorities_counted.get(partnership_id, set())
        ordered = [o for o in priority_options if o in counted_priorities]
        row["priorities"] = "; ".join(ordered) or None
        row["priority_count"] = len(ordered)
        row["priorities_named_by_any"] = (
            "; ".join(o for o in priority_options if o in named_by_any) or None
        )
        row["possible_double_count"] = each["possible_double_count"][at]
        row["officer_exit_share"] = each["officer_exit_share"][at]
        rows.append(row)
    registry = pd.DataFrame(rows)
    columns = list(tables.table("disagreements").columns)
    return registry, pd.DataFrame(disagreements, columns=columns)


def write_registry(
    registry: pd.DataFrame,
    matching: NameMatching,
    disagreements: pd.DataFrame,
    year: int,
    root: Path | str | None = None,
) -> list[Path]:
    """Write the registry, each return's partnership, how each ID came (id_history) and
    the analyst's lists (names matched, unsure pairs, disagreements between officers)."""
    written = [
        tables.write("registry", registry, year, root),
        tables.write("name_matches", matching.names, year, root),
        tables.write("unsure_pairs", matching.unsure_pairs, year, root),
        tables.write("return_partnerships", matching.returns, year, root),
        tables.write("id_history", matching.id_history.assign(year=year), year, root),
        tables.write("disagreements", disagreements, year, root),
    ]
    logger.info("registry: %d partnerships written", len(registry))
    return written
