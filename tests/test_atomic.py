"""Atomic runs (decision D20): a year is built in staging and swapped in whole, or not at all.

No notebook runs here: the stages are replaced by functions that write into the staging root
as the real ones do (the end-to-end tests kill and fail real runs).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import year_files

from pipeline import lineage, paths, provenance, run, staging
from pipeline.errors import PipelineError

YEAR = 2025


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _publish_old_year(root: Path, year: int = YEAR) -> None:
    """A year as an earlier run left it: processed tables, a report, notebooks, a manifest."""
    _write(paths.processed_dir(year, root) / "returns.csv", "old returns\n")
    _write(paths.processed_dir(year, root) / "registry.csv", "old registry\n")
    _write(paths.report_html(year, root), "<p>old report</p>\n")
    _write(paths.executed_notebook("01_ingest", year, root), "{}\n")
    _write(paths.manifest_file(year, root), "{}\n")


def _stage_files(staged: Path, text: str, year: int = YEAR) -> None:
    """What a stage and the exports write, into a staging root."""
    _write(paths.processed_dir(year, staged) / "returns.csv", f"{text} returns\n")
    _write(paths.report_html(year, staged), f"<p>{text} report</p>\n")


def _leftovers(root: Path) -> list[str]:
    folder = paths.staging_dir(root)
    return sorted(p.name for p in folder.iterdir() if p.name != "lock") if folder.exists() else []


@dataclass(frozen=True)
class Published:
    root: Path
    exports: list[Path]


@pytest.fixture
def published(project_root) -> Published:
    """A root (config/ copied) with an export for 2025 and 2025 already published by an
    earlier run. The stages are replaced here, so the export's content is never read."""
    export = _write(paths.raw_dir(YEAR, project_root) / "export.csv", "Partnership name\nA\n")
    _publish_old_year(project_root)
    return Published(project_root, [export])


def _fake_stages(fail_at: str | None):
    """Stand-ins for run.execute_stage: each writes into the staging root; one may fail."""
    ran: list[str] = []

    def execute_stage(stage, year, staged, kernel, council_name, *, root, failed_root=None):
        ran.append(stage)
        _write(paths.processed_dir(year, staged) / f"{stage}.csv", f"{stage}\n")
        _write(paths.executed_notebook(stage, year, staged), "{}\n")
        if stage == fail_at:
            raise PipelineError(f"{stage} could not go on")
        return 0.0

    return execute_stage, ran


def test_a_stage_failing_part_way_leaves_every_byte_of_the_year_as_it_was(published, monkeypatch):
    root = published.root
    before = year_files(root, YEAR)
    execute_stage, ran = _fake_stages(fail_at="03_evaluate")
    monkeypatch.setattr(run, "execute_stage", execute_stage)
    monkeypatch.setattr(run, "ensure_kernel", lambda: "partnerships")

    with pytest.raises(PipelineError, match="03_evaluate could not go on"):
        run.run_pipeline(YEAR, root)

    assert ran == ["01_ingest", "02_validate", "03_evaluate"]
    assert year_files(root, YEAR) == before
    failed = paths.staged_root(staging.FAILED, YEAR, root)
    assert (paths.processed_dir(YEAR, failed) / "02_validate.csv").is_file()  # kept to read
    assert _leftovers(root) == [failed.name]


def test_a_failure_in_the_exports_leaves_the_year_as_it_was(published, monkeypatch):
    from pipeline.report import export

    root = published.root
    before = year_files(root, YEAR)
    execute_stage, _ = _fake_stages(fail_at=None)
    monkeypatch.setattr(run, "execute_stage", execute_stage)
    monkeypatch.setattr(run, "ensure_kernel", lambda: "partnerships")

    def no_html(*args, **kwargs):
        raise PipelineError("the report could not be exported")

    monkeypatch.setattr(export, "export_html", no_html)

    with pytest.raises(PipelineError, match="could not be exported"):
        run.run_pipeline(YEAR, root)

    assert year_files(root, YEAR) == before


def _fake_exports(monkeypatch, pdf_error: str | None = None) -> None:
    """Stand-ins for the export functions (the report's PDF is rendered in a child process,
    which inherits them) and a database rebuild that does nothing (no real tables here)."""
    from pipeline import executed
    from pipeline.report import export

    def export_html(executed_notebook, html_path, *, title):
        return _write(html_path, f"<h1>{title}</h1>\n")

    def export_pdf(html_path, pdf_path, *, published_as=None):
        if pdf_error:
            raise PipelineError(pdf_error)
        return _write(pdf_path, "%PDF from " + html_path.read_text(encoding="utf-8"))

    def write_documents(year, staged, council_name):
        _write(paths.open_data_dir(year, staged) / "registry.csv", "open\n")
        return {"open_data": 0.0}

    monkeypatch.setattr(export, "export_html", export_html)
    monkeypatch.setattr(export, "export_pdf", export_pdf)
    monkeypatch.setattr(executed, "export_html", lambda nb, page: _write(page, "page\n"))
    monkeypatch.setattr(run, "write_documents", write_documents)
    monkeypatch.setattr(run, "update_database", lambda year, root: None)


def test_the_pdf_and_documents_written_in_child_processes_are_published(published, monkeypatch):
    execute_stage, ran = _fake_stages(fail_at=None)
    monkeypatch.setattr(run, "execute_stage", execute_stage)
    monkeypatch.setattr(run, "ensure_kernel", lambda: "partnerships")
    _fake_exports(monkeypatch)

    result = run.run_pipeline(YEAR, published.root)

    assert ran == list(paths.STAGES) and not result.data_only
    assert result.pdf.read_text(encoding="utf-8").startswith("%PDF from <h1>")
    assert (paths.open_data_dir(YEAR, published.root) / "registry.csv").is_file()
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["data_only"] is False and "built_for" not in manifest
    assert {"report_html", "report_pdf", "open_data", "04_annual_report_html"} == set(
        manifest["export_seconds"]
    )
    assert set(manifest["seconds"]) == {*paths.STAGES, "export"}
    assert _leftovers(published.root) == []


def test_a_weasyprint_error_in_the_pdf_process_fails_the_run_and_writes_nothing(
    published, monkeypatch
):
    root = published.root
    before = year_files(root, YEAR)
    execute_stage, _ = _fake_stages(fail_at=None)
    monkeypatch.setattr(run, "execute_stage", execute_stage)
    monkeypatch.setattr(run, "ensure_kernel", lambda: "partnerships")
    _fake_exports(monkeypatch, pdf_error="WeasyPrint reported 1 error(s) rendering")

    with pytest.raises(PipelineError, match="WeasyPrint reported 1 error"):
        run.run_pipeline(YEAR, root)

    assert year_files(root, YEAR) == before
    failed = paths.staged_root(staging.FAILED, YEAR, root)
    assert _leftovers(root) == [failed.name]


def test_a_data_only_run_stops_after_the_evaluation_and_says_so(published, monkeypatch, caplog):
    root = published.root
    execute_stage, ran = _fake_stages(fail_at=None)
    monkeypatch.setattr(run, "execute_stage", execute_stage)
    monkeypatch.setattr(run, "ensure_kernel", lambda: "partnerships")
    _fake_exports(monkeypatch, pdf_error="no PDF for a data-only year")
    caplog.set_level("INFO", logger="pipeline.run")

    result = run.run_pipeline(YEAR, root, data_only=True)

    assert ran == ["01_ingest", "02_validate", "03_evaluate"]
    assert result.data_only and result.html is None and result.pdf is None  # none written
    assert (
        f"{paths.report_html(YEAR, root)} will be removed: a data-only run replaces {YEAR} "
        f"whole, its report too (`make report YEAR={YEAR}` writes it again)" in caplog.messages
    )
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["data_only"] is True and "its data only" in manifest["built_for"]
    assert set(manifest["seconds"]) == {"01_ingest", "02_validate", "03_evaluate"}
    written = sorted(year_files(root, YEAR))
    assert written == sorted(
        [
            *(f"data/processed/{YEAR}/{stage}.csv" for stage in run.DATA_STAGES),
            *(f"outputs/{YEAR}/notebooks/{stage}.ipynb" for stage in run.DATA_STAGES),
            f"outputs/{YEAR}/manifest.json",
        ]
    )  # the old report is gone with the old year: the published year is one run's
    assert [r["file"] for r in manifest["outputs"]] == [w for w in written if "manifest" not in w]
    assert (
        f"{YEAR} built for its registry and evaluation only; `make report YEAR={YEAR}` "
        "writes its report" in caplog.messages
    )


def test_a_failed_documents_process_stops_the_run_before_the_report_is_exported(
    published, monkeypatch
):
    import multiprocessing

    from pipeline.report import export

    root = published.root
    before = year_files(root, YEAR)
    execute_stage, _ = _fake_stages(fail_at=None)

    def report_stage_outlasting_the_documents(stage, year, staged, *args, **kwargs):
        deadline = time.monotonic() + 30
        while stage == paths.STAGES[-1] and multiprocessing.active_children():
            assert time.monotonic() < deadline
            time.sleep(0.05)  # the documents process has ended when the stage ends
        return execute_stage(stage, year, staged, *args, **kwargs)

    monkeypatch.setattr(run, "execute_stage", report_stage_outlasting_the_documents)
    monkeypatch.setattr(run, "ensure_kernel", lambda: "partnerships")
    _fake_exports(monkeypatch)
    exported: list[Path] = []
    monkeypatch.setattr(
        export, "export_html", lambda nb, html, *, title: exported.append(_write(html, "x"))
    )

    def documents_fail(year, staged, council_name):
        raise PipelineError("the workbook could not be written")

    monkeypatch.setattr(run, "write_documents", documents_fail)

    with pytest.raises(PipelineError, match="the workbook could not be written"):
        run.run_pipeline(YEAR, root)

    assert exported == []  # stopped before the report's HTML and PDF
    assert year_files(root, YEAR) == before


def test_an_earlier_year_without_a_registry_is_built_for_its_data_only(published, monkeypatch):
    root = published.root
    _write(paths.raw_dir(YEAR - 1, root) / "export.csv", "Partnership name\nA\n")
    execute_stage, ran = _fake_stages(fail_at=None)
    monkeypatch.setattr(run, "execute_stage", execute_stage)
    monkeypatch.setattr(run, "ensure_kernel", lambda: "partnerships")
    _fake_exports(monkeypatch)

    run.run_pipeline(YEAR, root)

    assert ran == [*run.DATA_STAGES, *paths.STAGES]
    earlier = json.loads(paths.manifest_file(YEAR - 1, root).read_text(encoding="utf-8"))
    assert earlier["data_only"] is True
    assert not paths.report_html(YEAR - 1, root).exists()
    assert not paths.open_data_dir(YEAR - 1, root).exists()
    assert paths.report_pdf(YEAR, root).is_file()


def test_commit_swaps_the_staged_year_in_and_leaves_nothing_behind(published):
    root = published.root
    staged = staging.prepare(staging.RUN, YEAR, root)
    _stage_files(staged, "new")
    _write(paths.staged_root(staging.FAILED, YEAR, root) / "old failure.txt", "x")

    staging.commit(YEAR, staged, root)

    assert year_files(root, YEAR) == {
        f"data/processed/{YEAR}/returns.csv": hashlib.sha256(b"new returns\n").hexdigest(),
        f"outputs/{YEAR}/annual_report.html": hashlib.sha256(b"<p>new report</p>\n").hexdigest(),
    }
    assert _leftovers(root) == []


# The four renames of a swap, in order; a kill can come after any number of them.
_RENAMES = 4


@pytest.mark.parametrize("done", range(_RENAMES + 1))
def test_a_swap_cut_short_is_finished_at_the_next_start(published, done):
    root = published.root
    staged = staging.prepare(staging.RUN, YEAR, root)
    _stage_files(staged, "new")
    planned = staging.swaps(YEAR, staged, root)
    staging._write_journal(root, YEAR, staged, planned)
    renames = [step for s in planned for step in ((s.final, s.aside), (s.staged, s.final))]
    for source, target in renames[:done]:
        target.parent.mkdir(parents=True, exist_ok=True)
        source.rename(target)

    staging.recover(root)

    assert (paths.processed_dir(YEAR, root) / "returns.csv").read_text() == "new returns\n"
    assert paths.report_html(YEAR, root).read_text() == "<p>new report</p>\n"
    assert not paths.manifest_file(YEAR, root).exists()  # the old year is gone whole
    assert _leftovers(root) == []


def test_a_run_killed_before_its_swap_leaves_the_year_and_its_staging_is_removed(published):
    root = published.root
    before = year_files(root, YEAR)
    staged = staging.prepare(staging.RUN, YEAR, root)
    _stage_files(staged, "half")  # then the process was killed: no journal, no swap

    staging.recover(root)

    assert year_files(root, YEAR) == before
    assert _leftovers(root) == []


def test_a_second_run_of_the_same_root_gets_one_clear_line(published):
    with staging.locked(published.root):
        with pytest.raises(PipelineError, match=r"another run is using .*: wait for it"):
            run.run_pipeline(YEAR, published.root)


def test_the_lock_is_free_again_after_a_run_fails(published, monkeypatch):
    execute_stage, _ = _fake_stages(fail_at="01_ingest")
    monkeypatch.setattr(run, "execute_stage", execute_stage)
    monkeypatch.setattr(run, "ensure_kernel", lambda: "partnerships")
    with pytest.raises(PipelineError, match="01_ingest could not go on"):
        run.run_pipeline(YEAR, published.root)

    with staging.locked(published.root):
        pass  # no error: the failed run let go


def test_staging_root_reads_a_config_snapshot_raw_exports_and_earlier_years(published):
    root = published.root
    for year in (2023, 2024, 2026):
        _write(paths.processed_dir(year, root) / "registry.csv", f"{year}\n")

    staged = staging.prepare(staging.RUN, YEAR, root)
    paths.toolkit_file(root).write_text("changed after the run started", encoding="utf-8")

    assert not paths.config_dir(staged).is_symlink()
    assert paths.toolkit_file(staged).read_text(encoding="utf-8") != "changed after the run started"
    assert paths.raw_exports(YEAR, staged) == [
        paths.raw_dir(YEAR, staged) / p.name for p in paths.raw_exports(YEAR, root)
    ]
    assert lineage.earlier_years(YEAR, staged) == [2023, 2024]  # a later year is not read
    assert (paths.processed_dir(2024, staged) / "registry.csv").read_text() == "2024\n"
    assert list(paths.processed_dir(YEAR, staged).iterdir()) == []
    assert list(paths.outputs_dir(YEAR, staged).iterdir()) == []


def test_manifest_inputs_name_exports_config_and_the_earlier_files_a_run_reads(published):
    root = published.root
    for name in ("registry.csv", "id_history.csv", "evaluation.csv", "returns.csv"):
        _write(paths.processed_dir(2024, root) / name, "x\n")
    _write(paths.processed_dir(2023, root) / "registry.csv", "x\n")
    _write(paths.processed_dir(2023, root) / "evaluation.csv", "x\n")  # not last year's

    inputs = provenance.run_inputs(YEAR, root)

    assert [r["file"] for r in inputs] == [
        *(f"data/raw/{YEAR}/{p.name}" for p in published.exports),
        "config/protocol.yaml",
        "config/toolkit.yaml",
        "config/council.yaml",
        "config/aliases.yaml",
        "data/processed/2023/registry.csv",
        "data/processed/2024/evaluation.csv",
        "data/processed/2024/id_history.csv",
        "data/processed/2024/registry.csv",
    ]
    toolkit = next(r for r in inputs if r["file"] == "config/toolkit.yaml")
    assert toolkit["sha256"] == provenance.sha256(paths.toolkit_file(root))


def test_changed_inputs_names_each_changed_removed_and_added_file():
    recorded = [{"file": "a", "sha256": "1" * 64}, {"file": "b", "sha256": "2" * 64}]
    current = [{"file": "b", "sha256": "3" * 64}, {"file": "c", "sha256": "4" * 64}]

    changes = provenance.changed_inputs(recorded, current)

    assert changes == [
        "a was removed",
        "b changed (SHA-256 222222222222… is now 333333333333…)",
        "c was added",
    ]


def test_manifest_outputs_are_every_file_of_the_year_but_the_manifest(published):
    files = provenance.output_files(YEAR, published.root)

    assert [f.relative_to(published.root).as_posix() for f in files] == [
        f"data/processed/{YEAR}/registry.csv",
        f"data/processed/{YEAR}/returns.csv",
        f"outputs/{YEAR}/annual_report.html",
        f"outputs/{YEAR}/notebooks/01_ingest.ipynb",
    ]


def test_journal_is_written_whole_before_any_rename(published):
    root = published.root
    staged = staging.prepare(staging.RUN, YEAR, root)
    planned = staging.swaps(YEAR, staged, root)

    staging._write_journal(root, YEAR, staged, planned)

    record = json.loads(paths.swap_journal(root).read_text(encoding="utf-8"))
    assert record["staged"] == staged.relative_to(root).as_posix()
    assert [s["final"] for s in record["swaps"]] == [f"data/processed/{YEAR}", f"outputs/{YEAR}"]
    assert paths.processed_dir(YEAR, root).is_dir()  # nothing renamed yet


@pytest.mark.skipif(
    not Path("/dev/shm").is_dir() or Path("/dev/shm").stat().st_dev == Path.cwd().stat().st_dev,
    reason="needs /dev/shm on another filesystem than the tests' temporary folder",
)
def test_outputs_on_another_filesystem_are_refused_before_anything_is_staged(published):
    root = published.root
    other_disk = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        shutil.move(paths.outputs_dir(YEAR, root).parent, other_disk / "outputs")
        paths.outputs_dir(YEAR, root).parent.symlink_to(other_disk / "outputs")

        with pytest.raises(PipelineError, match=r"outputs is on another filesystem"):
            run.run_pipeline(YEAR, root)
    finally:
        shutil.rmtree(other_disk)
    assert _leftovers(root) == []


def test_a_staging_folder_that_cannot_be_made_is_one_line(published):
    paths.staging_dir(published.root).write_text("a file in the way", encoding="utf-8")

    with pytest.raises(PipelineError, match=r"cannot write .*\.staging \(File exists\)"):
        run.run_pipeline(YEAR, published.root)
