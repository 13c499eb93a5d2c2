"""The sample generator's vocabulary: data/synthetic/ read strictly, labels from the protocol."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import paths, protocol, sample
from pipeline.errors import PipelineError
from pipeline.sample import labels, vocabulary


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    """A copy of data/synthetic/ that a test may break."""
    folder = tmp_path / "synthetic"
    shutil.copytree(paths.synthetic_dir(), folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_synthetic_dir_is_the_repositorys_whatever_the_root():
    assert paths.synthetic_dir() == paths.ROOT / "data" / "synthetic"
    assert sorted(p.name for p in paths.synthetic_dir().glob("*.yaml")) == [
        "answers.yaml",
        "catalogue.yaml",
        "defects.yaml",
        "labelled_names.yaml",
        "officers.yaml",
        "organisations.yaml",
        "snippets.yaml",
    ]


def test_every_data_file_says_it_is_synthetic():
    for path in paths.synthetic_dir().glob("*.yaml"):
        assert path.read_text(encoding="utf-8").startswith("# SYNTHETIC DATA"), path.name


def test_vocabulary_loads_the_catalogue_and_resolves_its_labels():
    words = vocabulary.load()

    resolved = labels.resolve_labels(words, protocol.load())

    assert 95 <= len(words.catalogue.partnerships) <= 110
    assert resolved.directorates["PH"] == "Public Health"
    assert resolved.risks == protocol.load().question("Q43").options


def test_vocabulary_rejects_an_unknown_key_naming_the_file_and_key(synthetic):
    _edit(
        synthetic / "catalogue.yaml", "cost: 2, external: 1,", "cost: 2, external: 1, colour: red,"
    )

    with pytest.raises(
        PipelineError, match=r"catalogue\.yaml: unknown key 'partnerships\[0\]\.colour'"
    ):
        vocabulary.load(synthetic)


def test_vocabulary_rejects_an_unknown_top_level_key(synthetic):
    with (synthetic / "snippets.yaml").open("a", encoding="utf-8") as handle:
        handle.write("jokes: [none]\n")

    with pytest.raises(PipelineError, match=r"snippets\.yaml: unknown key 'jokes'"):
        vocabulary.load(synthetic)


def test_vocabulary_rejects_a_missing_key_naming_the_file_and_key(synthetic):
    _edit(synthetic / "defects.yaml", "bad_email: 1", "")

    with pytest.raises(PipelineError, match=r"defects\.yaml: missing key 'bad_email'"):
        vocabulary.load(synthetic)


def test_vocabulary_rejects_a_code_that_points_nowhere(synthetic):
    _edit(synthetic / "catalogue.yaml", "partners: health", "partners: wellbeing")

    with pytest.raises(PipelineError, match=r"catalogue\.yaml: 'partnerships\[0\]\.partners'"):
        vocabulary.load(synthetic)


def test_labels_fail_when_the_protocol_no_longer_offers_an_answer(tmp_path):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    _edit(paths.protocol_file(tmp_path), "Twice a year,", "Twice yearly,")

    with pytest.raises(PipelineError, match=r"answers\.yaml Q19 'Twice a year'"):
        labels.resolve_labels(vocabulary.load(), protocol.load(tmp_path))


def test_generator_answers_with_the_protocols_labels(tmp_path):
    shutil.copytree(paths.config_dir(), paths.config_dir(tmp_path))
    _edit(paths.protocol_file(tmp_path), "      - Public Health\n", "      - Public Health Team\n")

    returns = sample.generate_returns(2025, protocol.load(tmp_path))

    directorates = {r.answers["Q4"] for r in returns}
    assert "Public Health Team" in directorates and "Public Health" not in directorates


def test_generator_plants_only_aliases_the_analyst_confirmed():
    with pytest.raises(PipelineError, match="config/aliases.yaml has no alias 'NCSP'"):
        sample.generate_returns(2025, protocol.load(), aliases={})
