"""The whole pipeline, as `make report` runs it, into a temporary root (slow: papermill)."""

import html
import json
import re
import shutil
import subprocess
import sys

import pandas as pd
import pikepdf

from pipeline import paths, sample

YEAR = 2025


def test_run_writes_report_executed_notebooks_and_manifest(finished_run):
    root, done = finished_run

    assert paths.report_html(YEAR, root).is_file()
    assert paths.report_pdf(YEAR, root).read_bytes().startswith(b"%PDF")
    for stage in paths.STAGES:
        assert paths.executed_notebook(stage, YEAR, root).is_file()
    assert json.loads(paths.manifest_file(YEAR, root).read_text())["year"] == YEAR
    assert str(paths.report_html(YEAR, root)) in done.stdout
    assert "[4/4] 04_annual_report done" in done.stderr


def test_report_total_cost_equals_the_evaluation_table(finished_run):
    root, _ = finished_run
    evaluation = pd.read_csv(paths.evaluation_file(YEAR, root))
    page = html.unescape(paths.report_html(YEAR, root).read_text(encoding="utf-8"))
    text = re.sub(r"<[^>]+>", "", page)

    total = f"£{evaluation['full_cost'].sum():,.0f}"

    assert re.search(rf"full annual cost to the council is (at least )?{re.escape(total)}", text)
    assert f"The council is in {len(evaluation)} partnerships" in text


def test_rows_in_equal_valid_plus_quarantined(finished_run):
    root, _ = finished_run

    returns = pd.read_csv(paths.returns_file(YEAR, root))
    valid = pd.read_csv(paths.valid_file(YEAR, root))
    quarantine = pd.read_csv(paths.quarantine_file(YEAR, root))

    assert len(returns) == len(valid) + len(quarantine)
    assert set(quarantine["row_key"]).isdisjoint(valid["row_key"])
    assert quarantine["quarantine_reasons"].notna().all()


def test_published_report_has_no_personal_data_code_or_scripts(finished_run):
    root, _ = finished_run
    page = paths.report_html(YEAR, root).read_text(encoding="utf-8")
    report_notebook = paths.executed_notebook("04_annual_report", YEAR, root).read_text()
    returns = pd.read_csv(paths.returns_file(YEAR, root))
    pdf_text = "".join(str(obj) for obj in pikepdf.open(paths.report_pdf(YEAR, root)).objects)

    assert "@" + sample.EMAIL_DOMAIN not in page + report_notebook + pdf_text
    for name in returns["Q1"].dropna().unique():
        assert name not in page and name not in report_notebook
    assert "<script" not in page
    assert "sections.load(" not in page  # no code cells
    assert 'lang="en-GB"' in page


def test_report_escapes_officer_text_and_gives_charts_alt_text(finished_run):
    root, _ = finished_run
    page = paths.report_html(YEAR, root).read_text(encoding="utf-8")

    alts = re.findall(r'<img[^>]*alt="([^"]*)"', page)
    assert len(alts) == 4
    assert all(len(alt) > 40 and "No description" not in alt for alt in alts)
    assert re.search(r'<img[^>]*src="data:image/png;base64,', page)


def test_pdf_is_tagged_with_title_language_and_bookmarks(finished_run):
    root, _ = finished_run

    with pikepdf.open(paths.report_pdf(YEAR, root)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "en-GB"
        assert "Annual Report on Key Partnerships" in str(pdf.docinfo.get("/Title"))
        assert len(pdf.open_outline().root) >= 1


def test_open_data_has_no_personal_data_and_no_live_formulas(finished_run):
    root, _ = finished_run
    folder = paths.open_data_dir(YEAR, root)
    registry = pd.read_csv(folder / "registry.csv", dtype=str, keep_default_na=False)
    package = json.loads((folder / "datapackage.json").read_text())

    fields = [f["name"] for f in package["resources"][0]["schema"]["fields"]]
    assert fields == list(registry.columns)
    cells = registry.to_numpy().ravel()
    assert not any("@" in cell for cell in cells)
    numeric = {
        f["name"] for f in package["resources"][0]["schema"]["fields"] if f["type"] != "string"
    }
    text = registry.drop(columns=list(numeric)).to_numpy().ravel()
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in text)


def test_neutralise_quotes_formula_like_text():
    from pipeline.report.open_data import neutralise

    assert [neutralise(v) for v in ["=SUM(A1)", "+44", "-", "@x", "Fine", 5]] == [
        "'=SUM(A1)",
        "'+44",
        "'-",
        "'@x",
        "Fine",
        5,
    ]


def _executed_outputs(root):
    """Each executed notebook's cell sources and outputs, without papermill's times."""
    notebooks = {}
    for stage in paths.STAGES:
        notebook = json.loads(paths.executed_notebook(stage, YEAR, root).read_text())
        notebooks[stage] = [(c["source"], c.get("outputs")) for c in notebook["cells"]]
    return notebooks


def test_executed_notebooks_are_quiet(finished_run):
    root, _ = finished_run

    for stage, cells in _executed_outputs(root).items():
        streams = [o for _, outputs in cells for o in outputs or [] if o.get("name") == "stderr"]
        assert streams == [], stage


def test_rerun_gives_identical_processed_data_report_and_notebooks(finished_run, run_cli):
    root, _ = finished_run
    before = {p: p.read_bytes() for p in paths.processed_dir(YEAR, root).iterdir()}
    report_before = paths.report_html(YEAR, root).read_bytes()
    open_data_before = (paths.open_data_dir(YEAR, root) / "registry.csv").read_bytes()
    notebooks_before = _executed_outputs(root)

    done = run_cli(root)

    assert done.returncode == 0, done.stderr
    assert {p: p.read_bytes() for p in paths.processed_dir(YEAR, root).iterdir()} == before
    assert paths.report_html(YEAR, root).read_bytes() == report_before
    assert (paths.open_data_dir(YEAR, root) / "registry.csv").read_bytes() == open_data_before
    assert _executed_outputs(root) == notebooks_before


def test_next_year_keeps_the_partnership_ids_and_reports_changes(finished_run):
    root, _ = finished_run
    next_year = paths.raw_dir(YEAR + 1, root)
    shutil.copytree(paths.raw_dir(YEAR, root), next_year)

    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--year", str(YEAR + 1), "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )

    assert done.returncode == 0, done.stderr
    before = pd.read_csv(paths.registry_file(YEAR, root))
    after = pd.read_csv(paths.registry_file(YEAR + 1, root))
    pd.testing.assert_series_equal(before["partnership_id"], after["partnership_id"])
    assert pd.read_csv(paths.changes_file(YEAR + 1, root)).empty
    page = paths.report_html(YEAR + 1, root).read_text(encoding="utf-8")
    assert f"Since {YEAR}: 0 new partnerships, 0 ended and 0 materially changed" in page


def test_broken_previous_year_export_is_named_as_last_years(tmp_path, run_cli):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    sample.write_sample(YEAR, root=tmp_path)
    paths.raw_dir(YEAR - 1, tmp_path).mkdir(parents=True)
    (paths.raw_dir(YEAR - 1, tmp_path) / "old.csv").write_text("Budget,Risk\n1,Low\n")

    done = run_cli(tmp_path)

    assert done.returncode == 1
    message = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(message) == 1
    assert f"building the {YEAR - 1} registry first" in message[0] and "old.csv" in message[0]


def test_broken_export_stops_at_ingest_with_one_clear_line(tmp_path, run_cli):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    raw = paths.raw_dir(YEAR, tmp_path)
    raw.mkdir(parents=True)
    (raw / "export.csv").write_text("Partner names,Risk\nA,Low\n", encoding="utf-8")

    done = run_cli(tmp_path)

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    message = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(message) == 1
    assert "export.csv" in message[0] and "01_ingest" in message[0]


def test_bad_rows_are_quarantined_through_the_whole_run(tmp_path, run_cli):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    raw = paths.raw_dir(YEAR, tmp_path)
    raw.mkdir(parents=True)
    rows = pd.DataFrame(
        {
            "Q6": ["Northmoor LRF", "Northmoor LRF", "Northmoor HWB"],
            "Q20": ["£1,000", "lots", "2k"],
            "Q43": ["Low", "Huge", "High"],
            "Q29": ["Agree", "Agree", "Disagree"],
            "Q30": ["Agree", "Agree", "Agree"],
        }
    )
    rows.to_csv(raw / "export.csv", index=False)

    done = run_cli(tmp_path)

    assert done.returncode == 0, done.stderr
    quarantine = pd.read_csv(paths.quarantine_file(YEAR, tmp_path))
    assert list(quarantine["source_row"]) == [3]
    assert "could not read 'lots' as money" in quarantine["quarantine_reasons"].item()
    assert "'Huge'" in quarantine["quarantine_reasons"].item()


def test_two_sample_years_carry_ids_and_report_changes(tmp_path, run_cli):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    for year in sample.SAMPLE_YEARS:
        sample.write_sample(year, root=tmp_path)

    done = run_cli(tmp_path, YEAR)  # builds the previous year's registry first

    assert done.returncode == 0, done.stderr
    assert f"running {YEAR - 1} first" in done.stderr
    before = pd.read_csv(paths.registry_file(YEAR - 1, tmp_path)).set_index("name")
    after = pd.read_csv(paths.registry_file(YEAR, tmp_path)).set_index("name")
    both = before.index.intersection(after.index)
    assert len(both) == len(before) - 2
    assert (before.loc[both, "partnership_id"] == after.loc[both, "partnership_id"]).all()
    changes = pd.read_csv(paths.changes_file(YEAR, tmp_path))["change"].value_counts()
    assert (changes["new"], changes["ended"]) == (3, 2)
    page = paths.report_html(YEAR, tmp_path).read_text(encoding="utf-8")
    assert f"Since {YEAR - 1}: 3 new partnerships, 2 ended" in page
