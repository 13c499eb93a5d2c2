"""Project rules: dependencies declared alike, notebooks clean and parameterised."""

import json
import re
import tomllib

import yaml

from pipeline import paths


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0].lower()


def _normalise(requirement: str) -> str:
    return requirement.replace(" ", "").lower()


def test_environment_yml_and_pyproject_declare_the_same_dependencies():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    environment = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    conda = [d for d in conda if _name(d) not in ("python", "pip")]
    conda += [p for d in environment["dependencies"] if isinstance(d, dict) for p in d["pip"]]

    assert sorted(map(_normalise, declared)) == sorted(map(_normalise, conda))


def test_source_notebooks_have_no_outputs_and_a_parameters_cell():
    for stage in paths.STAGES:
        notebook = json.loads(paths.source_notebook(stage).read_text())
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]

        assert all(not c["outputs"] and c["execution_count"] is None for c in code), stage
        tags = code[0]["metadata"].get("tags", [])
        assert "parameters" in tags, stage
        assert "year = " in "".join(code[0]["source"])


def test_broken_yaml_is_named_with_line_and_column(tmp_path):
    import pytest

    from pipeline import toolkit
    from pipeline.errors import PipelineError

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "toolkit.yaml").write_text("bands: [1, 2\nmin_answers: 2\n")

    with pytest.raises(PipelineError, match=r"toolkit.yaml \(line \d+, column \d+\): not valid"):
        toolkit.load(tmp_path)


def test_every_picture_and_file_the_readme_links_is_in_the_repository():
    readme = paths.ROOT / "README.md"
    targets = re.findall(r"\]\(((?:docs|config|notebooks)/[^)#\s]+)\)", readme.read_text())

    assert any(t.startswith("docs/images/") and t.endswith(".png") for t in targets)
    for target in targets:
        assert (paths.ROOT / target).is_file(), f"README links {target}, which is missing"
