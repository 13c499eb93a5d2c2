"""Validation's start-up cost is paid once (issue 20): Great Expectations is imported by
pipeline.validate alone, when a validation runs, and its context is built once per
validation."""

import datetime as dt
import subprocess
import sys
import tempfile

import pandas as pd

from pipeline import ingest, paths, protocol, tables, validate

PROTOCOL = protocol.load()

_IMPORT_ALL_BUT_VALIDATE = """
import importlib, pkgutil, sys
import pipeline
names = sorted(
    m.name for m in pkgutil.walk_packages(pipeline.__path__, "pipeline.")
    if m.name not in ("pipeline.validate", "pipeline.__main__")
)
for name in names:
    importlib.import_module(name)
print(len(names), "great_expectations" in sys.modules)
"""


def test_no_pipeline_module_imports_great_expectations_on_import():
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL_BUT_VALIDATE],
        capture_output=True,
        text=True,
        check=True,
    )
    imported, gx_loaded = done.stdout.split()
    assert int(imported) > 20  # every module was imported, not none
    assert gx_loaded == "False"


def _sample_returns() -> pd.DataFrame:
    """The 2025 sample export's returns, typed as 02_validate reads them."""
    ingested = ingest.ingest_exports(paths.raw_exports(2025), PROTOCOL, 2025).returns
    with tempfile.TemporaryDirectory() as folder:
        tables.write("returns", ingested, 2025, folder, PROTOCOL)
        return tables.read("returns", 2025, folder, PROTOCOL)


def test_a_validation_builds_one_gx_context(monkeypatch):
    # Counted where contexts are made, not at validate's helper: great_expectations'
    # get_context as validate calls it, and every data context constructed (GX may build
    # one of its own inside, which calls to validate.gx_context would not show).
    import great_expectations as gx
    from great_expectations.data_context.data_context.abstract_data_context import (
        AbstractDataContext,
    )

    asked, constructed = [], []
    real_get_context, real_init = gx.get_context, AbstractDataContext.__init__

    def get_context(*args, **kwargs):
        asked.append(kwargs.get("mode"))
        return real_get_context(*args, **kwargs)

    def init(self, *args, **kwargs):
        constructed.append(type(self).__name__)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(gx, "get_context", get_context)
    monkeypatch.setattr(AbstractDataContext, "__init__", init)
    result = validate.validate_returns(_sample_returns(), PROTOCOL, dt.date(2025, 4, 30))

    assert len(result.valid) > 0  # the accepted check ran too, in the same context
    assert asked == ["ephemeral"]
    assert constructed == ["EphemeralDataContext"]
