"""The run command's checks before any stage starts (no notebook is executed here)."""

from __future__ import annotations

import shutil
import time

import pytest

from pipeline import cli, paths, provenance, run
from pipeline.errors import PipelineError


@pytest.mark.parametrize("year", [0, -1, 25, 20250, 99999])
def test_run_refuses_a_year_that_is_not_a_survey_year(tmp_path, year):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))

    with pytest.raises(PipelineError, match=rf"--year {year} is not a survey year"):
        run.run_pipeline(year=year, root=tmp_path)

    assert not paths.staging_dir(tmp_path).exists()  # checked before anything is written


@pytest.mark.parametrize("argument", ["abc", "2025.0", ""])
def test_a_year_that_is_not_a_number_is_one_line_from_the_command_line(capsys, argument):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["run", "--year", argument])

    message = capsys.readouterr().err
    assert stopped.value.code == 2
    assert message.count("\n") == 1
    assert message.startswith(f"error: argument --year: {argument!r} is not a year")


def test_run_refuses_a_root_that_does_not_exist(tmp_path):
    with pytest.raises(PipelineError, match=r"--root .*missing: no such folder"):
        run.run_pipeline(year=2025, root=tmp_path / "missing")


def test_run_refuses_a_root_without_a_config_folder(tmp_path):
    with pytest.raises(PipelineError, match=r"config: no config folder"):
        run.run_pipeline(year=2025, root=tmp_path)


@pytest.mark.parametrize("name", ["protocol", "toolkit", "council", "aliases"])
def test_run_names_the_file_and_line_of_malformed_yaml_before_anything_runs(tmp_path, name):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    config = paths.config_dir(tmp_path) / f"{name}.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    config.write_text("\n".join([*lines, "broken: [unclosed"]) + "\n", encoding="utf-8")

    with pytest.raises(PipelineError) as refused:
        run.run_pipeline(year=2025, root=tmp_path)

    assert str(refused.value).startswith(f"{config} (line {len(lines) + 2}, column 1)")
    assert "not valid YAML" in str(refused.value)
    assert not paths.staging_dir(tmp_path).exists()


def test_run_refuses_a_year_without_its_raw_folder_or_without_exports(tmp_path):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    with pytest.raises(PipelineError, match=r"No survey exports for 2025 in .*raw/2025"):
        run.run_pipeline(year=2025, root=tmp_path)

    paths.raw_dir(2025, tmp_path).mkdir(parents=True)
    (paths.raw_dir(2025, tmp_path) / "README.md").write_text("notes", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"No survey exports for 2025 in .*raw/2025"):
        run.run_pipeline(year=2025, root=tmp_path)


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


def test_a_child_process_sends_back_its_seconds_or_its_error_with_its_traceback(tmp_path):
    written = tmp_path / "written.txt"

    def writes() -> dict[str, float]:
        written.write_text("from the child", encoding="utf-8")
        return {"part": 1.5}

    def fails() -> dict[str, float]:
        return {"part": 1 / 0}

    def refuses() -> dict[str, float]:
        raise PipelineError("WeasyPrint reported 1 error(s)")

    assert run._Child(writes, []).result() == {"part": 1.5}
    assert written.read_text(encoding="utf-8") == "from the child"
    with pytest.raises(ZeroDivisionError) as raised:
        run._Child(fails, []).result()
    assert "in fails" in str(raised.value.__cause__)  # the child's traceback, as text
    with pytest.raises(PipelineError, match="WeasyPrint reported"):
        run._Child(refuses, []).result()  # the user's error as it was, one line


class TwoPartError(Exception):
    """Pickles, but cannot be rebuilt: unpickling calls TwoPartError(message) alone."""

    def __init__(self, part: str, detail: str) -> None:
        super().__init__(f"{part}: {detail}")


def test_an_error_that_cannot_be_rebuilt_reaches_the_run_as_the_childs_traceback():
    def raises() -> dict[str, float]:
        raise TwoPartError("pdf", "the renderer gave up")

    with pytest.raises(RuntimeError) as raised:
        run._Child(raises, []).result()

    text = str(raised.value) + str(raised.value.__cause__)
    assert "TwoPartError: pdf: the renderer gave up" in text
    assert "in raises" in text  # where the child failed, not an unpickling TypeError


def test_a_child_that_hangs_is_killed_and_the_run_fails_in_one_line(monkeypatch):
    monkeypatch.setattr(run, "CHILD_TIMEOUT_SECONDS", 0.5)

    def hangs() -> dict[str, float]:
        time.sleep(60)
        return {}

    started: list[run._Child] = []
    child = run._Child(hangs, started)
    began = time.perf_counter()
    with pytest.raises(PipelineError, match=r"had not finished after 0.5 s and was stopped"):
        child.result()

    assert time.perf_counter() - began < 30
    assert not child._process.is_alive()


def test_a_child_is_on_the_kill_list_from_its_start_and_killed_with_a_failed_run():
    def hangs() -> dict[str, float]:
        time.sleep(60)
        return {}

    with pytest.raises(KeyboardInterrupt), run._children() as started:
        child = run._Child(hangs, started)
        assert started == [child]  # before the caller's next line
        raise KeyboardInterrupt

    assert not child._process.is_alive() and child._receiver.closed
