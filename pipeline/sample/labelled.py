"""The labelled name-matching set (issue 14): returns whose true partnership is known.

A second fictional council, Eastvale County Council (data/synthetic/labelled_names.yaml),
with ~60 partnerships chosen to be hard to tell apart (adults' and children's safeguarding,
four area community safety partnerships, five shared services, two section 75 agreements,
numbered locality boards). Two to six officers report each partnership, and about 70% of
them type its name in one of the ways officers do (the council's name left out or written as
initials, a word left out, an acronym alone or with the council's name, an extra word or a
bracketed addition, a typo, case, spacing and punctuation). The truth (response ID -> the
partnership's canonical name) and the variant kind of each return are kept beside the
returns, never written to the export, so consolidation's pairwise precision and recall can
be measured (:mod:`pipeline.matching_quality`).

The other answers are plausible and pass validation but carry no test of their own. Like the
sample, the set is drawn by one ``random.Random(seed)`` that never reads the clock, and
:func:`write_labelled_set` writes byte-identical files on every run.
"""

from __future__ import annotations

import datetime
import random
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipeline import paths
from pipeline import protocol as protocol_module
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.sample import habits, vocabulary
from pipeline.sample.labels import resolve_labels
from pipeline.sample.layouts import export_name, write_ms_forms_xlsx
from pipeline.sample.returns import Answer, SampleReturn

YEAR = 2025
SEED = 14  # the number: any fixed seed would do
VARIANT_KINDS = (
    "drop_council",
    "council_initials",
    "drop_word",
    "acronym",
    "acronym_council",
    "extra",
    "typo",
    "mess",
)
"""Every way the set's officers type a name other than exactly (labelled_names.yaml)."""
EXACT = "exact"
OFFICERS_PER_PARTNERSHIP = {2: 3, 3: 3, 4: 2, 5: 1, 6: 1}  # ~3.4 returns a partnership
OFFICERS_PER_DIRECTORATE = 9


def catalogue_file() -> Path:
    return paths.synthetic_dir() / "labelled_names.yaml"


@dataclass(frozen=True)
class LabelledPartnership:
    name: str  # canonical
    kind: str  # Q8 code (catalogue.yaml's option_codes)
    directorate: str  # a Q4 option label
    partners: tuple[str, ...]
    acronym: str | None


@dataclass(frozen=True)
class LabelledCatalogue:
    """labelled_names.yaml, checked."""

    council_name: str
    place: str
    initials: tuple[str, ...]
    email_domain: str
    exact_share: float
    variant_weights: dict[str, float]
    words_that_can_drop: frozenset[str]
    extras: tuple[str, ...]
    partnerships: tuple[LabelledPartnership, ...]
    near_collisions: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class LabelledSet:
    """The returns, and for each response ID its true partnership and how its name was typed."""

    catalogue: LabelledCatalogue
    returns: list[SampleReturn]
    truth: dict[int, str]  # response ID -> canonical name of the true partnership
    kinds: dict[int, str]  # response ID -> "exact" or one of VARIANT_KINDS

    def truth_series(self) -> pd.Series:
        """The truth indexed by response ID as text (how the processed tables hold it)."""
        return pd.Series({str(k): v for k, v in self.truth.items()}, name="truth")

    def table(self) -> pd.DataFrame:
        """One row per return: response_id, typed, kind, truth (for looking at misses)."""
        return pd.DataFrame(
            [
                {
                    "response_id": r.response_id,
                    "typed": r.answers["Q6"],
                    "kind": self.kinds[r.response_id],
                    "truth": self.truth[r.response_id],
                }
                for r in self.returns
            ]
        )


def _fail(problem: str) -> PipelineError:
    return PipelineError(f"{catalogue_file()}: {problem}")


def load_catalogue(protocol: Protocol, path: Path | None = None) -> LabelledCatalogue:
    """Read labelled_names.yaml strictly, checking its codes and labels against the protocol."""
    raw: dict[str, Any] = yaml.safe_load((path or catalogue_file()).read_text(encoding="utf-8"))
    expected = {
        "council",
        "exact_share",
        "variant_weights",
        "words_that_can_drop",
        "extras",
        "partner_pools",
        "partnerships",
        "near_collisions",
    }
    if set(raw) != expected:
        raise _fail(f"expected the keys {sorted(expected)}, found {sorted(raw)}")
    if set(raw["variant_weights"]) != set(VARIANT_KINDS):
        raise _fail(f"variant_weights must weigh each of {', '.join(VARIANT_KINDS)}")
    types = set(vocabulary.load().codes("Q8"))
    directorates = set(protocol.question("Q4").options)
    pools: dict[str, list[str]] = raw["partner_pools"]
    partnerships = []
    for n, entry in enumerate(raw["partnerships"]):
        where = f"partnerships[{n}] ({entry.get('name')})"
        if entry.get("type") not in types:
            raise _fail(f"{where}: type must be one of {sorted(types)}")
        if entry.get("directorate") not in directorates:
            raise _fail(f"{where}: directorate must be a Q4 option of config/protocol.yaml")
        if entry.get("partners") not in pools:
            raise _fail(f"{where}: partners must name one of partner_pools")
        unknown = set(entry) - {"name", "type", "directorate", "partners", "acronym"}
        if unknown:
            raise _fail(f"{where}: unknown keys {sorted(unknown)}")
        partnerships.append(
            LabelledPartnership(
                name=entry["name"],
                kind=entry["type"],
                directorate=entry["directorate"],
                partners=tuple(pools[entry["partners"]]),
                acronym=entry.get("acronym"),
            )
        )
    names = [p.name for p in partnerships]
    acronyms = [p.acronym for p in partnerships if p.acronym]
    if len(set(names)) != len(names) or len(set(acronyms)) != len(acronyms):
        raise _fail("every partnership's name and acronym must be unique")
    groups = {k: tuple(v) for k, v in raw["near_collisions"].items()}
    strays = sorted({n for group in groups.values() for n in group} - set(names))
    if strays:
        raise _fail(f"near_collisions names what is not a partnership: {strays}")
    council = raw["council"]
    return LabelledCatalogue(
        council_name=council["name"],
        place=council["place"],
        initials=tuple(council["initials"]),
        email_domain=council["email_domain"],
        exact_share=float(raw["exact_share"]),
        variant_weights={k: float(raw["variant_weights"][k]) for k in VARIANT_KINDS},
        words_that_can_drop=frozenset(raw["words_that_can_drop"]),
        extras=tuple(raw["extras"]),
        partnerships=tuple(partnerships),
        near_collisions=groups,
    )


# --- How a name is typed ---------------------------------------------------------------------

_NEIGHBOURS = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        "sqvrwdfgoknlbmplwetyibeczt",
        strict=True,
    )
)  # a key beside each letter on a UK keyboard (one of them)


def matching_key(name: str) -> str:
    """What no reader would tell apart: case, punctuation, "&"/"and", spacing, "the".

    Used only to keep the set's truth unambiguous (no typed name may mean two partnerships);
    the pipeline's own normalisation is registry.normalise_name.
    """
    text = str(name).replace("&", " and ").casefold().replace("'", "").replace("\u2019", "")
    return " ".join(w for w in re.sub(r"[^a-z0-9]+", " ", text).split() if w != "the")


def _typo(rng: random.Random, name: str) -> str:
    """One or two character edits (swap, drop, double, a neighbouring key) in letters."""
    words = name.split(" ")
    for _ in range(1 if rng.random() < 0.65 else 2):
        candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 4]
        if not candidates:
            candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 3]
        i = rng.choice(candidates)
        word = words[i]
        at = rng.randint(1, len(word) - 2)
        edit = rng.choice(("swap", "drop", "double", "key"))
        if edit == "swap":
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        elif edit == "drop":
            word = word[:at] + word[at + 1 :]
        elif edit == "double":
            word = word[:at] + word[at] + word[at:]
        else:
            key = _NEIGHBOURS.get(word[at].lower(), word[at])
            word = word[:at] + key + word[at + 1 :]
        words[i] = word
    return " ".join(words)


def _mess(rng: random.Random, name: str) -> str:
    """Case, spacing and punctuation: one or two of the ways forms get filled in."""
    styles = ["the", "lower", "upper", "full_stop", "spaces", "hyphen"]
    if " and " in name:
        styles.append("ampersand")
    if "'" in name:
        styles.append("apostrophe")
    for style in rng.sample(styles, k=1 if rng.random() < 0.6 else 2):
        if style == "the":
            name = rng.choice(("The ", "the ")) + name
        elif style == "lower":
            name = name.lower()
        elif style == "upper":
            name = name.upper()
        elif style == "full_stop":
            name = name + "."
        elif style == "spaces":
            words = name.split(" ")
            at = rng.randint(1, len(words) - 1)
            name = " ".join(words[:at]) + "  " + " ".join(words[at:]) + rng.choice(("", " "))
        elif style == "hyphen":
            words = name.split(" ")
            at = rng.randint(1, len(words) - 1)
            name = " ".join(words[:at]) + rng.choice((" - ", "-")) + " ".join(words[at:])
        elif style == "ampersand":
            name = name.replace(" and ", " & ")
        else:
            name = name.replace("'", "")
    return name


def _available(catalogue: LabelledCatalogue, entry: LabelledPartnership) -> dict[str, float]:
    name, place = entry.name, catalogue.place
    words = name.split(" ")
    applies = {
        "drop_council": place in words and len(words) > 2,
        "council_initials": place in words,
        "drop_word": len(words) > 2 and any(w in catalogue.words_that_can_drop for w in words),
        "acronym": entry.acronym is not None,
        "acronym_council": entry.acronym is not None,
        "extra": True,
        "typo": True,
        "mess": True,
    }
    return {k: w for k, w in catalogue.variant_weights.items() if applies[k]}


def typed_variant(
    rng: random.Random, catalogue: LabelledCatalogue, entry: LabelledPartnership, kind: str
) -> str:
    """The partnership's name typed in the way ``kind`` names (one of VARIANT_KINDS)."""
    name, place = entry.name, catalogue.place
    if kind == "drop_council":
        return " ".join(w for w in name.split(" ") if w != place)
    if kind == "council_initials":
        return name.replace(place, rng.choice(catalogue.initials), 1)
    if kind == "drop_word":
        words = name.split(" ")
        droppable = [i for i, w in enumerate(words) if w in catalogue.words_that_can_drop]
        gone = rng.choice(droppable)
        return " ".join(w for i, w in enumerate(words) if i != gone)
    if kind in ("acronym", "acronym_council"):
        assert entry.acronym is not None
        if kind == "acronym":
            return entry.acronym
        return f"{rng.choice((place, *catalogue.initials))} {entry.acronym}"
    if kind == "extra":
        have = {w.casefold() for w in matching_key(name).split()}
        extras = [e for e in catalogue.extras if not set(matching_key(e).split()) & have]
        return name + rng.choice(extras)
    if kind == "typo":
        return _typo(rng, name)
    if kind == "mess":
        return _mess(rng, name)
    raise PipelineError(f"No variant kind '{kind}': choose one of {', '.join(VARIANT_KINDS)}.")


# --- The returns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Officer:
    name: str
    email: str
    directorate: str  # Q4 label
    service: str


def _officers(
    rng: random.Random, catalogue: LabelledCatalogue, codes: Mapping[str, str]
) -> dict[str, list[_Officer]]:
    """Officers per directorate label, from the sample's names and services (all distinct)."""
    people = vocabulary.load().officers
    pairs = [(first, last) for first in people.first_names for last in people.surnames]
    chosen = rng.sample(pairs, k=OFFICERS_PER_DIRECTORATE * len(codes))
    officers: dict[str, list[_Officer]] = {}
    for label, code in codes.items():
        services = people.services[code]
        officers[label] = []
        for n in range(OFFICERS_PER_DIRECTORATE):
            first, last = chosen.pop()
            officers[label].append(
                _Officer(
                    name=f"{first} {last}",
                    email=f"{first}.{last}@{catalogue.email_domain}".lower(),
                    directorate=label,
                    service=services[n % len(services)],
                )
            )
    return officers


def _typed(
    rng: random.Random,
    catalogue: LabelledCatalogue,
    entry: LabelledPartnership,
    meaning: dict[str, str],
) -> tuple[str, str]:
    """(typed name, kind): never a name that could mean another partnership."""
    if rng.random() < catalogue.exact_share:
        return entry.name, EXACT
    kinds = _available(catalogue, entry)
    for _ in range(50):
        kind = habits.weighted(rng, kinds)
        typed = typed_variant(rng, catalogue, entry, kind)
        key = matching_key(typed)
        if typed != entry.name and key and meaning.get(key, entry.name) == entry.name:
            meaning[key] = entry.name
            return typed, kind
    raise PipelineError(f"Could not type '{entry.name}' unambiguously in 50 draws.")


def generate_labelled_set(
    protocol: Protocol | None = None, seed: int = SEED, year: int = YEAR
) -> LabelledSet:
    """Draw the labelled set: ~200 returns about the catalogue's partnerships, with truth.

    Pure: one ``random.Random(seed)``; returns are numbered 1..N in submission order.
    """
    protocol = protocol or protocol_module.load()
    catalogue = load_catalogue(protocol)
    words = vocabulary.load()
    labels = resolve_labels(words, protocol)
    codes = {label: code for code, label in labels.directorates.items()}
    rng = random.Random(seed)
    officers = _officers(rng, catalogue, codes)
    everyone = [o for label in sorted(officers) for o in officers[label]]
    meaning = {matching_key(p.name): p.name for p in catalogue.partnerships}
    agree = {score: label for label, score in protocol.agree5.items()}
    agree5 = [q.id for q in protocol.of_type("agree5")]
    days = [datetime.date(year, 3, 1) + datetime.timedelta(days=n) for n in range(61)]
    drafts: list[tuple[datetime.datetime, str, dict[str, Answer], _Officer, str]] = []
    for entry in catalogue.partnerships:
        count = int(habits.weighted(rng, {str(k): w for k, w in OFFICERS_PER_PARTNERSHIP.items()}))
        chosen = [rng.choice(officers[entry.directorate])]
        while len(chosen) < count:
            other = rng.choice(everyone)
            if other not in chosen:
                chosen.append(other)
        level = rng.uniform(2.2, 4.6)
        for n, officer in enumerate(chosen):
            typed, kind = _typed(rng, catalogue, entry, meaning)
            answers: dict[str, Answer] = {qid: None for qid in protocol.ids}
            answers.update(
                {
                    "Q1": officer.name,
                    "Q2": officer.email,
                    "Q3": f"Head of {officer.service}",
                    "Q4": officer.directorate,
                    "Q5": officer.service,
                    "Q6": typed,
                    "Q7": "; ".join(rng.sample(entry.partners, k=rng.randint(2, 4))),
                    "Q8": labels.types[entry.kind],
                    "Q12": labels.roles["LEAD" if n == 0 else "MEM"],
                    "Q13": rng.choice(("Yes", "Yes", "No")),
                    "Q19": rng.choice(labels.meetings[:3]),
                    "Q20": habits.typed_money(rng, habits.nice_amount(rng, 500, 60_000)),
                    "Q43": rng.choice(labels.risks),
                    "Q45": rng.choice(protocol.question("Q45").options[:3]),
                }
            )
            for qid in agree5:
                answers[qid] = agree[min(5, max(1, round(level + rng.gauss(0, 0.7))))]
            moment = datetime.datetime.combine(
                rng.choice([d for d in days if d.weekday() < 5]), datetime.time(9, 0)
            ) + datetime.timedelta(minutes=rng.randint(0, 8 * 60), seconds=rng.randint(0, 59))
            drafts.append((moment, entry.name, answers, officer, kind))
    drafts.sort(key=lambda d: (d[0], d[3].email, d[1]))
    returns, truth, kinds = [], {}, {}
    for number, (moment, name, answers, officer, kind) in enumerate(drafts, start=1):
        returns.append(
            SampleReturn(
                response_id=number,
                answers=answers,
                submitted_at=moment,
                started_at=moment - datetime.timedelta(minutes=12, seconds=number % 60),
                true_partnership=name,
                respondent_name=officer.name,
                respondent_email=officer.email,
            )
        )
        truth[number], kinds[number] = name, kind
    return LabelledSet(catalogue, returns, truth, kinds)


# --- Writing it as a project root --------------------------------------------------------------


def _council_yaml(labelled: LabelledSet, year: int, directorates: tuple[str, ...]) -> str:
    catalogue = labelled.catalogue
    short = ", ".join([catalogue.place, *catalogue.initials])
    lines = [
        "# SYNTHETIC: the fictional council of the labelled name-matching set (issue 14),",
        "# written by pipeline/sample/labelled.py.",
        f"council_name: {catalogue.council_name}",
        f"short_names: [{short}]",
        f"default_year: {year}",
        "directorates:",
        *[f'  "{label}": {OFFICERS_PER_DIRECTORATE + 3}' for label in directorates],
        "committee:",
        "  report_to: Audit and Governance Committee",
        "  report_of: Director of Corporate Services",
        "  contact: {name: Sam Reeve, role: Policy Officer, telephone: 01632 960 001,",
        "            email: policy@eastvale.example}",
        "  part: I",
        "  corporate_priorities: [All]",
        "  electoral_divisions: All",
    ]
    return "\n".join(lines) + "\n"


_NO_ALIASES = (
    "# No aliases: the labelled set measures name matching without the analyst's help.\n"
    "aliases: {}\n"
)


def write_labelled_set(root: Path, year: int = YEAR, seed: int = SEED) -> LabelledSet:
    """Make ``root`` a project root for Eastvale: config/ and the MS Forms export for ``year``.

    config/ is the repository's (files ``root`` already has are kept: a test may pin its
    toolkit), except council.yaml (Eastvale) and aliases.yaml (none). The export goes to
    data/raw/<year>/; both are byte-identical on every run. Returns the set, with its truth.
    """
    root = Path(root)
    config = paths.config_dir(root)
    config.mkdir(parents=True, exist_ok=True)
    for source in sorted(paths.config_dir().glob("*.yaml")):
        if not (config / source.name).exists():
            shutil.copy2(source, config / source.name)
    protocol = protocol_module.load(root)
    labelled = generate_labelled_set(protocol, seed, year)
    directorates = protocol.by_key("directorate").options  # coverage needs every one
    paths.council_file(root).write_text(
        _council_yaml(labelled, year, directorates), encoding="utf-8"
    )
    paths.aliases_file(root).write_text(_NO_ALIASES, encoding="utf-8")
    export = paths.raw_dir(year, root) / export_name(year, "msforms_xlsx")
    write_ms_forms_xlsx(labelled.returns, protocol, export, year)
    return labelled
