"""The sample generator's vocabulary: data/synthetic/*.yaml, read strictly into frozen dataclasses.

Every file is checked as it is read: an unknown or missing key, a value of the wrong kind or
a code that points nowhere is a :class:`PipelineError` naming the file and the key. Answer
labels are not repeated here: the catalogue names options by short codes bound to
config/protocol.yaml's options in order, and :mod:`.labels` checks every label the data
does name against the protocol before anything is drawn.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from pipeline import paths
from pipeline.config import read_yaml
from pipeline.errors import PipelineError

Weights = dict[str, int | float]
"""Relative weights of the choices, in the order the generator draws among them."""

# The questions whose options the catalogue names by code, and the codes the generator's own
# rules name (companies report to the shareholder committee, pooled budgets are pooled ...).
_CODED = ("Q4", "Q8", "Q10", "Q12", "Q26")
_CODES_IN_RULES = {
    "Q8": ("STAT", "STRAT", "JOINT", "CO", "POOL", "FORUM", "OTHER"),
    "Q10": ("S", "R", "D"),
    "Q12": ("LEAD", "ACC"),
}
REQUIRES_BASIS = ("S", "R")  # law codes whose lead officer types a statutory basis (Q11)
TIERS = ("strong", "borderline", "weak")
ADVICE_BANDS = ("agree", "mixed", "disagree_discretionary", "disagree_required")
_GOVERNANCE = ("Q13", "Q14", "Q16", "Q17", "Q15", "Q47")
DATE_STYLES = ("uk", "iso")


@dataclass(frozen=True)
class Partnership:
    """One line of the catalogue: what any officer would agree on."""

    name: str
    kind: str  # Q8 code ("type" in the file)
    law: str  # Q10 code
    basis: str  # Q11 as the lead officer types it; "" when discretionary
    role: str  # Q12 code
    directorate: str  # Q4 code: where the lead officer works
    partners: str  # a pool of Organisations.partner_pools
    priorities: tuple[str, ...]  # Q26 codes, main one first
    cost: int  # council cash scale: index of Answering.cash_ranges
    external: int  # external funding scale: index of Answering.external_ranges
    incorporated: bool


@dataclass(frozen=True)
class PreviousYear:
    """How the year before the base year differs from it."""

    ended: tuple[str, ...]
    new: int
    declined: int
    cost_rose: int
    cost_drift: int = 0  # further partnerships whose cash was a little different
    score_drift: int = 0  # further partnerships answered one step differently


@dataclass(frozen=True)
class Catalogue:
    """catalogue.yaml: the partnerships, the codes they use, aliases and last year's changes."""

    place: str
    option_codes: dict[str, tuple[str | None, ...]]
    partnerships: tuple[Partnership, ...]
    typed_aliases: tuple[str, ...]
    previous_year: PreviousYear
    year_before_previous: PreviousYear  # two years before the base year


@dataclass(frozen=True)
class Organisations:
    """organisations.yaml: partner pools and the committees partnerships report to."""

    partner_pools: dict[str, tuple[str, ...]]
    committees: dict[str, tuple[str, ...]]
    shareholder_committee: str


@dataclass(frozen=True)
class Director:
    """The service and title of a directorate's first officer, who is its director."""

    service: str
    job_title: str


@dataclass(frozen=True)
class Officers:
    """officers.yaml: who answers, from which services, with which names and titles."""

    per_directorate: dict[str, int]
    services: dict[str, tuple[str, ...]]
    job_titles: Weights  # templates with {service}
    directors: dict[str, Director]
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]


@dataclass(frozen=True)
class Tier:
    """A quality tier: its share of partnerships and its range of agreement levels (1-5)."""

    share: float
    low: float
    high: float


@dataclass(frozen=True)
class Answering:
    """answers.yaml: the labels and weights officers answer with, by tier or type."""

    yes: str
    no: str
    dont_know: str
    incorporated: str
    unincorporated: str
    tiers: dict[str, Tier]
    governance: dict[str, dict[str, float]]
    cash_ranges: tuple[tuple[int, int], ...]
    external_ranges: tuple[tuple[int, int], ...]
    officer_count_weights: tuple[int, ...]
    lead_hours: tuple[int | float, ...]
    forum_lead_hours: tuple[int | float, ...]
    other_hours: tuple[int | float, ...]
    meetings: dict[str, Weights]
    rare_meetings: tuple[str, ...]
    evidence: dict[str, Weights]
    equality_impact: dict[str, Weights]
    risk: dict[str, Weights]
    risk_money_at_stake: Weights
    advice: dict[str, Weights]
    first_asked: dict[str, int]  # question ID -> the first survey year that asked it


@dataclass(frozen=True)
class Snippets:
    """snippets.yaml: the free text officers type (Q27, Q44, Q46)."""

    achievements: tuple[str, ...]
    risks: tuple[str, ...]
    comments: tuple[str, ...]


@dataclass(frozen=True)
class Defects:
    """defects.yaml: the values planted for validation to find, in the order drawn."""

    unreadable: tuple[tuple[str, str], ...]
    approximate: tuple[tuple[str, str], ...]
    future_review_dates: tuple[str, ...]
    off_option: tuple[tuple[str, str], ...]
    missing_basis: int
    free_text: tuple[tuple[str, str], ...]
    bad_email: int


@dataclass(frozen=True)
class Vocabulary:
    """Everything the generator draws from, one attribute per file of data/synthetic/."""

    catalogue: Catalogue
    organisations: Organisations
    officers: Officers
    answering: Answering
    snippets: Snippets
    defects: Defects
    folder: Path = field(compare=False)

    def codes(self, question_id: str) -> tuple[str, ...]:
        """The catalogue's codes for a question's options, in the protocol's order."""
        return tuple(c for c in self.catalogue.option_codes[question_id] if c is not None)


class _File:
    """One data file being read: every problem names the file and the key."""

    def __init__(self, folder: Path, name: str, keys: tuple[str, ...]) -> None:
        self.path = folder / name
        self.top = self.keys(read_yaml(self.path), "", keys)

    def fail(self, where: str, problem: str) -> NoReturn:
        raise PipelineError(f"{self.path}: '{where}' {problem}.")

    def keys(
        self, value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """A mapping with exactly the required keys, and perhaps some optional ones."""
        if not isinstance(value, dict):
            self.fail(where, "must be a mapping of keys")
        allowed = required + optional
        for key in value:
            if key not in allowed:
                place = f"{where}.{key}" if where else str(key)
                raise PipelineError(
                    f"{self.path}: unknown key '{place}'; expected {', '.join(allowed)}."
                )
        for key in required:
            if key not in value:
                place = f"{where}.{key}" if where else key
                raise PipelineError(f"{self.path}: missing key '{place}'.")
        return value

    def table(self, value: Any, where: str, expected: tuple[str, ...] = ()) -> dict[str, Any]:
        """A mapping of names (exactly ``expected``, in any order, when given) to values."""
        if expected:
            return self.keys(value, where, expected)
        if not isinstance(value, dict) or not value:
            self.fail(where, "must be a mapping of names to values")
        for key in value:
            if not isinstance(key, str):
                self.fail(f"{where}.{key}", "must be a name (text)")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "must be text")
        return value

    def whole(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(where, "must be a whole number, 0 or more")
        return value

    def number(self, value: Any, where: str) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.fail(where, "must be a number, 0 or more")
        return value

    def texts(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            self.fail(where, "must be a list of text")
        items = tuple(self.text(item, f"{where}[{n}]") for n, item in enumerate(value))
        if len(set(items)) != len(items):
            self.fail(where, "lists the same text twice")
        return items

    def numbers(self, value: Any, where: str) -> tuple[int | float, ...]:
        if not isinstance(value, list) or not value:
            self.fail(where, "must be a list of numbers")
        return tuple(self.number(item, f"{where}[{n}]") for n, item in enumerate(value))

    def weights(self, value: Any, where: str) -> Weights:
        table = self.table(value, where)
        return {key: self.number(weight, f"{where}.{key}") for key, weight in table.items()}

    def ranges(self, value: Any, where: str) -> tuple[tuple[int, int], ...]:
        if not isinstance(value, list) or not value:
            self.fail(where, "must be a list of [low, high] pairs")
        pairs = []
        for n, pair in enumerate(value):
            if not isinstance(pair, list) or len(pair) != 2:
                self.fail(f"{where}[{n}]", "must be a [low, high] pair")
            low, high = (self.whole(v, f"{where}[{n}]") for v in pair)
            if low > high or (low == 0 and high > 0):
                self.fail(f"{where}[{n}]", "must run from low up to high, above 0 unless [0, 0]")
            pairs.append((low, high))
        return tuple(pairs)

    def planted(self, value: Any, where: str) -> tuple[tuple[str, str], ...]:
        """[question ID, value typed] pairs."""
        if not isinstance(value, list):
            self.fail(where, "must be a list of [question, value] pairs")
        pairs = []
        for n, pair in enumerate(value):
            if not isinstance(pair, list) or len(pair) != 2:
                self.fail(f"{where}[{n}]", "must be a [question, value] pair")
            pairs.append((self.text(pair[0], f"{where}[{n}]"), self.text(pair[1], f"{where}[{n}]")))
        return tuple(pairs)

    def code(self, value: Any, where: str, codes: tuple[str, ...]) -> str:
        if value not in codes:
            self.fail(where, f"is '{value}'; expected one of {', '.join(codes)}")
        return value


def _option_codes(file: _File) -> dict[str, tuple[str | None, ...]]:
    table = file.keys(file.top["option_codes"], "option_codes", _CODED)
    option_codes: dict[str, tuple[str | None, ...]] = {}
    for qid in _CODED:
        where = f"option_codes.{qid}"
        listed = table[qid]
        if not isinstance(listed, list) or not listed:
            file.fail(where, "must list one code (or ~) per option")
        codes = tuple(
            None if c is None else file.text(c, f"{where}[{n}]") for n, c in enumerate(listed)
        )
        named = [c for c in codes if c is not None]
        if len(set(named)) != len(named):
            file.fail(where, "lists the same code twice")
        for code in _CODES_IN_RULES.get(qid, ()):
            if code not in named:
                file.fail(where, f"has no code '{code}', which the generator's rules use")
        option_codes[qid] = codes
    return option_codes


def _partnership(
    file: _File,
    value: Any,
    where: str,
    codes: dict[str, tuple[str, ...]],
    pools: dict[str, tuple[str, ...]],
) -> Partnership:
    entry = file.keys(
        value,
        where,
        (
            "name",
            "type",
            "law",
            "role",
            "directorate",
            "partners",
            "priorities",
            "cost",
            "external",
        ),
        ("incorporated", "basis"),
    )
    law = file.code(entry["law"], f"{where}.law", codes["Q10"])
    basis = entry.get("basis", "")
    if law in REQUIRES_BASIS:
        basis = file.text(basis, f"{where}.basis")
    elif basis:
        file.fail(f"{where}.basis", f"is given, but law '{law}' needs no statutory basis")
    priorities = entry["priorities"]
    if (
        not isinstance(priorities, list)
        or not priorities
        or len(set(priorities)) != len(priorities)
    ):
        file.fail(f"{where}.priorities", "must list Q26 codes, main one first, each once")
    incorporated = entry.get("incorporated", False)
    if not isinstance(incorporated, bool):
        file.fail(f"{where}.incorporated", "must be true or false")
    return Partnership(
        name=file.text(entry["name"], f"{where}.name"),
        kind=file.code(entry["type"], f"{where}.type", codes["Q8"]),
        law=law,
        basis=basis,
        role=file.code(entry["role"], f"{where}.role", codes["Q12"]),
        directorate=file.code(entry["directorate"], f"{where}.directorate", codes["Q4"]),
        partners=file.code(entry["partners"], f"{where}.partners", tuple(pools)),
        priorities=tuple(
            file.code(p, f"{where}.priorities[{n}]", codes["Q26"]) for n, p in enumerate(priorities)
        ),
        cost=file.whole(entry["cost"], f"{where}.cost"),
        external=file.whole(entry["external"], f"{where}.external"),
        incorporated=incorporated,
    )


def _earlier_year(file: _File, key: str, names: list[str]) -> PreviousYear:
    """An earlier year's changes (catalogue.yaml previous_year or year_before_previous)."""
    before = file.keys(
        file.top[key],
        key,
        ("ended", "new", "declined", "cost_rose"),
        ("cost_drift", "score_drift"),
    )
    earlier = PreviousYear(
        ended=file.texts(before["ended"], f"{key}.ended"),
        new=file.whole(before["new"], f"{key}.new"),
        declined=file.whole(before["declined"], f"{key}.declined"),
        cost_rose=file.whole(before["cost_rose"], f"{key}.cost_rose"),
        cost_drift=file.whole(before.get("cost_drift", 0), f"{key}.cost_drift"),
        score_drift=file.whole(before.get("score_drift", 0), f"{key}.score_drift"),
    )
    if set(earlier.ended) & set(names):
        file.fail(f"{key}.ended", "names a partnership that still runs")
    if earlier.new + len(earlier.ended) + earlier.declined + earlier.cost_rose > len(names):
        file.fail(key, "changes more partnerships than the catalogue holds")
    return earlier


def _catalogue(folder: Path, pools: dict[str, tuple[str, ...]]) -> Catalogue:
    file = _File(
        folder,
        "catalogue.yaml",
        (
            "place",
            "option_codes",
            "partnerships",
            "typed_aliases",
            "previous_year",
            "year_before_previous",
        ),
    )
    option_codes = _option_codes(file)
    codes = {qid: tuple(c for c in listed if c is not None) for qid, listed in option_codes.items()}
    listed = file.top["partnerships"]
    if not isinstance(listed, list) or not listed:
        file.fail("partnerships", "must be a list of partnerships")
    partnerships = tuple(
        _partnership(file, entry, f"partnerships[{n}]", codes, pools)
        for n, entry in enumerate(listed)
    )
    names = [p.name for p in partnerships]
    if len(set(names)) != len(names):
        file.fail("partnerships", "names the same partnership twice")
    previous = _earlier_year(file, "previous_year", names)
    two_before = _earlier_year(file, "year_before_previous", names)
    if set(two_before.ended) & set(previous.ended):
        file.fail("year_before_previous.ended", "names a partnership that ran the year after")
    return Catalogue(
        place=file.text(file.top["place"], "place"),
        option_codes=option_codes,
        partnerships=partnerships,
        typed_aliases=file.texts(file.top["typed_aliases"], "typed_aliases"),
        previous_year=previous,
        year_before_previous=two_before,
    )


def _organisations(folder: Path) -> Organisations:
    file = _File(
        folder, "organisations.yaml", ("partner_pools", "committees", "shareholder_committee")
    )
    pools = file.table(file.top["partner_pools"], "partner_pools")
    committees = file.table(file.top["committees"], "committees")
    return Organisations(
        partner_pools={k: file.texts(v, f"partner_pools.{k}") for k, v in pools.items()},
        committees={k: file.texts(v, f"committees.{k}") for k, v in committees.items()},
        shareholder_committee=file.text(file.top["shareholder_committee"], "shareholder_committee"),
    )


def _director(file: _File, value: Any, where: str) -> Director:
    entry = file.keys(value, where, ("service", "job_title"))
    return Director(
        service=file.text(entry["service"], f"{where}.service"),
        job_title=file.text(entry["job_title"], f"{where}.job_title"),
    )


def _officers(folder: Path, directorates: tuple[str, ...]) -> Officers:
    file = _File(
        folder,
        "officers.yaml",
        ("per_directorate", "services", "job_titles", "directors", "first_names", "surnames"),
    )
    per = file.table(file.top["per_directorate"], "per_directorate", directorates)
    services = file.table(file.top["services"], "services", directorates)
    directors = file.table(file.top["directors"], "directors")
    officers = Officers(
        per_directorate={k: file.whole(v, f"per_directorate.{k}") for k, v in per.items()},
        services={k: file.texts(v, f"services.{k}") for k, v in services.items()},
        job_titles=file.weights(file.top["job_titles"], "job_titles"),
        directors={
            file.code(k, f"directors.{k}", directorates): _director(file, v, f"directors.{k}")
            for k, v in directors.items()
        },
        first_names=file.texts(file.top["first_names"], "first_names"),
        surnames=file.texts(file.top["surnames"], "surnames"),
    )
    for key, count in officers.per_directorate.items():
        if count > len(officers.services[key]):
            file.fail(f"per_directorate.{key}", "is more than the directorate's services")
    for template in officers.job_titles:
        if template.replace("{service}", "").count("{") or "{service}" not in template:
            file.fail(f"job_titles.{template}", "must name {service} and nothing else in braces")
    pairs = len(officers.first_names) * len(officers.surnames)
    if sum(officers.per_directorate.values()) > pairs:
        file.fail("per_directorate", "needs more officers than there are distinct names")
    return officers


def _answering(folder: Path, types: tuple[str, ...]) -> Answering:
    file = _File(
        folder,
        "answers.yaml",
        (
            "yes_no_dont_know",
            "legal_forms",
            "tiers",
            "governance",
            "cash_ranges",
            "external_ranges",
            "officer_count_weights",
            "lead_hours",
            "forum_lead_hours",
            "other_hours",
            "meetings",
            "rare_meetings",
            "evidence",
            "equality_impact",
            "risk",
            "risk_money_at_stake",
            "advice",
            "first_asked",
        ),
    )
    top = file.top
    yes_no = file.texts(top["yes_no_dont_know"], "yes_no_dont_know")
    if len(yes_no) != 3:
        file.fail("yes_no_dont_know", "must list the labels for yes, no and don't know")
    forms = file.keys(top["legal_forms"], "legal_forms", ("incorporated", "unincorporated"))
    tiers = file.table(top["tiers"], "tiers", TIERS)

    def tier(name: str, value: Any) -> Tier:
        where = f"tiers.{name}"
        entry = file.keys(value, where, ("share", "low", "high"))
        return Tier(*(file.number(entry[k], f"{where}.{k}") for k in ("share", "low", "high")))

    def by_tier(key: str) -> dict[str, Weights]:
        table = file.table(top[key], key, TIERS)
        return {name: file.weights(table[name], f"{key}.{name}") for name in table}

    governance = file.table(top["governance"], "governance", TIERS)
    counts = file.numbers(top["officer_count_weights"], "officer_count_weights")
    meetings = file.table(top["meetings"], "meetings", types)
    advice = file.table(top["advice"], "advice", ADVICE_BANDS)
    return Answering(
        yes=yes_no[0],
        no=yes_no[1],
        dont_know=yes_no[2],
        incorporated=file.text(forms["incorporated"], "legal_forms.incorporated"),
        unincorporated=file.text(forms["unincorporated"], "legal_forms.unincorporated"),
        tiers={name: tier(name, value) for name, value in tiers.items()},
        governance={
            name: {
                qid: file.number(chance, f"governance.{name}.{qid}")
                for qid, chance in file.keys(value, f"governance.{name}", _GOVERNANCE).items()
            }
            for name, value in governance.items()
        },
        cash_ranges=file.ranges(top["cash_ranges"], "cash_ranges"),
        external_ranges=file.ranges(top["external_ranges"], "external_ranges"),
        officer_count_weights=tuple(
            file.whole(w, f"officer_count_weights[{n}]") for n, w in enumerate(counts)
        ),
        lead_hours=file.numbers(top["lead_hours"], "lead_hours"),
        forum_lead_hours=file.numbers(top["forum_lead_hours"], "forum_lead_hours"),
        other_hours=file.numbers(top["other_hours"], "other_hours"),
        meetings={k: file.weights(v, f"meetings.{k}") for k, v in meetings.items()},
        rare_meetings=file.texts(top["rare_meetings"], "rare_meetings"),
        evidence=by_tier("evidence"),
        equality_impact=by_tier("equality_impact"),
        risk=by_tier("risk"),
        risk_money_at_stake=file.weights(top["risk_money_at_stake"], "risk_money_at_stake"),
        advice={k: file.weights(v, f"advice.{k}") for k, v in advice.items()},
        first_asked={
            str(qid): file.whole(year, f"first_asked.{qid}")
            for qid, year in file.table(top["first_asked"], "first_asked").items()
        },
    )


def _snippets(folder: Path) -> Snippets:
    file = _File(folder, "snippets.yaml", ("achievements", "risks", "comments"))
    return Snippets(**{key: file.texts(file.top[key], key) for key in file.top})


def _defects(folder: Path) -> Defects:
    file = _File(
        folder,
        "defects.yaml",
        (
            "unreadable",
            "approximate",
            "future_review_dates",
            "off_option",
            "missing_basis",
            "free_text",
            "bad_email",
        ),
    )
    top = file.top
    styles = top["future_review_dates"]
    if not isinstance(styles, list):
        file.fail("future_review_dates", f"must list date styles ({', '.join(DATE_STYLES)})")
    return Defects(
        unreadable=file.planted(top["unreadable"], "unreadable"),
        approximate=file.planted(top["approximate"], "approximate"),
        future_review_dates=tuple(
            file.code(s, f"future_review_dates[{n}]", DATE_STYLES) for n, s in enumerate(styles)
        ),
        off_option=file.planted(top["off_option"], "off_option"),
        missing_basis=file.whole(top["missing_basis"], "missing_basis"),
        free_text=file.planted(top["free_text"], "free_text"),
        bad_email=file.whole(top["bad_email"], "bad_email"),
    )


@functools.cache
def _load(folder: Path) -> Vocabulary:
    organisations = _organisations(folder)
    catalogue = _catalogue(folder, organisations.partner_pools)
    directorates = tuple(c for c in catalogue.option_codes["Q4"] if c is not None)
    answering = _answering(folder, tuple(c for c in catalogue.option_codes["Q8"] if c))
    vocabulary = Vocabulary(
        catalogue=catalogue,
        organisations=organisations,
        officers=_officers(folder, directorates),
        answering=answering,
        snippets=_snippets(folder),
        defects=_defects(folder),
        folder=folder,
    )
    _check_across_files(vocabulary, directorates)
    return vocabulary


def _check_across_files(vocabulary: Vocabulary, directorates: tuple[str, ...]) -> None:
    """Codes and scales one file uses must exist in another."""
    folder = vocabulary.folder
    committees = vocabulary.organisations.committees
    if set(committees) != set(directorates):
        raise PipelineError(
            f"{folder / 'organisations.yaml'}: 'committees' must list exactly the directorate "
            f"codes of catalogue.yaml ({', '.join(directorates)})."
        )
    answering = vocabulary.answering
    for n, entry in enumerate(vocabulary.catalogue.partnerships):
        if entry.cost >= len(answering.cash_ranges):
            raise PipelineError(
                f"{folder / 'catalogue.yaml'}: 'partnerships[{n}].cost' is {entry.cost}, "
                f"beyond answers.yaml's {len(answering.cash_ranges)} cash_ranges."
            )
        if entry.external >= len(answering.external_ranges):
            raise PipelineError(
                f"{folder / 'catalogue.yaml'}: 'partnerships[{n}].external' is "
                f"{entry.external}, beyond answers.yaml's "
                f"{len(answering.external_ranges)} external_ranges."
            )


def load(folder: Path | None = None) -> Vocabulary:
    """Read and check data/synthetic/ (or ``folder``); the same folder is read once a run."""
    return _load(Path(folder or paths.synthetic_dir()).resolve())
