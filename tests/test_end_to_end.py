"""The whole pipeline, as `make report` runs it (slow: papermill), on the shared run of every
sample year (conftest.py: the earlier years built for their data only, D43), plus the runs
that must stop early with one clear line."""

import html
import json
import re
import shutil

import pandas as pd
import pikepdf
import pytest
from helpers import year_files

from pipeline import paths, protocol, run, sample, settings, tables, verify
from pipeline.report import sections

pytestmark = pytest.mark.e2e

YEAR = 2025
PREVIOUS_YEAR = 2024
FIRST_YEAR = 2023  # the sample's first year: nothing before it
YEARS = (FIRST_YEAR, PREVIOUS_YEAR, YEAR)
PROTOCOL = protocol.load()


def _text(page: str) -> str:
    """The report as a reader sees it: no tags, entities decoded."""
    return re.sub(r"<[^>]+>", "", html.unescape(page))


def _report(root, year=YEAR) -> str:
    return paths.report_html(year, root).read_text(encoding="utf-8")


def test_run_builds_the_earlier_years_for_their_data_first_then_the_years_report(shared_run):
    root, done = shared_run.root, shared_run.done

    for earlier in (PREVIOUS_YEAR, FIRST_YEAR):  # two missing years, the latest asked first
        assert f"no registry for {earlier} yet: running {earlier} first" in done.stderr
        assert f"{run.data_only_line(earlier)}\n" in done.stderr
        assert not paths.report_html(earlier, root).exists()
        assert not paths.report_pdf(earlier, root).exists()
        for stage in run.DATA_STAGES:  # the auditors' notebooks, not their web pages
            assert paths.executed_notebook(stage, earlier, root).is_file()
            assert not paths.executed_notebook_html(stage, earlier, root).exists()
        assert not paths.executed_notebook(paths.STAGES[-1], earlier, root).exists()
    assert paths.report_html(YEAR, root).is_file()
    assert paths.report_pdf(YEAR, root).read_bytes().startswith(b"%PDF")
    for stage in paths.STAGES:
        assert paths.executed_notebook(stage, YEAR, root).is_file()
        assert paths.executed_notebook_html(stage, YEAR, root).is_file()
    for year in YEARS:
        assert json.loads(paths.manifest_file(year, root).read_text())["year"] == year
    assert str(paths.report_html(YEAR, root)) in done.stdout
    assert done.stderr.count("[3/3] 03_evaluate done") == len(YEARS) - 1
    assert done.stderr.count("[4/4] 04_annual_report done") == 1
    assert [p.name for p in paths.staging_dir(root).iterdir()] == ["lock"]  # nothing left


def test_an_earlier_years_manifest_says_it_was_built_for_its_data_and_lists_what_it_wrote(
    shared_run,
):
    root = shared_run.root
    manifest = json.loads(paths.manifest_file(PREVIOUS_YEAR, root).read_text(encoding="utf-8"))

    outputs = {r["file"]: r["sha256"] for r in manifest["outputs"]}
    published = year_files(root, PREVIOUS_YEAR)
    del published[f"outputs/{PREVIOUS_YEAR}/manifest.json"]
    assert manifest["data_only"] is True
    assert f"`make report YEAR={PREVIOUS_YEAR}` writes its report" in manifest["built_for"]
    assert outputs == published
    assert f"data/processed/{PREVIOUS_YEAR}/evaluation.csv" in outputs
    assert f"outputs/{PREVIOUS_YEAR}/notebooks/03_evaluate.ipynb" in outputs
    assert set(manifest["seconds"]) == set(run.DATA_STAGES)
    assert json.loads(paths.manifest_file(YEAR, root).read_text())["data_only"] is False


def test_manifest_hashes_every_input_and_every_output_of_the_year(shared_run):
    root = shared_run.root
    manifest = json.loads(paths.manifest_file(YEAR, root).read_text(encoding="utf-8"))

    inputs = {r["file"]: r["sha256"] for r in manifest["inputs"]}
    outputs = {r["file"]: r["sha256"] for r in manifest["outputs"]}

    assert manifest["root"] == str(root)
    assert {"config/toolkit.yaml", f"data/processed/{PREVIOUS_YEAR}/registry.csv"} <= set(inputs)
    assert f"data/raw/{YEAR}/{paths.raw_exports(YEAR)[0].name}" in inputs
    published = year_files(root, YEAR)
    del published[f"outputs/{YEAR}/manifest.json"]
    assert outputs == published  # every file of data/processed/2025 and outputs/2025
    assert f"outputs/{YEAR}/notebooks/02_validate.html" in outputs
    # The run writes the internal workbook (D39), and nothing published names it.
    assert f"outputs/{YEAR}/registry.xlsx" in outputs and "registry.xlsx" not in (
        paths.report_html(YEAR, root).read_text(encoding="utf-8")
        + paths.open_data_dir(YEAR, root).joinpath("datapackage.json").read_text(encoding="utf-8")
    )


def test_executed_notebooks_keep_no_run_details_and_their_html_shows_the_code(shared_run):
    for stage in paths.STAGES:
        saved = paths.executed_notebook(stage, YEAR, shared_run.root).read_text(encoding="utf-8")
        page = paths.executed_notebook_html(stage, YEAR, shared_run.root).read_text(
            encoding="utf-8"
        )

        notebook = json.loads(saved)
        assert "papermill" not in notebook["metadata"], stage
        assert not [c for c in notebook["cells"] if {"papermill", "execution"} & set(c["metadata"])]
        assert ".staging" not in saved and ".staging" not in page
        injected = [c for c in notebook["cells"] if c["id"] == "injected-parameters"]
        assert f'root = "{shared_run.root}"' in "".join(injected[0]["source"])  # not staging
        assert '<html lang="en-GB">' in page and f"<title>{notebook['metadata']['title']}" in page
        assert "settings.load(root)" in _text(page)  # the code, not only the outputs
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), stage


def test_run_prints_each_stages_summary_line(shared_run):
    root, stderr = shared_run.root, shared_run.done.stderr

    for year in YEARS:
        for stage in paths.STAGES[:3]:
            line = tables.read_summary(stage, year, root)
            assert line and f"      {line}\n" in stderr


def test_run_stderr_has_no_kernel_noise_or_traceback(shared_run):
    stderr = shared_run.done.stderr

    assert "KeyboardInterrupt" not in stderr
    assert "[IPKernelApp]" not in stderr
    assert "Traceback" not in stderr


def test_report_total_cost_and_count_equal_the_evaluation_table(shared_run):
    evaluation = tables.read("evaluation", YEAR, shared_run.root)
    text = _text(_report(shared_run.root))

    total = f"£{evaluation['full_cost'].sum():,.0f}"

    assert re.search(rf"full annual cost to the council is (at least )?{re.escape(total)}", text)
    assert f"The council is in {len(evaluation)} partnerships" in text


def test_rows_in_equal_valid_plus_quarantined_and_the_registry_counts_every_valid_row(
    shared_run,
):
    for year in YEARS:
        returns = tables.read("returns", year, shared_run.root, PROTOCOL)
        valid = tables.read("valid", year, shared_run.root, PROTOCOL)
        quarantine = tables.read("quarantine", year, shared_run.root, PROTOCOL)
        summary = tables.read_dq_summary(year, shared_run.root)
        registry = tables.read("registry", year, shared_run.root)

        assert len(returns) == len(valid) + len(quarantine) == summary["rows_in"]
        assert (summary["valid"], summary["quarantined"]) == (len(valid), len(quarantine))
        assert set(quarantine["row_key"]).isdisjoint(valid["row_key"])
        assert quarantine["quarantine_reasons"].notna().all()
        assert registry["returns"].sum() == len(valid)


def test_planted_bad_rows_are_quarantined_with_their_reasons_through_the_run(shared_run):
    quarantine = tables.read("quarantine", YEAR, shared_run.root, PROTOCOL)
    reasons = " | ".join(quarantine["quarantine_reasons"])
    valid = tables.read("valid", YEAR, shared_run.root, PROTOCOL)
    cash = PROTOCOL.id_of("cash")

    assert "could not read 'tbc' as money" in reasons  # sample.py plants these
    assert "'Very high'" in reasons
    assert "duplicate of" in reasons
    assert pd.api.types.is_float_dtype(valid[cash])  # no unreadable text was accepted


def test_published_report_has_no_personal_data_code_or_scripts(shared_run):
    root = shared_run.root
    page = _report(root)
    report_notebook = paths.executed_notebook("04_annual_report", YEAR, root).read_text()
    returns = tables.read("returns", YEAR, root, PROTOCOL)
    with pikepdf.open(paths.report_pdf(YEAR, root)) as pdf:
        pdf_text = "".join(str(obj) for obj in pdf.objects)

    assert "@" + sample.EMAIL_DOMAIN not in page + report_notebook + pdf_text
    for name in returns[PROTOCOL.id_of("respondent_name")].dropna().unique():
        assert name not in page and name not in report_notebook
    assert "<script" not in page
    assert "sections.load(" not in page  # no code cells
    assert 'lang="en-GB"' in page


def test_report_gives_charts_alt_text(shared_run):
    page = _report(shared_run.root)

    alts = [html.unescape(alt) for alt in re.findall(r'<img[^>]*alt="([^"]*)"', page)]
    profiles = re.findall(r'<section[^>]*class="profile"', page)
    assert len(profiles) >= 18
    histories = re.findall(r'<figure class="chart" id="chart-history-', page)
    assert histories  # the sample's three years give key partnerships a history chart
    # four section charts, one in each profile, and a history chart in some key profiles
    assert len(alts) == 4 + len(profiles) + len(histories)
    assert len(re.findall(r"<img", page)) == len(alts)  # no image without alt text
    assert all(re.match(r"[A-Z][a-z ]* chart of .+ showing .+", alt, re.DOTALL) for alt in alts)
    assert re.search(r'<img[^>]*src="data:image/png;base64,', page)


def test_pdf_is_tagged_with_title_language_and_bookmarks(shared_run):
    with pikepdf.open(paths.report_pdf(YEAR, shared_run.root)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "en-GB"
        assert "Annual Report on Key Partnerships" in str(pdf.docinfo.get("/Title"))
        assert len(pdf.open_outline().root) >= 1


def test_open_data_has_no_personal_data_and_no_live_formulas(shared_run):
    folder = paths.open_data_dir(YEAR, shared_run.root)
    registry = pd.read_csv(folder / "registry.csv", dtype=str, keep_default_na=False)
    package = json.loads((folder / "datapackage.json").read_text())

    fields = [f["name"] for f in package["resources"][0]["schema"]["fields"]]
    assert fields == list(registry.columns)
    assert len(registry) == len(tables.read("registry", YEAR, shared_run.root))
    cells = registry.to_numpy().ravel()
    assert not any("@" in cell for cell in cells)
    numeric = {
        f["name"] for f in package["resources"][0]["schema"]["fields"] if f["type"] != "string"
    }
    text = registry.drop(columns=list(numeric)).to_numpy().ravel()
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in text)


def _escaped(root) -> str:
    """The root folder as the executed notebooks' JSON writes it."""
    return json.dumps(str(root))[1:-1]


def _executed_outputs(root, year=YEAR, stages=paths.STAGES):
    """Each executed notebook's cell sources and outputs, with the run's root folder written
    as <root>."""
    notebooks = {}
    for stage in stages:
        text = paths.executed_notebook(stage, year, root).read_text(encoding="utf-8")
        notebook = json.loads(text.replace(_escaped(root), "<root>"))
        notebooks[stage] = [(c["source"], c.get("outputs")) for c in notebook["cells"]]
    return notebooks


def test_executed_notebooks_are_quiet(shared_run):
    for year in YEARS:
        stages = paths.STAGES if year == YEAR else run.DATA_STAGES  # earlier: data only
        for stage, cells in _executed_outputs(shared_run.root, year, stages).items():
            streams = [
                o for _, outputs in cells for o in outputs or [] if o.get("name") == "stderr"
            ]
            assert streams == [], (year, stage)


def test_partnership_ids_carry_over_from_last_year_and_new_ones_follow(shared_run):
    before = tables.read("registry", PREVIOUS_YEAR, shared_run.root).set_index("name")
    after = tables.read("registry", YEAR, shared_run.root).set_index("name")

    both = before.index.intersection(after.index)
    new = after.index.difference(before.index)
    assert len(both) == len(before) - 2  # sample.py: two partnerships ended
    assert len(new) == 3  # and three are new
    pd.testing.assert_series_equal(
        before.loc[both, "partnership_id"], after.loc[both, "partnership_id"]
    )
    highest = before["partnership_id"].max()
    assert (after.loc[new, "partnership_id"] > highest).all()
    history = tables.read("id_history", YEAR, shared_run.root).set_index("partnership_id")
    assert history.loc[after.loc[new, "partnership_id"], "event"].eq("new").all()
    assert history["event"].value_counts().to_dict() == {"carried": len(both), "new": 3}
    assert history["earlier_year"].dropna().eq(PREVIOUS_YEAR).all()


def test_changes_since_last_year_are_listed_and_reported(shared_run):
    changes = tables.read("changes", YEAR, shared_run.root)
    counts = changes["change"].value_counts()
    page = _text(_report(shared_run.root))
    # The first year was built for its data only (D43): its report's section, as its
    # notebook would show it, from its tables.
    config = settings.load(shared_run.root)
    first_year = _text(
        sections.changes_section(sections.load(FIRST_YEAR, shared_run.root, config)).data
    )

    assert (counts["new"], counts["ended"]) == (3, 2)
    changed = counts.get("changed", 0)
    assert changes.loc[changes["change"] == "changed", "what_changed"].notna().all()
    assert (
        f"Since {PREVIOUS_YEAR}: 3 new partnerships, 2 ended and {changed} materially changed"
        in page
    )
    assert tables.read("changes", FIRST_YEAR, shared_run.root).empty
    assert not tables.read("changes", PREVIOUS_YEAR, shared_run.root).empty
    assert f"There is no registry for {FIRST_YEAR - 1}, so this is the" in first_year
    assert f"Since {FIRST_YEAR - 1}" not in first_year


def test_renumbered_questions_give_the_same_registry_and_evaluation(shared_run, renumbered_run):
    """Renumbering questions needs no code change: exports are matched by wording and
    every stage after validation names questions by key."""
    renumbered = protocol.load(renumbered_run.root)
    returns = tables.read("returns", YEAR, renumbered_run.root, renumbered)

    assert renumbered_run.renumbered == {"Q43": "Q143", "Q20": "Q120"}
    assert {"Q143", "Q120"} <= set(returns.columns)
    assert not {"Q43", "Q20"} & set(returns.columns)
    for name in ("registry", "evaluation", "changes"):
        pd.testing.assert_frame_equal(
            tables.read(name, YEAR, renumbered_run.root),
            tables.read(name, YEAR, shared_run.root),
            obj=name,
        )
    assert run.data_only_line(YEAR) in renumbered_run.done.stderr  # run with --data-only
    assert not paths.report_pdf(YEAR, renumbered_run.root).exists()


def test_the_report_notebooks_code_runs_on_renumbered_questions(renumbered_run):
    """The report stage names questions by key too: its notebook's cells, run here in
    process on the renumbered run's tables (that run stopped after the evaluation), give
    every section without an error."""
    notebook = json.loads(paths.source_notebook(paths.STAGES[-1]).read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    namespace = {}

    for source in cells:
        exec(compile(source, "04_annual_report", "exec"), namespace)
        if namespace.get("root") is None:  # the parameters cell: as papermill would inject
            namespace.update(year=YEAR, council_name=None, root=str(renumbered_run.root))

    assert namespace["data"].year == YEAR
    assert sections.data_quality(namespace["data"]).data  # reads quarantine by question ID


def _data_outputs(root) -> dict[str, object]:
    """What a run of 2025 for its data only writes: its processed tables, Data Docs and
    executed notebooks (the manifest aside: it carries the run's times)."""
    files = [
        *sorted(paths.processed_dir(YEAR, root).iterdir()),
        *sorted(paths.data_docs_dir(YEAR, root).iterdir()),
        *(paths.executed_notebook(stage, YEAR, root) for stage in run.DATA_STAGES),
    ]
    return {str(f.relative_to(root)): f for f in files}


def test_a_data_only_rerun_rewrites_the_year_identically_and_removes_its_report(shared_run, rerun):
    """The rerun (`--data-only`) ran on a copy of the finished shared root, over its own
    outputs: every table, Data Docs page and notebook is rewritten with the same bytes (the
    notebooks with the root written as <root>), and the year's report is gone with the
    rest of the year it replaced. That a full rerun writes the same report, PDF and open
    data is test_verify_after_a_run_says_identical's."""
    first, again = _data_outputs(shared_run.root), _data_outputs(rerun.root)

    assert "running 2024 first" not in rerun.done.stderr
    assert list(again) == list(first)
    for name, path in first.items():
        assert again[name].stat().st_mtime_ns > path.stat().st_mtime_ns, f"{name} not rewritten"
        if path.suffix == ".ipynb":
            shown = path.read_text(encoding="utf-8").replace(_escaped(shared_run.root), "<root>")
            rerun_shown = (
                again[name].read_text(encoding="utf-8").replace(_escaped(rerun.root), "<root>")
            )
            assert rerun_shown == shown, name
        else:
            assert again[name].read_bytes() == path.read_bytes(), name
    assert paths.report_html(YEAR, shared_run.root).is_file()
    assert not paths.report_html(YEAR, rerun.root).exists()
    assert not paths.report_pdf(YEAR, rerun.root).exists()
    assert not paths.open_data_dir(YEAR, rerun.root).exists()


def test_a_killed_run_leaves_the_year_byte_for_byte_and_the_next_run_cleans_up(killed_run, rerun):
    """A run of 2025 was killed (SIGKILL) on the rerun's root once its first stage had
    written returns.csv into staging; the rerun then ran there."""
    assert killed_run.returncode == -9
    assert f"data/processed/{YEAR}/returns.csv" in {
        name.split("/", 2)[2] for name in killed_run.staged
    }
    assert killed_run.after == killed_run.before  # every byte of 2025 as it was
    assert "left by an interrupted run" in rerun.done.stderr
    assert [p.name for p in paths.staging_dir(rerun.root).iterdir()] == ["lock"]
    assert year_files(rerun.root, YEAR) != killed_run.before  # the rerun replaced the year


def test_verify_after_a_run_says_identical(verified):
    assert verified.done.returncode == 0, verified.done.stderr
    assert verified.done.stdout == "identical\n"
    assert [p.name for p in paths.staging_dir(verified.root).iterdir()] == ["lock"]


def test_verify_names_an_edited_output_with_its_line(verified, tmp_path):
    """The verified root's outputs stand for the rerun; a copy with one line edited is the
    published year."""
    manifest = json.loads(paths.manifest_file(YEAR, verified.root).read_text(encoding="utf-8"))
    for folder in (paths.processed_dir, paths.outputs_dir):
        shutil.copytree(folder(YEAR, verified.root), folder(YEAR, tmp_path))
    edited = paths.processed_dir(YEAR, tmp_path) / "evaluation.csv"
    lines = edited.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace(",", ",9", 1)
    edited.write_text("".join(lines), encoding="utf-8")

    difference = verify.compare_outputs(manifest, tmp_path, verified.root)

    assert difference[:2] == (f"data/processed/{YEAR}/evaluation.csv differs:", "  line 6")
    assert difference[2].startswith("  published: " + lines[5][:100])  # long: cut short


def test_verify_names_an_input_changed_since_the_run(verified):
    aliases = paths.aliases_file(verified.root)
    aliases.write_text(aliases.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")

    verdict = verify.verify(paths.manifest_file(YEAR, verified.root))

    assert not verdict.identical
    assert verdict.lines[0].startswith("input config/aliases.yaml changed")


# --- runs that stop early ----------------------------------------------------------------


def test_broken_previous_year_export_is_named_as_last_years(tmp_path, run_cli):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    shutil.copytree(paths.raw_dir(YEAR), paths.raw_dir(YEAR, tmp_path))
    paths.raw_dir(YEAR - 1, tmp_path).mkdir(parents=True)
    (paths.raw_dir(YEAR - 1, tmp_path) / "old.csv").write_text("Budget,Risk\n1,Low\n")

    done = run_cli(tmp_path)

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    message = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(message) == 1
    assert f"building the {YEAR - 1} registry first" in message[0] and "old.csv" in message[0]


def test_broken_export_stops_at_ingest_with_one_clear_line_and_the_year_untouched(
    tmp_path, run_cli
):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    raw = paths.raw_dir(YEAR, tmp_path)
    raw.mkdir(parents=True)
    (raw / "export.csv").write_text("Partner names,Risk\nA,Low\n", encoding="utf-8")
    for earlier in (
        paths.processed_dir(YEAR, tmp_path) / "returns.csv",
        paths.report_html(YEAR, tmp_path),
    ):
        earlier.parent.mkdir(parents=True, exist_ok=True)
        earlier.write_text("last good run\n", encoding="utf-8")
    before = year_files(tmp_path, YEAR)

    done = run_cli(tmp_path)

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    message = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(message) == 1
    assert "export.csv" in message[0] and "01_ingest" in message[0]
    assert year_files(tmp_path, YEAR) == before
    kept = paths.executed_notebook("01_ingest", YEAR, paths.staged_root("failed", YEAR, tmp_path))
    assert f"executed notebook: {kept}" in message[0] and kept.is_file()


def test_year_zero_is_refused_before_any_stage(tmp_path, run_cli):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))

    done = run_cli(tmp_path, 0)

    assert done.returncode == 1
    assert "--year 0 is not a survey year" in done.stderr
    assert not paths.outputs_dir(0, tmp_path).exists()


def test_the_report_shows_every_years_landscape_and_each_key_partnerships_history(shared_run):
    page = _report(shared_run.root)
    table = re.search(r'<table[^>]*id="T_partnerships-key-partnerships.*?</table>', page, re.S)
    evaluations = {y: tables.read("evaluation", y, shared_run.root) for y in YEARS}

    assert table is not None
    rows = [
        [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)[1:]
    ]
    for cells, (year, evaluation) in zip(rows, evaluations.items(), strict=True):
        key = evaluation["key_partnership"].fillna(False).astype(bool)
        full_cost = pd.to_numeric(evaluation["full_cost"])
        assert cells == [
            str(year),
            f"{len(evaluation):,}",
            f"{key.sum():,}",
            f"£{full_cost.sum():,.0f}",
            f"£{full_cost[key].sum():,.0f}",
            f"{pd.to_numeric(evaluation['returns']).sum():,}",
        ]
    key_ids = evaluations[YEAR].loc[
        evaluations[YEAR]["key_partnership"].fillna(False).astype(bool), "partnership_id"
    ]
    for partnership_id in key_ids:
        seen = sum(partnership_id in set(e["partnership_id"]) for e in evaluations.values())
        assert (f'id="chart-history-{partnership_id.lower()}"' in page) == (seen > 1)
