"""Evaluate stage, registry: accepted returns -> one row per partnership, with stable IDs.

Officers report one partnership under several names. Names are matched by normalised
text, the analyst's alias file (config/aliases.yaml) and fuzzy similarity (rapidfuzz);
pairs in the unsure band are listed for the analyst and kept apart. IDs are carried from
the previous year's registry where the name matches.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from pipeline import paths, tables
from pipeline.config import Strict, load_model
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.toolkit import Toolkit

logger = logging.getLogger(__name__)

_NON_WORD = re.compile(r"[^a-z0-9]+")
_LIST_SPLIT = re.compile(r"[;,\n]+")


@dataclass(frozen=True)
class NameMatching:
    """Each typed name's partnership, how it was matched, and the pairs left for the analyst."""

    names: pd.DataFrame  # typed_name, normalised, partnership_id, name, method, score
    unsure_pairs: pd.DataFrame  # name_a, name_b, score, partnership_a, partnership_b


def normalise_name(
    name: str, ignore_words: tuple[str, ...] = (), synonyms: dict[str, str] | None = None
) -> str:
    """Case, punctuation, "&"/"and", spacing, the toolkit's ignore words and synonyms
    ("Limited"/"Ltd") do not tell two partnership names apart."""
    text = str(name).replace("&", " and ").replace("\u2019", "'").casefold().replace("'", "")
    synonyms = synonyms or {}
    words = [synonyms.get(w, w) for w in _NON_WORD.sub(" ", text).split()]
    return " ".join(w for w in words if w not in ignore_words)


class _AliasesFile(Strict):
    aliases: dict[str, str] = {}


def load_aliases(root: Path | str | None = None) -> dict[str, str]:
    """The analyst's aliases (config/aliases.yaml, strict): a typed name -> the registry's
    name for it."""
    return dict(load_model(paths.aliases_file(root), _AliasesFile).aliases)


def load_previous_registry(year: int, root: Path | str | None = None) -> pd.DataFrame | None:
    """Last year's registry, whose IDs this year's partnerships keep; None in a first year."""
    if not tables.exists("registry", year - 1, root):
        return None
    return tables.read("registry", year - 1, root)


def _display_name(typed: list[str], leading: list[bool]) -> str:
    """The partnership's name: the spelling most officers typed (case aside); on a tie, the
    lead partner's or accountable body's; written in mixed case where someone typed it so."""
    names = [" ".join(t.split()) for t in typed]
    counts = Counter(n.casefold() for n in names)
    led = {n.casefold() for n, lead in zip(names, leading, strict=True) if lead}
    best = sorted(counts, key=lambda k: (-counts[k], k not in led, k))[0]
    spellings = sorted({n for n in names if n.casefold() == best})
    return sorted(spellings, key=lambda n: (n.islower() or n.isupper(), n))[0]


def match_names(
    returns: pd.DataFrame,
    toolkit: Toolkit,
    aliases: dict[str, str] | None = None,
    previous: pd.DataFrame | None = None,
) -> NameMatching:
    """Group the typed partnership names into partnerships and give each an ID.

    Needs the returns by key (``Protocol.by_keys``): partnership_name and council_role.

    Order: the alias file, then the same normalised name, then fuzzy similarity at or
    above the toolkit's same_at. Names scoring between unsure_from and same_at stay apart
    and are listed as unsure pairs. Clusters are built most-reported name first, so the
    result does not depend on row order.
    """
    if returns.empty:
        raise PipelineError(
            "No accepted returns to build the registry from: every return was quarantined. "
            "See quarantine.csv for the reasons."
        )
    ignore = (toolkit.ignore_words, toolkit.synonyms)
    alias_keys = {
        normalise_name(k, *ignore): normalise_name(v, *ignore) for k, v in (aliases or {}).items()
    }
    typed = returns["partnership_name"].astype(str)
    keys = typed.map(lambda n: normalise_name(n, *ignore))
    resolved = keys.map(lambda k: alias_keys.get(k, k))
    frequency = Counter(resolved)
    order = sorted(frequency, key=lambda k: (-frequency[k], k))
    cluster_of: dict[str, str] = {}
    method_of: dict[str, tuple[str, float]] = {}
    representatives: list[str] = []
    unsure: list[tuple[str, str, float]] = []
    for key in order:
        scored = [(fuzz.token_sort_ratio(key, rep), rep) for rep in representatives]
        best_score, best = max(scored, default=(0.0, None))
        if best is not None and best_score >= toolkit.same_at:
            cluster_of[key] = best
            method_of[key] = ("fuzzy", round(best_score, 1))
            continue
        if best is not None and best_score >= toolkit.unsure_from:
            unsure.append((key, best, round(best_score, 1)))
        cluster_of[key] = key
        method_of[key] = ("exact", 100.0)
        representatives.append(key)
    members: dict[str, list[Any]] = {}
    for row, key in resolved.items():
        members.setdefault(cluster_of[key], []).append(row)
    leading = returns["council_role"].isin(toolkit.lead_roles)
    names = {
        rep: _display_name([typed[r] for r in rows], [bool(leading[r]) for r in rows])
        for rep, rows in members.items()
    }
    ids = _assign_ids(names, toolkit, previous)
    records = []
    for row in returns.index:
        key = resolved[row]
        method, score = method_of[key]
        if keys[row] != key:
            method = "alias" if method == "exact" else "alias + fuzzy"
        rep = cluster_of[key]
        records.append(
            {
                "typed_name": typed[row],
                "normalised": keys[row],
                "partnership_id": ids[rep],
                "name": names[rep],
                "method": method,
                "score": score,
            }
        )
    table = (
        pd.DataFrame(records)
        .drop_duplicates()
        .sort_values(["partnership_id", "typed_name"], ignore_index=True)
    )
    pairs = pd.DataFrame(
        [
            {
                "name_a": names[cluster_of[a]],
                "name_b": names[cluster_of[b]],
                "score": s,
                "partnership_a": ids[cluster_of[a]],
                "partnership_b": ids[cluster_of[b]],
            }
            for a, b, s in unsure
        ],
        columns=["name_a", "name_b", "score", "partnership_a", "partnership_b"],
    )
    return NameMatching(table, pairs)


def _assign_ids(
    names: dict[str, str], toolkit: Toolkit, previous: pd.DataFrame | None
) -> dict[str, str]:
    """Keep last year's ID where the name matches; number new partnerships after the last."""
    prefix = toolkit.id_prefix
    carried: dict[str, str] = {}
    used: set[str] = set()
    if previous is not None and not previous.empty:
        earlier = {
            normalise_name(n, toolkit.ignore_words, toolkit.synonyms): pid
            for pid, n in zip(previous["partnership_id"], previous["name"], strict=True)
        }
        for rep in sorted(names):
            scored = sorted(
                ((fuzz.token_sort_ratio(rep, old), old) for old in earlier), reverse=True
            )
            if scored and scored[0][0] >= toolkit.same_at and earlier[scored[0][1]] not in used:
                carried[rep] = earlier[scored[0][1]]
                used.add(carried[rep])
        numbers = [
            int(pid[len(prefix) :])
            for pid in previous["partnership_id"]
            if pid.startswith(prefix) and pid[len(prefix) :].isdigit()
        ]
    else:
        numbers = []
    next_number = max(numbers, default=0) + 1
    for rep in sorted((r for r in names if r not in carried), key=lambda r: (names[r], r)):
        carried[rep] = f"{prefix}{next_number:04d}"
        next_number += 1
    return carried


def assign_partnerships(returns: pd.DataFrame, matching: NameMatching) -> pd.DataFrame:
    """Add partnership_id and partnership (the registry name) to each return."""
    lookup = matching.names.drop_duplicates("typed_name").set_index("typed_name")
    typed = returns["partnership_name"].astype(str)
    return returns.assign(
        partnership_id=typed.map(lookup["partnership_id"]),
        partnership=typed.map(lookup["name"]),
    )


def _most_common(answers: pd.Series, options: tuple[str, ...], cautious: tuple[str, ...]) -> Any:
    """Most common non-missing answer; a tie goes to the cautious side, then option order."""
    present = answers.dropna()
    present = present[present.astype(str).str.strip() != ""]
    if present.empty:
        return None
    counts = Counter(present)
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


def _money_sum(values: pd.Series) -> tuple[float, int]:
    numbers = pd.to_numeric(values, errors="coerce")
    return float(numbers.sum()), int(numbers.isna().sum())


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


def consolidate_returns(
    returns: pd.DataFrame, protocol: Protocol, toolkit: Toolkit
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per partnership from its officers' returns (decision D7).

    Needs the returns by key with partnership_id and partnership. Money and hours are sums
    of each service's own contribution (with the count of returns that left them blank);
    external funding is the median; single choices are the most common answer (ties to the
    cautious side), except risk_level, which is the highest any officer reported. Returns
    the registry, columns named by question key, and every disagreement between officers.
    """
    singles = [q for q in protocol.of_type("single") if q.key not in _OWN_RULES]
    directorates = protocol.by_key("directorate").options
    priority_options = protocol.by_key("priorities").options
    rows, disagreements = [], []
    for partnership_id, group in returns.groupby("partnership_id", sort=True):
        row: dict[str, Any] = {
            "partnership_id": partnership_id,
            "name": group["partnership"].iloc[0],
            "returns": len(group),
            "names_reported": "; ".join(
                sorted(set(group["partnership_name"].astype(str).str.strip()))
            ),
        }
        chosen_answers: dict[str, Any] = {}
        for question in singles:
            chosen_answers[question.key] = _most_common(
                group[question.key], question.options, toolkit.cautious_first
            )
        chosen_answers["risk_level"] = _highest(group["risk_level"], toolkit.risk_order)
        leads = group[group["council_role"].isin(toolkit.lead_roles)]
        chosen_answers["directorate"] = _most_common(
            (leads if not leads.empty else group)["directorate"], directorates, ()
        )
        for key, chosen in chosen_answers.items():
            answers = group[key].dropna()
            if answers.nunique() > 1:
                counts = Counter(answers)
                disagreements.append(
                    {
                        "partnership_id": partnership_id,
                        "question": key,
                        "answers": "; ".join(f"{a} ({n})" for a, n in sorted(counts.items())),
                        "chosen": chosen,
                    }
                )
        row.update(chosen_answers)
        row["partners"] = _split_list(group["partners"])
        for key in ("statutory_basis", "reporting_line"):
            row[key] = _most_common(group[key], (), ())
        reviewed = group["last_reviewed"].dropna()
        row["last_reviewed"] = max(reviewed) if not reviewed.empty else None
        for key in _CONTRIBUTIONS:
            total, missing = _money_sum(group[key])
            row[key] = total
            row[f"{key}_missing"] = missing
        costs = group[list(_CONTRIBUTIONS)].apply(pd.to_numeric, errors="coerce")
        row["cost_missing_returns"] = int(costs.isna().any(axis=1).sum())
        external = pd.to_numeric(group["external_funding"], errors="coerce").dropna()
        row["external_funding"] = float(external.median()) if not external.empty else None
        priorities: set[str] = set()
        for answer in group["priorities"].dropna():
            priorities.update(p.strip() for p in str(answer).split(";") if p.strip())
        ordered = [o for o in priority_options if o in priorities]
        row["priorities"] = "; ".join(ordered) or None
        row["priority_count"] = len(ordered)
        service = group["service"]
        services = group["directorate"].astype(str) + " / " + service.astype(str).str.casefold()
        repeated = services[services.duplicated(keep=False) & service.notna()]
        row["possible_double_count"] = "; ".join(sorted(set(repeated))) or None
        row["officer_exit_share"] = float(
            (group["officer_recommendation"] == toolkit.exit_answer).mean()
        )
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
    """Write the registry and the analyst's lists (names matched, unsure pairs,
    disagreements between officers)."""
    written = [
        tables.write("registry", registry, year, root),
        tables.write("name_matches", matching.names, year, root),
        tables.write("unsure_pairs", matching.unsure_pairs, year, root),
        tables.write("disagreements", disagreements, year, root),
    ]
    logger.info("registry: %d partnerships written", len(registry))
    return written
