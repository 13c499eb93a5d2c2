"""Sample stage: the seeded generator of the embedded synthetic survey exports (data/raw/).

Northmoor County Council is fictional. Every name, email address and organisation here is
made up: people are built from short lists of common first names and surnames, and email
addresses use the reserved ``.example`` top-level domain (RFC 2606), so nothing in the
repository is a real person's data.

Two halves, kept apart so that more platform layouts can be added from the same returns:

* :func:`generate_returns` (:mod:`.generator`) decides *what was answered*: ~100
  partnerships, each with a fixed "true" profile, and one to six officers per partnership
  who answer mostly in line with it, with the mess real returns have (name variants, money
  typed as text, blanks, odd case, a duplicate submission, a few values that validation must
  quarantine).
* ``write_<layout>`` functions (:mod:`.layouts`) decide *how a platform writes it* (header
  rows, platform columns, how multi-select answers are joined or spread, how times are
  stored, encoding), one per layout of survey-exports.md: :func:`write_ms_forms_xlsx` is the
  Microsoft Forms Excel download, :func:`write_export` picks any of ``LAYOUTS`` by name.
  Every layout holds the same answers as typed, so ingest must read each to the same
  returns table. Layouts never import the generator.

:func:`write_scaled_exports` (:mod:`.scaled`) writes any number of such returns (the
generator's blocks repeated, with new IDs, emails and slips in the names) for the
benchmarks, into a temporary folder, never under ``data/raw/``.

:func:`write_sample` (:mod:`.years`) writes the chosen layouts under ``data/raw/<year>/``
(the committed sample is the Microsoft Forms download alone) byte-identically on every run:
the generator never reads the clock, CSV goes through the csv module, and the XLSX zip is
rewritten with fixed times (:mod:`.files`).
"""

from pipeline.sample.generator import EMAIL_DOMAIN, generate_returns
from pipeline.sample.layouts import (
    LAYOUTS,
    export_name,
    write_export,
    write_google_forms_csv,
    write_ms_forms_csv,
    write_ms_forms_xlsx,
    write_plain_csv,
    write_qualtrics_csv,
    write_qualtrics_numeric_csv,
    write_qualtrics_split_csv,
    write_smartsurvey_csv,
    write_smartsurvey_xlsx,
    write_surveymonkey_csv,
    write_surveymonkey_xlsx,
    write_utf16_tsv,
)
from pipeline.sample.returns import Answer, SampleReturn
from pipeline.sample.scaled import scaled_returns, write_scaled_exports
from pipeline.sample.years import (
    BASE_YEAR,
    SAMPLE_YEARS,
    copy_sample_root,
    previous_year_returns,
    sample_returns,
    write_sample,
)

__all__ = [
    "copy_sample_root",
    "BASE_YEAR",
    "EMAIL_DOMAIN",
    "LAYOUTS",
    "SAMPLE_YEARS",
    "Answer",
    "SampleReturn",
    "export_name",
    "generate_returns",
    "previous_year_returns",
    "sample_returns",
    "scaled_returns",
    "write_export",
    "write_google_forms_csv",
    "write_ms_forms_csv",
    "write_ms_forms_xlsx",
    "write_plain_csv",
    "write_qualtrics_csv",
    "write_qualtrics_numeric_csv",
    "write_qualtrics_split_csv",
    "write_sample",
    "write_scaled_exports",
    "write_smartsurvey_csv",
    "write_smartsurvey_xlsx",
    "write_surveymonkey_csv",
    "write_surveymonkey_xlsx",
    "write_utf16_tsv",
]
