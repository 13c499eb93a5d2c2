"""`pipeline verify` (decision D21): inputs checked first, then every output compared.

The rerun is replaced here by a function that writes a staging root as a run would (the
end-to-end test verifies a real run); the comparison and the checks are the real ones.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline import cli, council, paths, provenance, run, staging, verify
from pipeline.errors import PipelineError

YEAR = 2025
REPORT = """<h1>Report</h1>
<p>The council is in 104 partnerships.</p>
<p>Full annual cost £1,234,567.</p>
"""


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _write_year(root: Path, *, data_only: bool = False) -> None:
    """A year's outputs as a run writes them (a PDF stands for the binary files); a year
    built for its data only has its tables and no report (D43)."""
    _write(paths.processed_dir(YEAR, root) / "registry.csv", "partnership_id,name\nP001,A\n")
    if data_only:
        return
    _write(paths.report_html(YEAR, root), REPORT)
    _write(paths.report_pdf(YEAR, root), b"%PDF-1.7\n\x00\x01\x02binary\n")


def _write_manifest(root: Path, **fields: object) -> Path:
    record = {
        "year": YEAR,
        "root": str(root),
        **fields,
        "inputs": provenance.run_inputs(YEAR, root),
        "outputs": provenance.file_records(provenance.output_files(YEAR, root), root),
    }
    return _write(paths.manifest_file(YEAR, root), json.dumps(record, indent=2))


@pytest.fixture
def verified_root(project_root) -> Path:
    """A root whose 2025 was run: an export, config, the year's outputs and its manifest."""
    _write(paths.raw_dir(YEAR, project_root) / "export.csv", "Partnership name\nA\n")
    _write_year(project_root)
    _write_manifest(project_root)
    return project_root


@pytest.fixture
def rerun_root(verified_root, tmp_path) -> Path:
    """The same year written again elsewhere, as a rerun would."""
    other = tmp_path / "rerun"
    _write_year(other)
    return other


def _manifest(root: Path) -> dict:
    return json.loads(paths.manifest_file(YEAR, root).read_text(encoding="utf-8"))


def test_same_outputs_compare_as_identical(verified_root, rerun_root):
    assert verify.compare_outputs(_manifest(verified_root), verified_root, rerun_root) == ()


def test_an_edited_published_file_is_named_with_its_line_and_both_lines(verified_root, rerun_root):
    report = paths.report_html(YEAR, verified_root)
    report.write_text(REPORT.replace("£1,234,567", "£1,234,568"), encoding="utf-8")

    difference = verify.compare_outputs(_manifest(verified_root), verified_root, rerun_root)

    assert difference == (
        f"outputs/{YEAR}/annual_report.html differs:",
        "  line 3",
        "  published: <p>Full annual cost £1,234,568.</p>",
        "  rerun:     <p>Full annual cost £1,234,567.</p>",
    )


def test_a_binary_difference_is_given_as_a_byte_offset(verified_root, rerun_root):
    _write(paths.report_pdf(YEAR, rerun_root), b"%PDF-1.7\n\x00\x01\x03binary\n")

    difference = verify.compare_outputs(_manifest(verified_root), verified_root, rerun_root)

    assert difference == (
        f"outputs/{YEAR}/annual_report.pdf differs:",
        "  first different byte at offset 11 (19 vs 19 bytes)",
    )


def test_the_first_difference_in_path_order_is_the_one_reported(verified_root, rerun_root):
    _write(paths.processed_dir(YEAR, rerun_root) / "registry.csv", "partnership_id,name\n")
    _write(paths.report_html(YEAR, rerun_root), "changed\n")

    difference = verify.compare_outputs(_manifest(verified_root), verified_root, rerun_root)

    assert difference[:2] == (f"data/processed/{YEAR}/registry.csv differs:", "  line 2")
    assert difference[3] == "  rerun:     (end of file)"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("published missing", "in the manifest but missing from the published outputs"),
        ("rerun missing", "in the manifest but the rerun did not write it"),
        ("extra published", "in the published outputs but not in the manifest"),
    ],
)
def test_a_file_missing_or_extra_on_either_side_is_named(
    verified_root, rerun_root, change, expected
):
    if change == "published missing":
        paths.report_pdf(YEAR, verified_root).unlink()
    elif change == "rerun missing":
        paths.report_pdf(YEAR, rerun_root).unlink()
    else:
        _write(paths.outputs_dir(YEAR, verified_root) / "notes.txt", "mine\n")

    difference = verify.compare_outputs(_manifest(verified_root), verified_root, rerun_root)

    assert len(difference) == 1 and expected in difference[0]


def test_a_manifest_hash_that_neither_file_has_is_named(verified_root, rerun_root):
    manifest = _manifest(verified_root)
    manifest["outputs"][0]["sha256"] = "0" * 64

    difference = verify.compare_outputs(manifest, verified_root, rerun_root)

    assert difference == (
        f"data/processed/{YEAR}/registry.csv: the published file and the rerun agree, but not "
        "with the manifest's SHA-256 (was the manifest edited?)",
    )


def test_every_data_docs_file_is_compared_even_beside_an_old_gx_site(verified_root, rerun_root):
    site = "data_docs/validations/protocol/__none__"
    _write(paths.outputs_dir(YEAR, verified_root) / f"{site}/20260101T1/p.html", "run 1")
    _write(paths.data_docs_dir(YEAR, verified_root) / "index.html", "page 1")
    _write(paths.data_docs_dir(YEAR, rerun_root) / "index.html", "page 2")
    _write_manifest(verified_root)

    difference = verify.compare_outputs(_manifest(verified_root), verified_root, rerun_root)

    assert difference[0] == f"outputs/{YEAR}/data_docs/index.html differs:"


def _fake_rerun(edit: str | None = None):
    """Stand-in for run.build_year: writes the year into the staging root, as a run does."""

    def build_year(year, staged, root, council_name, *, failed_root=None, data_only=False):
        _write_year(staged, data_only=data_only)
        if edit:
            _write(paths.report_html(year, staged), edit)
        return paths.manifest_file(year, staged)

    return build_year


def test_verify_reruns_in_staging_says_identical_and_leaves_no_staging(verified_root, monkeypatch):
    before = {f: provenance.sha256(f) for f in provenance.output_files(YEAR, verified_root)}
    monkeypatch.setattr(run, "build_year", _fake_rerun())

    verdict = verify.verify(paths.manifest_file(YEAR, verified_root))

    assert verdict == verify.Verdict(True, ("identical",))
    assert {f: provenance.sha256(f) for f in provenance.output_files(YEAR, verified_root)} == before
    assert [p.name for p in paths.staging_dir(verified_root).iterdir()] == ["lock"]


def test_verify_names_the_output_a_rerun_writes_differently(verified_root, monkeypatch):
    monkeypatch.setattr(run, "build_year", _fake_rerun(edit="<h1>Report</h1>\nother\n"))

    verdict = verify.verify(paths.manifest_file(YEAR, verified_root))

    assert not verdict.identical
    assert verdict.lines[:2] == (f"outputs/{YEAR}/annual_report.html differs:", "  line 2")


def test_verify_reruns_a_year_built_for_its_data_only_for_its_data_only(verified_root, monkeypatch):
    for report in (paths.report_html(YEAR, verified_root), paths.report_pdf(YEAR, verified_root)):
        report.unlink()
    _write_manifest(verified_root, data_only=True)
    monkeypatch.setattr(run, "build_year", _fake_rerun())

    verdict = verify.verify(paths.manifest_file(YEAR, verified_root))

    assert verdict == verify.Verdict(True, ("identical",))  # the fake wrote no report


@pytest.mark.parametrize("written", ["false", "true", 1, None])
def test_only_a_manifest_saying_data_only_true_is_rerun_for_its_data_only(
    verified_root, monkeypatch, written
):
    _write_manifest(verified_root, data_only=written)  # a hand-edited or foreign manifest
    asked: list[bool] = []

    def build_year(year, staged, root, council_name, *, failed_root=None, data_only=False):
        asked.append(data_only)
        return _fake_rerun()(year, staged, root, council_name, data_only=data_only)

    monkeypatch.setattr(run, "build_year", build_year)

    verify.verify(paths.manifest_file(YEAR, verified_root))

    assert asked == [False]  # the JSON true alone means a data-only year


def test_verify_removes_its_staging_when_the_rerun_fails(verified_root, monkeypatch):
    def failing(year, staged, root, council_name, *, failed_root=None, data_only=False):
        raise PipelineError("stage 02_validate.ipynb failed")

    monkeypatch.setattr(run, "build_year", failing)

    with pytest.raises(PipelineError, match="02_validate"):
        verify.verify(paths.manifest_file(YEAR, verified_root))

    assert [p.name for p in paths.staging_dir(verified_root).iterdir()] == ["lock"]


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ("config", "input config/toolkit.yaml changed (SHA-256"),
        ("export removed", f"input data/raw/{YEAR}/export.csv was removed"),
        ("export added", f"input data/raw/{YEAR}/late.csv was added"),
        ("earlier registry", "input data/processed/2024/registry.csv was added"),
    ],
)
def test_verify_names_an_input_changed_since_the_run_and_does_not_rerun(
    verified_root, monkeypatch, edit, named
):
    raw = paths.raw_dir(YEAR, verified_root)
    if edit == "config":
        toolkit = paths.toolkit_file(verified_root)
        toolkit.write_text(toolkit.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif edit == "export removed":
        (raw / "export.csv").unlink()
    elif edit == "export added":
        _write(raw / "late.csv", "Partnership name\nB\n")
    else:
        _write(paths.processed_dir(2024, verified_root) / "registry.csv", "partnership_id\n")
    monkeypatch.setattr(run, "build_year", None)  # must not be called

    verdict = verify.verify(paths.manifest_file(YEAR, verified_root))

    assert not verdict.identical
    assert verdict.lines[0].startswith(named) and verdict.lines[0].endswith("since the run")
    assert verdict.lines[-1].startswith("not re-run")


def test_verify_refuses_what_is_not_a_manifest(verified_root, tmp_path):
    manifest = paths.manifest_file(YEAR, verified_root)
    with pytest.raises(PipelineError, match="no such manifest"):
        verify.verify(tmp_path / "missing.json")

    manifest.write_text("{not json", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"manifest\.json: not a manifest \(not JSON"):
        verify.verify(manifest)

    manifest.write_text(json.dumps({"year": YEAR, "inputs": []}), encoding="utf-8")
    with pytest.raises(PipelineError, match="not a run manifest"):
        verify.verify(manifest)


def test_verify_refuses_a_manifest_moved_out_of_its_year_folder(verified_root, tmp_path):
    moved = shutil.copy(paths.manifest_file(YEAR, verified_root), tmp_path / "manifest.json")

    with pytest.raises(PipelineError, match=f"must be at outputs/{YEAR}/manifest.json"):
        verify.verify(Path(moved))


def test_first_difference_says_when_only_line_endings_differ(tmp_path):
    unix = _write(tmp_path / "a.csv", b"a,b\n1,2\n")
    windows = _write(tmp_path / "b.csv", b"a,b\r\n1,2\r\n")

    assert verify.first_difference(unix, windows) == (
        "  the lines are the same; only line endings differ",
    )


def test_verify_is_not_started_while_a_run_holds_the_root(verified_root, monkeypatch):
    monkeypatch.setattr(run, "build_year", _fake_rerun())

    with staging.locked(verified_root):
        with pytest.raises(PipelineError, match="another run is using"):
            verify.verify(paths.manifest_file(YEAR, verified_root))


def test_the_command_line_finds_the_years_manifest_and_exits_with_the_verdict(
    verified_root, monkeypatch, capsys
):
    monkeypatch.setattr(run, "build_year", _fake_rerun())
    default = council.load(verified_root).default_year
    assert verify.manifest_of(None, verified_root) == paths.manifest_file(default, verified_root)

    status = cli.main(["verify", "--year", str(YEAR), "--root", str(verified_root)])

    assert (status, capsys.readouterr().out) == (0, "identical\n")
    monkeypatch.setattr(run, "build_year", _fake_rerun(edit="other\n"))
    assert cli.main(["verify", str(paths.manifest_file(YEAR, verified_root))]) == 1
    assert capsys.readouterr().out.startswith(f"outputs/{YEAR}/annual_report.html differs:\n")
