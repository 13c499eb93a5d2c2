"""The sample's years: the base year drawn, the year before derived, written under data/raw/."""

from __future__ import annotations

import datetime
import logging
import random
import shutil
from dataclasses import replace
from pathlib import Path

from pipeline import paths, registry
from pipeline import protocol as protocol_module
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.sample import vocabulary
from pipeline.sample.generator import generate_returns
from pipeline.sample.layouts import export_name, write_export
from pipeline.sample.returns import Answer, SampleReturn

logger = logging.getLogger(__name__)

SAMPLE_YEARS = (2023, 2024, 2025)
"""Survey years whose sample is committed under data/raw/ (what `make sample` writes)."""


def copy_sample_root(root: Path) -> Path:
    """A root to run the pipeline in: a copy of config/ and of every sample year's exports
    as the repository has them (tests and benchmarks run there, never in the repository)."""
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    for year in SAMPLE_YEARS:
        shutil.copytree(paths.raw_dir(year), paths.raw_dir(year, root))
    return root


# The year the generator draws; each earlier year is derived from the year after it, so all
# years hold the same partnerships (a few new, a few ended, some changed: catalogue.yaml's
# previous_year and year_before_previous) and IDs can carry over.
BASE_YEAR = 2025

# The platform each committed year was downloaded from (survey-exports.md): the council ran
# 2023's survey on Qualtrics before moving to Microsoft Forms, so the sample exercises a
# second platform's layout on every `make report`. A year not listed: Microsoft Forms.
SAMPLE_LAYOUTS: dict[int, tuple[str, ...]] = {2023: ("qualtrics_csv",)}


def _year_before(day: datetime.date) -> datetime.date:
    """The same day a year earlier (29 February becomes the 28th)."""
    leap_day = (day.month, day.day) == (2, 29)
    return day.replace(year=day.year - 1, day=28 if leap_day else day.day)


def _typed_date_year_before(typed: Answer) -> Answer:
    """The same review date a year earlier, typed the way it was typed."""
    if isinstance(typed, datetime.datetime):
        return typed.replace(year=typed.year - 1)
    if isinstance(typed, datetime.date):
        return _year_before(typed)
    if isinstance(typed, str):
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                day = datetime.datetime.strptime(typed.strip(), pattern).date()
            except ValueError:
                continue
            return _year_before(day).strftime(pattern)
    return typed


def _agree_one_step_up(typed: Answer, protocol: Protocol, step: int = 1) -> Answer:
    scores = {label.casefold(): score for label, score in protocol.agree5.items()}
    labels = {score: label for label, score in protocol.agree5.items()}
    if not isinstance(typed, str) or typed.strip().casefold() not in scores:
        return typed
    return labels[min(max(labels), max(min(labels), scores[typed.strip().casefold()] + step))]


def _cash_lower(typed: Answer, factor: float = 0.6) -> Answer:
    digits = typed.replace("£", "").replace(",", "").strip() if isinstance(typed, str) else ""
    if not digits.isdigit() or int(digits) == 0:
        return typed
    return f"£{round(int(digits) * factor, -2):,.0f}"


def _drift(
    names: list[str], changed: list[str], changes: vocabulary.PreviousYear, draw: random.Random
) -> tuple[dict[str, float], dict[str, int]]:
    """The year's small drift among the partnerships not otherwise changed: a cash factor
    for ``cost_drift`` of them, and a step (one up or down on every agreement statement) for
    ``score_drift`` of them. Drawn from its own generator, so a year without drift is
    derived exactly as before."""
    rest = [name for name in names if name not in set(changed)]
    costs = draw.sample(rest, min(changes.cost_drift, len(rest)))
    factors = {name: draw.choice((0.85, 0.9, 0.95, 1.05, 1.1)) for name in costs}
    scores = draw.sample(rest, min(changes.score_drift, len(rest)))
    return factors, {name: draw.choice((-1, 1)) for name in scores}


def _changes(year: int) -> vocabulary.PreviousYear:
    """How the derived ``year`` differs from the year after it (catalogue.yaml)."""
    catalogue = vocabulary.load().catalogue
    by_year = {
        BASE_YEAR - 1: catalogue.previous_year,
        BASE_YEAR - 2: catalogue.year_before_previous,
    }
    if year not in by_year:
        raise PipelineError(
            f"The sample generator derives {', '.join(map(str, sorted(by_year)))} only, not {year}."
        )
    return by_year[year]


def previous_year_returns(
    current: list[SampleReturn], protocol: Protocol, seed: int = 2025, year: int = BASE_YEAR - 1
) -> list[SampleReturn]:
    """The year before's returns, derived from this year's so that the two years match.

    ``year`` is the year derived (``current`` holds the year after it). A few of this year's
    partnerships are new (absent the year before), two that ran the year before have ended
    (their officers' returns are kept, under their own names), some scored better the year
    before and some cost less; others drift a little (catalogue.yaml cost_drift and
    score_drift). Times and review dates move back a year.
    """
    changes = _changes(year)
    ended = changes.ended
    rng = random.Random(seed * 31 + year)
    names = sorted({r.true_partnership for r in current})
    chosen = rng.sample(names, changes.new + len(ended) + changes.declined + changes.cost_rose)
    new = set(chosen[: changes.new])
    templates = dict(zip(chosen[changes.new : changes.new + len(ended)], ended, strict=True))
    declined = set(chosen[changes.new + len(ended) :][: changes.declined])
    cost_rose = set(chosen[-changes.cost_rose :])
    agree5 = [q.id for q in protocol.of_type("agree5")]
    factors, steps = _drift(names, chosen, changes, random.Random(f"drift {seed} {year}"))
    drafts: list[tuple[SampleReturn, dict[str, Answer], str]] = []
    for item in current:
        truth = item.true_partnership
        variants = [(truth, dict(item.answers))]
        if truth in templates:  # the ended partnership's officer also reported this one
            variants.append((templates[truth], {**item.answers, "Q6": templates[truth]}))
        for name, answers in variants:
            if name in new:
                continue
            answers["Q18"] = _typed_date_year_before(answers.get("Q18"))
            if name in declined:
                answers.update({q: _agree_one_step_up(answers.get(q), protocol) for q in agree5})
            if name in cost_rose:
                answers["Q20"] = _cash_lower(answers.get("Q20"))
            if name in factors:
                answers["Q20"] = _cash_lower(answers.get("Q20"), factors[name])
            if name in steps:
                answers.update(
                    {q: _agree_one_step_up(answers.get(q), protocol, steps[name]) for q in agree5}
                )
            drafts.append((item, answers, name))
    earlier = []
    ordered = sorted(drafts, key=lambda d: (d[0].submitted_at, d[2]))
    for number, (item, answers, name) in enumerate(ordered, start=1):
        earlier.append(
            replace(
                item,
                response_id=number,
                answers=answers,
                submitted_at=item.submitted_at.replace(year=item.submitted_at.year - 1),
                started_at=item.started_at.replace(year=item.started_at.year - 1),
                true_partnership=name,
            )
        )
    return earlier


def sample_returns(
    year: int, protocol: Protocol, seed: int = 2025, aliases: dict[str, str] | None = None
) -> list[SampleReturn]:
    """The sample's returns for a year: the base year drawn, the year before derived from it.

    ``aliases`` as for :func:`generate_returns` (None: the repository's config/aliases.yaml).
    """
    if not BASE_YEAR - 2 <= year < BASE_YEAR:
        return generate_returns(year, protocol, seed, aliases)
    after = sample_returns(year + 1, protocol, seed, aliases)
    return previous_year_returns(after, protocol, seed, year)


def write_sample(
    year: int,
    root: Path | None = None,
    seed: int = 2025,
    layouts: tuple[str, ...] | None = None,
) -> list[Path]:
    """Write the year's sample exports under data/raw/<year>/, one file per layout.

    The committed sample is one download per year (None: the year's ``SAMPLE_LAYOUTS``, else
    the Microsoft Forms download); tests ask for more layouts, each the same returns. The
    protocol is read from ``root``'s config, so a test can generate into ``tmp_path``; so
    are the aliases officers type. The vocabulary always comes
    from the repository's data/synthetic/. Regenerating gives byte-identical files.
    """
    if layouts is None:
        layouts = SAMPLE_LAYOUTS.get(year, ("msforms_xlsx",))
    names = [export_name(year, layout) for layout in layouts]  # unknown layouts fail first
    protocol = protocol_module.load(root)
    returns = sample_returns(year, protocol, seed, registry.load_aliases(root))
    written = []
    for layout, name in zip(layouts, names, strict=True):
        path = write_export(returns, protocol, paths.raw_dir(year, root) / name, year, layout)
        written.append(path)
        logger.info("Wrote %s (%d returns).", path, len(returns))
    return written
