"""Command line: `run` the whole pipeline, `verify` a year's outputs from its manifest,
`ingest` exports, regenerate the `sample`, write the `questionnaire`, the `framework`
documents (outputs/framework/), `assess` one partnership from its form, judge a proposed
partnership (`propose`), the `toolkit-doc`
(docs/toolkit.md), the `pictures` of the report (docs/images/), rebuild the monitoring
`database` and `browse` it with Datasette.

A PipelineError (the user's to fix) is printed as one line without a traceback, exit 1; a
command line that cannot be read is one line too, exit 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from pipeline.errors import PipelineError

logger = logging.getLogger("pipeline")


class _OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors in one line (no usage block above them)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def _date(text: str) -> dt.date:
    """An --as-of value: a date written year-month-day."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: give one such as 2025-03-31"
        ) from None


def _year(text: str) -> int:
    """A --year value: a whole number (whether it is a survey year is checked by the run)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year: give one such as 2025") from None


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="python -m pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the four stage notebooks and export the report")
    run.add_argument("--year", type=_year, help="survey year (default: config/council.yaml)")
    run.add_argument("--root", type=Path, help="folder holding config/, data/, outputs/")
    run.add_argument(
        "--data-only",
        action="store_true",
        help="stop after the evaluation (registry, evaluation, their notebooks and the "
        "database; no report): for reruns while correcting aliases and config. The year "
        "is replaced whole: a report it had is removed (`make report` writes it again)",
    )

    verify = commands.add_parser(
        "verify", help="re-run a year from its manifest's inputs and compare every output"
    )
    verify.add_argument(
        "manifest", type=Path, nargs="?", help="outputs/<year>/manifest.json (or --year)"
    )
    verify.add_argument("--year", type=_year, help="the year's manifest (default: council.yaml)")
    verify.add_argument("--root", type=Path, help="folder holding config/, data/, outputs/")

    ingest = commands.add_parser("ingest", help="read survey exports into one returns.csv")
    ingest.add_argument("--year", type=_year, required=True)
    ingest.add_argument("--out", type=Path, required=True, help="folder for returns.csv")
    ingest.add_argument("--root", type=Path, help="folder holding config/")
    ingest.add_argument("files", type=Path, nargs="+", help="export files (CSV or XLSX)")

    commands.add_parser(
        "questionnaire", help="write docs/questionnaire.md from config/protocol.yaml"
    )

    framework = commands.add_parser(
        "framework",
        help="write outputs/framework/ (questionnaire, survey import, agreement, checklists, "
        "assessment forms) from the config as it is now",
    )
    framework.add_argument(
        "--year",
        type=_year,
        help="pre-fill agreements from this year's run (default: council.yaml)",
    )
    framework.add_argument("--root", type=Path, help="folder holding config/, data/, outputs/")

    propose = commands.add_parser(
        "propose",
        help="judge a proposed partnership from its filled-in new_partnership_form "
        "(criteria met, verdict, model); writes nothing",
    )
    propose.add_argument("file", type=Path, help="the form: .docx, or a one-row .csv/.xlsx")
    propose.add_argument("--root", type=Path, help="folder holding config/")

    assess = commands.add_parser(
        "assess", help="score one partnership from a filled-in value-for-money assessment form"
    )
    assess.add_argument(
        "file", type=Path, help="the filled-in form (.docx, or .xlsx/.csv: one row)"
    )
    assess.add_argument("--year", type=_year, help="compare with this year's evaluation")
    assess.add_argument("--root", type=Path, help="folder holding config/, data/, outputs/")
    assess.add_argument(
        "--as-of", type=_date, help="judge review dates at this date (default: the closing date)"
    )

    commands.add_parser(
        "toolkit-doc", help="write docs/toolkit.md (the method) from config/toolkit.yaml"
    )

    pictures = commands.add_parser(
        "pictures", help="write docs/images/ (pictures of the report's HTML and PDF)"
    )
    pictures.add_argument("--year", type=_year, help="the report's year (default: council.yaml)")
    pictures.add_argument("--root", type=Path, help="folder holding config/, outputs/, docs/")

    database = commands.add_parser(
        "database", help="rebuild data/processed/partnerships.sqlite from every year run"
    )
    database.add_argument("--root", type=Path, help="folder holding config/, data/, outputs/")

    browse = commands.add_parser(
        "browse", help="browse the database with Datasette on 127.0.0.1 (read-only)"
    )
    browse.add_argument("--root", type=Path, help="folder holding config/, data/, outputs/")
    browse.add_argument("--port", type=int, default=8001, help="port (default 8001)")

    sample = commands.add_parser("sample", help="regenerate the embedded sample exports")
    sample.add_argument("--year", type=_year, action="append", help="year(s) to write")
    sample.add_argument("--root", type=Path)
    return parser


def _run(args: argparse.Namespace) -> None:
    from pipeline import run

    result = run.run_pipeline(year=args.year, root=args.root, data_only=args.data_only)
    if result.data_only:
        print(f"Manifest:    {result.manifest}")
        return
    print(f"HTML report: {result.html}")
    print(f"PDF report:  {result.pdf}")


def _column_name(number: int) -> str:
    """A 1-based column number with its spreadsheet letter: "50 (AX)"."""
    from pipeline.ingest.layouts import column_letter

    return f"{number} ({column_letter(int(number) - 1)})"


def _verify(args: argparse.Namespace) -> int:
    from pipeline import verify

    manifest = args.manifest or verify.manifest_of(args.year, args.root)
    verdict = verify.verify(manifest)
    for line in verdict.lines:
        print(line)
    return 0 if verdict.identical else 1


def _ingest(args: argparse.Namespace) -> None:
    from pipeline import council, ingest, protocol, tables

    questionnaire = protocol.load(args.root)
    limit = council.load(args.root).max_export_megabytes
    ingested = ingest.ingest_exports(args.files, questionnaire, args.year, limit)
    tables.check_contract("returns", ingested.returns, questionnaire)  # the same table as a run's
    out = tables.write_csv(ingested.returns, args.out / "returns.csv")
    for item in ingested.files.itertuples():
        print(f"{item.source_file}: {item.rows_read} rows read ({item.layout}, {item.encoding})")
    for note in ingested.notes.to_dict(orient="records"):  # every cell changed on reading
        where = f"row {note['source_row']}, column {_column_name(note['column'])}"
        print(f"{note['source_file']}: {where}: {note['note']}")
    for unread in ingest.unmapped_columns(ingested.column_map).to_dict(orient="records"):
        header = unread["header"]
        named = header if header == ingest.UNHEADED else repr(header)
        print(
            f"{unread['source_file']}: column {_column_name(unread['column'])} {named} maps to "
            f"no question ({unread['values']} value(s), not read)"
        )
    print(f"{len(ingested.returns)} returns written to {out}")


def _sample(args: argparse.Namespace) -> None:
    from pipeline import sample

    for year in args.year or sample.SAMPLE_YEARS:
        for path in sample.write_sample(year, args.root):
            print(path)


def _questionnaire(args: argparse.Namespace) -> None:
    from pipeline import protocol, questionnaire, toolkit

    text = questionnaire.render_questionnaire(protocol.load(), toolkit.load())
    print(questionnaire.write_questionnaire(text))


def _framework(args: argparse.Namespace) -> None:
    from pipeline import framework

    for path in framework.publish_framework(args.root, args.year):
        print(f"{path} ({path.stat().st_size:,} bytes)")


def _propose(args: argparse.Namespace) -> None:
    from pipeline.framework import proposal

    for line in proposal.propose(args.file, args.root):
        print(line)


def _assess(args: argparse.Namespace) -> None:
    from pipeline import framework
    from pipeline.framework import assessment

    sources = framework.Sources.load(args.root, args.year)
    judged = assessment.assess(args.file, sources, args.as_of, today=dt.date.today())
    print(assessment.render(judged, sources), end="")


def _toolkit_doc(args: argparse.Namespace) -> None:
    from pipeline import protocol, toolkit
    from pipeline.toolkit import explain

    questionnaire = protocol.load()
    text = explain.render_markdown(toolkit.load(protocol=questionnaire), questionnaire)
    print(explain.write_toolkit_doc(text))


def _pictures(args: argparse.Namespace) -> None:
    from pipeline import pictures

    for path in pictures.write_pictures(args.year, args.root):
        print(path)


def _database(args: argparse.Namespace) -> None:
    from pipeline import database, paths, staging

    # The run lock, as a run takes it: a rebuild never reads a year half swapped in.
    root = paths.resolve_root(args.root)
    with staging.locked(root):
        staging.recover(root)
        counts = database.write_database(root)
    print(database.counts_line(counts))
    print(paths.database_file(args.root))


def _browse(args: argparse.Namespace) -> None:
    from pipeline import browse

    browse.serve(args.root, args.port)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run it, and turn a PipelineError into one line and exit 1."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    for noisy in ("great_expectations", "papermill", "traitlets", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        commands: dict[str, Callable[[argparse.Namespace], int | None]] = {
            "run": _run,
            "verify": _verify,
            "ingest": _ingest,
            "sample": _sample,
            "questionnaire": _questionnaire,
            "framework": _framework,
            "propose": _propose,
            "assess": _assess,
            "toolkit-doc": _toolkit_doc,
            "pictures": _pictures,
            "database": _database,
            "browse": _browse,
        }
        status = commands[args.command](args)
    except PipelineError as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)  # always one line
        return 1
    return status or 0
