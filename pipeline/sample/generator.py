"""Draws the sample's returns: what every officer answered, before any platform's layout.

The words come from data/synthetic/ (:mod:`.vocabulary`), the answer labels from
config/protocol.yaml and the aliases officers type from config/aliases.yaml; this module
holds only how they are drawn. One ``random.Random`` drives every draw, in a fixed order.
"""

from __future__ import annotations

import datetime
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline import registry
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.sample import habits, vocabulary
from pipeline.sample.labels import Labels, resolve_labels
from pipeline.sample.returns import Answer, SampleReturn
from pipeline.sample.vocabulary import Partnership, Vocabulary

logger = logging.getLogger(__name__)

EMAIL_DOMAIN = "northmoor.gov.example"
"""Reserved example domain (RFC 2606 ``.example``) for every generated email address."""


@dataclass(frozen=True)
class _World:
    """What one draw answers from: the words, the protocol's labels and the planted aliases."""

    words: Vocabulary
    labels: Labels
    aliases: dict[str, str]  # a partnership's name -> the alias its officers type


@dataclass(frozen=True)
class _Officer:
    name: str
    email: str
    directorate: str  # Q4 code
    service: str
    job_title: str


@dataclass(frozen=True)
class _Profile:
    """The truth about one partnership, which its officers mostly agree on."""

    entry: Partnership
    tier: str
    quality: float
    principle_offsets: dict[str, float]
    partners: tuple[str, ...]
    governance: dict[str, str]  # Q13, Q14, Q16, Q17 -> Yes / No
    reports_to: str
    last_review: datetime.date | None
    meets: str
    evidence: str
    equality_impact: str
    risk: str
    cash: int
    in_kind: int
    external: int
    lead_hours: float


@dataclass
class _Draft:
    """A return being built: mutable until it is numbered and frozen as a SampleReturn."""

    profile: _Profile
    officer: _Officer
    answers: dict[str, Answer]
    is_lead: bool
    planted: list[str] = field(default_factory=list)
    started_at: datetime.datetime | None = None
    submitted_at: datetime.datetime | None = None


# --- The aliases officers type ------------------------------------------------------------


def _planted_aliases(words: Vocabulary, aliases: dict[str, str]) -> dict[str, str]:
    """Each partnership whose alias officers type -> that alias, from the analyst's aliases."""
    names = {entry.name for entry in words.catalogue.partnerships}
    planted = {}
    for typed in words.catalogue.typed_aliases:
        if typed not in aliases:
            raise PipelineError(
                f"config/aliases.yaml has no alias '{typed}', which "
                f"{words.folder / 'catalogue.yaml'} has officers type (typed_aliases)."
            )
        if aliases[typed] not in names:
            raise PipelineError(
                f"config/aliases.yaml maps '{typed}' to '{aliases[typed]}', which is not a "
                f"partnership in {words.folder / 'catalogue.yaml'}."
            )
        planted[aliases[typed]] = typed
    return planted


# --- Building the partnerships and officers ------------------------------------------------


def _months_before(day: datetime.date, months: int, rng: random.Random) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, rng.randint(1, 28))


def _profile(
    rng: random.Random,
    world: _World,
    entry: Partnership,
    tier: str,
    year: int,
    principles: list[str],
) -> _Profile:
    answering = world.words.answering
    organisations = world.words.organisations
    band = answering.tiers[tier]
    quality = rng.uniform(band.low, band.high)
    offsets = {code: rng.gauss(0, 0.3) for code in principles}
    pool = organisations.partner_pools[entry.partners]
    partners = tuple(rng.sample(pool, k=min(len(pool), rng.randint(2, 6))))
    chances = answering.governance[tier]
    governance = {
        qid: answering.yes if rng.random() < chances[qid] else answering.no
        for qid in ("Q13", "Q14", "Q16", "Q17")
    }
    if entry.kind == "CO":
        reports_to = organisations.shareholder_committee
    elif rng.random() < chances["Q15"]:
        reports_to = rng.choice(organisations.committees[entry.directorate])
    else:
        reports_to = ""
    # Reviews happen before the survey opens; weak partnerships are often never reviewed.
    survey_opens = datetime.date(year, 3, 1)
    roll = rng.random()
    last_review: datetime.date | None = None
    if tier == "strong" or (tier == "borderline" and roll < 0.75):
        last_review = _months_before(survey_opens, rng.randint(1, 20), rng)
    elif tier == "borderline" and roll < 0.88:
        last_review = _months_before(survey_opens, rng.randint(20, 36), rng)
    elif tier == "weak" and roll < 0.5:
        last_review = _months_before(survey_opens, rng.randint(14, 44), rng)
    meeting = habits.weighted(rng, answering.meetings[entry.kind])
    if tier == "weak" and rng.random() < 0.3:
        meeting = rng.choice(answering.rare_meetings)
    evidence = habits.weighted(rng, answering.evidence[tier])
    equality_impact = habits.weighted(rng, answering.equality_impact[tier])
    risk_weights = answering.risk[tier]
    if entry.cost >= 3 or entry.kind == "CO":  # money at stake raises the risk
        extra = answering.risk_money_at_stake
        risk_weights = {
            **risk_weights,
            **{label: risk_weights.get(label, 0) + more for label, more in extra.items()},
        }
    cash = habits.nice_amount(rng, *answering.cash_ranges[entry.cost])
    in_kind = (
        0 if rng.random() < 0.35 else habits.nice_amount(rng, 250, max(1_000, cash // 5 or 2_000))
    )
    return _Profile(
        entry=entry,
        tier=tier,
        quality=quality,
        principle_offsets=offsets,
        partners=partners,
        governance=governance,
        reports_to=reports_to,
        last_review=last_review,
        meets=meeting,
        evidence=evidence,
        equality_impact=equality_impact,
        risk=habits.weighted(rng, risk_weights),
        cash=cash,
        in_kind=in_kind,
        external=habits.nice_amount(rng, *answering.external_ranges[entry.external]),
        lead_hours=rng.choice(answering.lead_hours)
        if entry.kind != "FORUM"
        else rng.choice(answering.forum_lead_hours),
    )


def _build_profiles(
    rng: random.Random, world: _World, year: int, principles: list[str]
) -> list[_Profile]:
    """Give every catalogue partnership a tier so that strong, borderline and weak all occur."""
    catalogue = world.words.catalogue.partnerships
    count = len(catalogue)
    tiers: list[str] = []
    for tier, band in world.words.answering.tiers.items():
        tiers += [tier] * round(band.share * count)
    tiers = (tiers + ["borderline"] * count)[:count]
    rng.shuffle(tiers)
    return [
        _profile(rng, world, entry, tier, year, principles)
        for entry, tier in zip(catalogue, tiers, strict=True)
    ]


def _build_officers(rng: random.Random, world: _World) -> dict[str, list[_Officer]]:
    """Senior officers who answer, per directorate code; names and emails are all distinct."""
    people = world.words.officers
    pairs = [(first, last) for first in people.first_names for last in people.surnames]
    total = sum(people.per_directorate.values())
    chosen = rng.sample(pairs, k=total)
    officers: dict[str, list[_Officer]] = {}
    for key, count in people.per_directorate.items():
        services = rng.sample(people.services[key], k=count)
        officers[key] = []
        for n, service in enumerate(services):
            first, last = chosen.pop()
            job_title = habits.weighted(rng, people.job_titles).format(service=service)
            director = people.directors.get(key)
            if director is not None and n == 0:
                service, job_title = director.service, director.job_title
            officers[key].append(
                _Officer(
                    name=f"{first} {last}",
                    email=f"{first}.{last}@{EMAIL_DOMAIN}".lower(),
                    directorate=key,
                    service=service,
                    job_title=job_title,
                )
            )
    return officers


def _officer_counts(rng: random.Random, world: _World, profiles: list[_Profile]) -> list[int]:
    """How many officers report each partnership: a fixed spread of 1-6, shuffled.

    A fixed spread keeps the total near 330 returns whatever the seed. The partnerships whose
    aliases officers type get at least four officers, so an alias sits beside the full name.
    """
    weights = world.words.answering.officer_count_weights
    total = sum(weights)
    counts: list[int] = []
    for officers, weight in enumerate(weights, start=1):
        counts += [officers] * round(weight * len(profiles) / total)
    counts = (counts + [3] * len(profiles))[: len(profiles)]
    rng.shuffle(counts)
    for i, profile in enumerate(profiles):
        if profile.entry.name in world.aliases and counts[i] < 4:
            swap = next(
                j
                for j, other in enumerate(profiles)
                if counts[j] >= 4 and other.entry.name not in world.aliases
            )
            counts[i], counts[swap] = counts[swap], counts[i]
    return counts


def _choose_officers(
    rng: random.Random,
    world: _World,
    profile: _Profile,
    count: int,
    officers: dict[str, list[_Officer]],
) -> list[_Officer]:
    """The lead directorate's officer first, then others, never the same officer twice."""
    home = profile.entry.directorate
    chosen = [rng.choice(officers[home])]
    while len(chosen) < count:
        key = home if rng.random() < 0.55 else rng.choice(world.words.codes("Q4"))
        candidate = rng.choice(officers[key])
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


# --- One return -------------------------------------------------------------------------------


def _performance_framework(world: _World, profile: _Profile, officer: _Officer) -> str:
    """Q47, added to the survey in 2025, drawn from streams of its own (seeded by the
    partnership and the officer) so that adding it left every other answer as it was."""
    answering = world.words.answering
    name = profile.entry.name
    chance = answering.governance[profile.tier]["Q47"]
    truth = answering.yes if random.Random(f"Q47 {name}").random() < chance else answering.no
    roll = random.Random(f"Q47 {name} {officer.email}").random()
    if roll < 0.06:
        return answering.dont_know
    if roll < 0.1:
        return answering.no if truth == answering.yes else answering.yes
    return truth


def _answers(
    rng: random.Random,
    world: _World,
    profile: _Profile,
    officer: _Officer,
    is_lead: bool,
    protocol: Protocol,
    agree_labels: dict[int, str],
) -> dict[str, Answer]:
    """One officer's answers: the partnership's profile seen through that officer's eyes."""
    entry = profile.entry
    labels, answering = world.labels, world.words.answering
    snippets = world.words.snippets
    answers: dict[str, Answer] = {qid: None for qid in protocol.ids}
    answers["Q1"] = officer.name
    answers["Q2"] = officer.email
    answers["Q3"] = officer.job_title
    answers["Q4"] = labels.directorates[officer.directorate]
    answers["Q5"] = officer.service
    answers["Q6"] = habits.typed_name(
        rng, entry.name, is_lead, world.words.catalogue.place, world.aliases
    )
    answers["Q7"] = habits.typed_partners(rng, profile.partners)

    types = labels.types
    kind = types[entry.kind]
    if rng.random() < 0.08:
        kind = rng.choice(
            (types["STRAT"], types["OTHER"]) if entry.kind != "STRAT" else (types["STAT"],)
        )
    answers["Q8"] = kind
    legal = answering.incorporated if entry.incorporated else answering.unincorporated
    answers["Q9"] = answering.dont_know if rng.random() < 0.1 else legal

    law = labels.law[entry.law]
    roll = rng.random()
    if roll < 0.05:
        law = answering.dont_know
    elif roll < 0.1 and entry.law in ("S", "R"):
        law = labels.law["R" if entry.law == "S" else "S"]
    answers["Q10"] = law
    if law in {labels.law[code] for code in vocabulary.REQUIRES_BASIS}:
        short = entry.basis.split(",")[0]
        answers["Q11"] = entry.basis if is_lead or rng.random() < 0.7 else short

    role = labels.roles[entry.role]
    if rng.random() < 0.06:
        role = rng.choice([r for r in labels.roles.values() if r != role])
    answers["Q12"] = role

    for qid, truth in profile.governance.items():
        roll = rng.random()
        if roll < 0.06:
            answers[qid] = answering.dont_know
        elif roll < 0.1:
            answers[qid] = answering.no if truth == answering.yes else answering.yes
        else:
            answers[qid] = truth
    answers["Q15"] = "" if rng.random() < 0.08 else profile.reports_to

    if profile.last_review is None:
        answers["Q18"] = None
    else:
        roll = rng.random()
        if roll < 0.08:
            answers["Q18"] = None
        elif roll < 0.16:
            answers["Q18"] = habits.typed_date(rng, _months_before(profile.last_review, 1, rng))
        else:
            answers["Q18"] = habits.typed_date(rng, profile.last_review)
    answers["Q19"] = habits.shift(rng, profile.meets, labels.meetings, 0.1)

    # Q20-Q22 are the officer's own service's contribution; the lead service pays most.
    if is_lead:
        cash = profile.cash
        in_kind = profile.in_kind
        hours = profile.lead_hours
    else:
        cash = (
            0 if rng.random() < 0.6 else habits.nice_amount(rng, 250, max(1_000, profile.cash // 6))
        )
        in_kind = 0 if rng.random() < 0.5 else habits.nice_amount(rng, 250, 5_000)
        hours = rng.choice(answering.other_hours)
    answers["Q20"] = habits.typed_money_or_missing(rng, cash, {"N/A": 0.03, "-": 0.02, "": 0.03})
    answers["Q21"] = habits.typed_money_or_missing(rng, in_kind, {"N/A": 0.05, "-": 0.02, "": 0.08})
    answers["Q22"] = habits.typed_hours(rng, hours)
    external = profile.external
    if external and rng.random() < 0.3:
        external = habits.nice_amount(rng, int(external * 0.8), int(external * 1.2) + 1)
    answers["Q23"] = habits.typed_money_or_missing(
        rng, external, {"Don't know": 0.06, "": 0.07, "N/A": 0.03}
    )
    pooled = entry.kind == "POOL" or (entry.kind == "JOINT" and entry.cost >= 3)
    answers["Q24"] = answering.yes if pooled else answering.no
    accountable = entry.role == "ACC" or (entry.role == "LEAD" and entry.kind == "POOL")
    answers["Q25"] = answering.yes if accountable else answering.no
    for qid in ("Q24", "Q25"):
        if rng.random() < 0.06:
            answers[qid] = answering.dont_know

    priorities = [labels.priorities[code] for code in entry.priorities]
    if rng.random() < 0.2:
        if len(priorities) > 1 and rng.random() < 0.5:
            priorities.pop()
        else:
            extra = rng.choice(list(labels.priorities.values()))
            if extra not in priorities:
                priorities.append(extra)
    if rng.random() < 0.25:
        rng.shuffle(priorities)
    answers["Q26"] = "; ".join(priorities)

    answers["Q27"] = rng.choice(snippets.achievements) if rng.random() < 0.7 else ""
    answers["Q28"] = habits.shift(rng, profile.evidence, labels.evidence, 0.12)

    # Agreement: the partnership's level, the principle's offset, and the officer's own view.
    officer_view = rng.gauss(0, 0.25)
    if rng.random() < 0.05:
        officer_view -= 1.3  # the occasional officer who disagrees with the rest
    unsure = 0.5 if rng.random() < 0.03 else 0.03  # a new officer answers "Don't know" a lot
    levels = []
    for question in protocol.of_type("agree5"):
        offset = profile.principle_offsets.get(question.principle or "equality", 0.0)
        level = profile.quality + offset + officer_view
        levels.append(level)
        if rng.random() < unsure:
            answers[question.id] = answering.dont_know
            continue
        score = min(5, max(1, round(level + rng.gauss(0, 0.55))))
        answers[question.id] = habits.odd_case(rng, agree_labels[score])
    answers["Q41"] = (
        profile.equality_impact if rng.random() > 0.08 else rng.choice(labels.equality_impact)
    )
    answers["Q43"] = habits.shift(rng, profile.risk, labels.risks, 0.1)
    answers["Q44"] = rng.choice(snippets.risks) if rng.random() < 0.6 else ""

    view = sum(levels) / len(levels)
    if view >= 3.9:
        band = "agree"
    elif view >= 3.0:
        band = "mixed"
    elif entry.law == "D":
        band = "disagree_discretionary"
    else:
        band = "disagree_required"
    answers["Q45"] = habits.weighted(rng, answering.advice[band])
    answers["Q46"] = rng.choice(snippets.comments) if rng.random() < 0.2 else ""
    answers["Q47"] = _performance_framework(world, profile, officer)
    return {qid: None if value == "" else value for qid, value in answers.items()}


# --- Planting what validation must find ------------------------------------------------------


def _pick(rng: random.Random, drafts: list[_Draft], eligible: Callable[[_Draft], bool]) -> _Draft:
    """A return not yet touched by another plant, so each planted problem stands alone."""
    candidates = [d for d in drafts if not d.planted and eligible(d)]
    return rng.choice(candidates)


def _plant(rng: random.Random, world: _World, drafts: list[_Draft], year: int) -> None:
    """Put in the few values the pipeline must quarantine, warn about or neutralise."""
    defects = world.words.defects
    for qid, text in defects.unreadable:
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers[qid] = text
        draft.planted.append(f"parse_error:{qid}")
    for qid, text in defects.approximate:
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers[qid] = text
        draft.planted.append(f"approximate:{qid}")
    # Review dates typed a year ahead by mistake: UK or ISO text.
    for style in defects.future_review_dates:
        draft = _pick(rng, drafts, lambda d: d.profile.last_review is not None)
        review = draft.profile.last_review
        assert review is not None
        future = datetime.date(year + 1, review.month, review.day)
        draft.answers["Q18"] = future.strftime("%d/%m/%Y") if style == "uk" else future.isoformat()
        draft.planted.append("future_date:Q18")
    for qid, text in defects.off_option:
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers[qid] = text
        draft.planted.append(f"off_option:{qid}")
    statutory = world.labels.law["S"]
    for _ in range(defects.missing_basis):
        draft = _pick(
            rng, drafts, lambda d: bool(d.answers["Q10"] == statutory and d.answers["Q11"])
        )
        draft.answers["Q11"] = None
        draft.planted.append("missing_basis:Q11")
    for qid, text in defects.free_text:
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers[qid] = text
        draft.planted.append(f"free_text:{qid}")
    for _ in range(defects.bad_email):
        draft = _pick(rng, drafts, lambda d: True)
        draft.answers["Q2"] = str(draft.answers["Q2"]).replace("@", ".", 1)
        draft.planted.append("bad_email:Q2")


# --- When returns were submitted -------------------------------------------------------------


def _working_days(year: int) -> list[datetime.date]:
    first, last = datetime.date(year, 3, 1), datetime.date(year, 4, 30)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    return [day for day in days if day.weekday() < 5]


def _schedule(rng: random.Random, drafts: list[_Draft], year: int) -> None:
    """Officers fill in their returns in one to three sittings between 1 March and 30 April."""
    days = _working_days(year)
    # Later days weigh more: reminders go out as the deadline nears.
    weights = [1 + 2 * n / len(days) for n in range(len(days))]
    by_officer: dict[str, list[_Draft]] = {}
    for draft in drafts:
        by_officer.setdefault(draft.officer.email, []).append(draft)
    for own in by_officer.values():
        rng.shuffle(own)
        sittings = [own[i : i + 4] for i in range(0, len(own), 4)]
        for sitting in sittings:
            day = rng.choices(days, weights=weights)[0]
            clock = datetime.datetime.combine(day, datetime.time(8, 30)) + datetime.timedelta(
                minutes=rng.randint(0, 8 * 60), seconds=rng.randint(0, 59)
            )
            for draft in sitting:
                draft.started_at = clock + datetime.timedelta(seconds=rng.randint(20, 180))
                draft.submitted_at = draft.started_at + datetime.timedelta(
                    minutes=rng.randint(6, 28), seconds=rng.randint(0, 59)
                )
                clock = draft.submitted_at


def _duplicate(rng: random.Random, drafts: list[_Draft]) -> _Draft:
    """The officer pressed submit again a few minutes later: same answers, new response.

    The copy goes to a partnership with fewer than six returns, so that even counting the copy
    no partnership has more than six.
    """
    per_partnership: dict[str, int] = {}
    for draft in drafts:
        name = draft.profile.entry.name
        per_partnership[name] = per_partnership.get(name, 0) + 1
    original = _pick(rng, drafts, lambda d: per_partnership[d.profile.entry.name] < 6)
    assert original.started_at is not None and original.submitted_at is not None
    delay = datetime.timedelta(minutes=rng.randint(3, 9), seconds=rng.randint(0, 59))
    copy = _Draft(
        profile=original.profile,
        officer=original.officer,
        answers=dict(original.answers),
        is_lead=original.is_lead,
        planted=["duplicate"],
        started_at=original.submitted_at + datetime.timedelta(seconds=rng.randint(5, 40)),
        submitted_at=original.submitted_at + delay,
    )
    original.planted.append("duplicated")
    return copy


def generate_returns(
    year: int, protocol: Protocol, seed: int = 2025, aliases: dict[str, str] | None = None
) -> list[SampleReturn]:
    """Decide what every officer answered, deterministically, without any platform's layout.

    Pure: one ``random.Random(seed + year)`` drives everything, so the same arguments always
    give the same returns. Returns are numbered 1..N in submission order, as MS Forms does.
    ``aliases`` is the analyst's alias file (typed name -> partnership); None reads the
    repository's config/aliases.yaml.
    """
    words = vocabulary.load()
    world = _World(
        words=words,
        labels=resolve_labels(words, protocol),
        aliases=_planted_aliases(words, registry.load_aliases() if aliases is None else aliases),
    )
    rng = random.Random(seed + year)
    agree_labels = {score: label for label, score in protocol.agree5.items()}
    principles = sorted({q.principle for q in protocol.questions if q.principle}) + ["equality"]
    profiles = _build_profiles(rng, world, year, principles)
    officers = _build_officers(rng, world)
    counts = _officer_counts(rng, world, profiles)
    drafts = [
        _Draft(
            profile,
            officer,
            _answers(rng, world, profile, officer, n == 0, protocol, agree_labels),
            is_lead=n == 0,
        )
        for profile, count in zip(profiles, counts, strict=True)
        for n, officer in enumerate(_choose_officers(rng, world, profile, count, officers))
    ]
    for profile in profiles:  # every alias is typed at least once
        alias = world.aliases.get(profile.entry.name)
        typed = [d for d in drafts if d.profile is profile and not d.is_lead]
        if alias and typed and all(d.answers["Q6"] != alias for d in typed):
            typed[0].answers["Q6"] = alias
    _plant(rng, world, drafts, year)
    _schedule(rng, drafts, year)
    drafts.append(_duplicate(rng, drafts))
    drafts.sort(key=lambda d: (d.submitted_at, d.officer.email, d.profile.entry.name))
    returns = []
    for number, draft in enumerate(drafts, start=1):
        assert draft.started_at is not None and draft.submitted_at is not None
        returns.append(
            SampleReturn(
                response_id=number,
                answers=draft.answers,
                submitted_at=draft.submitted_at,
                started_at=draft.started_at,
                true_partnership=draft.profile.entry.name,
                respondent_name=draft.officer.name,
                respondent_email=draft.officer.email,
            )
        )
    logger.info(
        "Generated %d returns about %d partnerships from %d officers for %d (seed %d).",
        len(returns),
        len(profiles),
        sum(len(v) for v in officers.values()),
        year,
        seed,
    )
    return returns
