"""The run command's checks before any stage starts (no notebook is executed here)."""

from __future__ import annotations

import shutil

import pytest

from pipeline import paths, provenance, run
from pipeline.errors import PipelineError


@pytest.mark.parametrize("year", [0, -1, 25, 20250])
def test_run_refuses_a_year_that_is_not_a_survey_year(tmp_path, year):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))

    with pytest.raises(PipelineError, match=rf"--year {year} is not a survey year"):
        run.run_pipeline(year=year, root=tmp_path)


def test_run_checks_config_before_looking_for_exports(tmp_path):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    toolkit_file = paths.toolkit_file(tmp_path)
    toolkit_file.write_text(
        toolkit_file.read_text(encoding="utf-8").replace("op: ge,", "op: gte,"), encoding="utf-8"
    )

    with pytest.raises(PipelineError, match=r"toolkit\.yaml: recommendation\.rules\[0\]"):
        run.run_pipeline(root=tmp_path)  # no exports either: the config is reported first


def test_the_year_built_first_is_the_latest_earlier_year_with_exports(tmp_path):
    for year, files in (
        (2022, ["a.csv"]),
        (2023, ["b.xlsx"]),
        (2024, ["README.md"]),
        (2026, ["c.csv"]),
    ):
        paths.raw_dir(year, tmp_path).mkdir(parents=True)
        for name in files:
            (paths.raw_dir(year, tmp_path) / name).write_text("x", encoding="utf-8")

    assert run.previous_survey_year(2025, tmp_path) == 2023  # 2024 holds no export
    assert run.previous_survey_year(2022, tmp_path) is None


def test_kernel_logs_only_critical_errors_so_shutdown_is_quiet():
    assert "--IPKernelApp.log_level=CRITICAL" in run._kernel_argv()


def test_recorded_versions_cover_every_declared_runtime_package():
    recorded = set(provenance.package_versions()["Package"])

    assert {"python-calamine", "pydantic", "pandas", "great-expectations", "numpy"} <= recorded
