"""The report notebook stays thin: the code is in pipeline/report/, the wording in templates
and the notebook's markdown; each cell shows one thing."""

from __future__ import annotations

import ast

import nbformat

from pipeline import paths

NOTEBOOK = nbformat.read(paths.source_notebook("04_annual_report"), as_version=4)
DEFINITIONS_AND_LOOPS = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Lambda,
    ast.For,
    ast.While,
    ast.comprehension,
)
CODE = [cell for cell in NOTEBOOK.cells if cell.cell_type == "code"]


def test_report_notebook_parameters_default_to_council_yaml():
    parameters = CODE[0]

    assert "parameters" in parameters.metadata.get("tags", [])
    assert "year = None  # None: default_year in config/council.yaml" in parameters.source
    assert "council_name = None" in parameters.source and "root = None" in parameters.source


def test_report_notebook_resolves_the_year_from_the_config():
    assert "year = settings.survey_year(year, config)" in CODE[1].source


def test_report_notebook_defines_nothing_and_loops_over_nothing():
    for cell in CODE:
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, DEFINITIONS_AND_LOOPS), cell.source


def test_report_notebook_cells_after_the_setup_are_one_call_each():
    for cell in CODE[2:]:
        body = ast.parse(cell.source).body

        assert len(body) == 1 and isinstance(body[0], ast.Expr), cell.source
        call = body[0].value
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute), cell.source
        assert call.func.value.id in ("sections", "figures", "profiles"), cell.source  # type: ignore[attr-defined]


def test_report_notebook_is_committed_without_outputs():
    assert all(not cell.outputs and cell.execution_count is None for cell in CODE)
