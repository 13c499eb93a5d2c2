"""All four config files, loaded strictly and checked against each other before any stage runs.

protocol.yaml (the questionnaire), toolkit.yaml (every scoring number), council.yaml (the
council) and aliases.yaml (the analyst's partnership aliases). A typo in any of them is one
line naming the file, the key path and the line, before the first notebook starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import council, paths, protocol, registry, toolkit
from pipeline.config import config_error, read_yaml_with_lines
from pipeline.council import Council
from pipeline.errors import PipelineError
from pipeline.protocol import Protocol
from pipeline.toolkit import Toolkit


@dataclass(frozen=True)
class Settings:
    """The configuration in force for a run."""

    protocol: Protocol
    toolkit: Toolkit
    council: Council
    aliases: registry.Decisions  # aliases (same) and different pairs


def _check_directorates(
    settings: Council, questionnaire: Protocol, root: Path | str | None
) -> None:
    """Response coverage counts officers by the directorate they chose: council.yaml must
    name the same directorates as the survey's question."""
    options = questionnaire.by_key("directorate").options
    path = paths.council_file(root)
    unknown = [name for name in settings.directorates if name not in options]
    missing = [name for name in options if name not in settings.directorates]
    if missing and not unknown:
        _, lines = read_yaml_with_lines(path)
        raise PipelineError(
            config_error(
                path,
                ("directorates",),
                f"gives no senior officers for '{missing[0]}', a directorate the survey "
                "offers: add it, or its returns would vanish from response coverage.",
                lines,
            )
        )
    if unknown:
        _, lines = read_yaml_with_lines(path)
        raise PipelineError(
            config_error(
                path,
                ("directorates", unknown[0]),
                f"'{unknown[0]}' is not an option of the directorate question in protocol.yaml "
                f"({', '.join(options)}).",
                lines,
            )
        )


ALL_PRIORITIES = "All"


def _check_corporate_priorities(
    settings: Council, questionnaire: Protocol, root: Path | str | None
) -> None:
    """The committee block's corporate priorities are the Council Plan's, as the survey's
    priorities question words them (or "All"): a misspelt one is one line, not a paper
    that names a priority the council does not have."""
    options = questionnaire.by_key("priorities").options
    given = settings.committee.corporate_priorities
    for index, priority in enumerate(given):
        if priority in options or (priority == ALL_PRIORITIES and len(given) == 1):
            continue
        path = paths.council_file(root)
        _, lines = read_yaml_with_lines(path)
        raise PipelineError(
            config_error(
                path,
                ("committee", "corporate_priorities", index),
                f"'{priority}' is not an option of the priorities question in protocol.yaml "
                f"({', '.join(options)}), nor '{ALL_PRIORITIES}' on its own.",
                lines,
            )
        )


def load(root: Path | str | None = None) -> Settings:
    """Load and cross-check every config file; the first problem stops the run in one line."""
    questionnaire = protocol.load(root)
    kit = toolkit.load(root, questionnaire)
    settings = council.load(root)
    _check_directorates(settings, questionnaire, root)
    _check_corporate_priorities(settings, questionnaire, root)
    return Settings(questionnaire, kit, settings, registry.load_decisions(root, kit, settings))


def survey_year(year: int | None, config: Settings) -> int:
    """The year a notebook runs for: its parameter, else council.yaml's default year."""
    return config.council.default_year if year is None else year
