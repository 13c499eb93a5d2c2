"""The framework's plumbing: reproducible Word files, the year's sources and the atomic
`make framework` (each document family has its own test file)."""

import time
import zipfile

import docx
import pytest

from pipeline import framework, paths
from pipeline.errors import PipelineError
from pipeline.framework import files


def _document(text):
    document = docx.Document()
    document.add_heading(text, level=1)
    return document


def test_a_word_file_saved_twice_is_byte_identical(tmp_path):
    first = files.save_docx(_document("A"), tmp_path / "a.docx", title="T", author="Council")
    time.sleep(1.1)  # a zip's times have two-second steps: cross at least one
    second = files.save_docx(_document("A"), tmp_path / "b.docx", title="T", author="Council")

    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as saved:
        assert {info.date_time for info in saved.infolist()} == {files.ZIP_TIME}
    properties = docx.Document(first).core_properties
    assert (properties.title, properties.author) == ("T", "Council")
    assert properties.created == files.DOCUMENT_DATE


def test_different_words_give_a_different_file(tmp_path):
    first = files.save_docx(_document("A"), tmp_path / "a.docx", title="T", author="C")
    second = files.save_docx(_document("B"), tmp_path / "b.docx", title="T", author="C")

    assert first.read_bytes() != second.read_bytes()


def test_sources_without_a_run_have_no_tables(project_root):
    tmp_path = project_root

    sources = framework.Sources.load(tmp_path, 2025)

    assert sources.year == 2025
    assert sources.registry is None and sources.evaluation is None


def test_a_failed_framework_build_leaves_the_last_good_documents(project_root, monkeypatch):
    tmp_path = project_root
    published = paths.next_framework_dir(tmp_path)
    published.mkdir(parents=True)
    (published / "questionnaire.docx").write_text("last good", encoding="utf-8")

    def broken(sources, out):
        (out / "half.docx").write_text("half", encoding="utf-8")
        raise PipelineError("a document could not be written")

    monkeypatch.setattr(framework, "WRITERS", (broken,))
    with pytest.raises(PipelineError, match="could not be written"):
        framework.publish_framework(tmp_path, 2025)

    assert [p.name for p in published.iterdir()] == ["questionnaire.docx"]
    assert (published / "questionnaire.docx").read_text(encoding="utf-8") == "last good"
    assert [p.name for p in published.parent.iterdir()] == ["framework"]  # nothing left over


def test_sources_of_a_run_year_hold_its_registry_and_evaluation(sample_stages):
    sources = framework.Sources.load(sample_stages, 2025)

    assert sources.evaluation is not None and sources.registry is not None
    assert len(sources.evaluation) == len(sources.registry) > 0
    assert sources.evaluation["key_partnership"].any()


def test_publishing_replaces_the_documents_with_the_new_ones(project_root, monkeypatch):
    tmp_path = project_root
    published = paths.next_framework_dir(tmp_path)
    published.mkdir(parents=True)
    (published / "gone.txt").write_text("old", encoding="utf-8")

    def one(sources, out):
        return [files.write_text(f"survey {sources.year}\n", out / "one.txt")]

    monkeypatch.setattr(framework, "WRITERS", (one,))
    monkeypatch.setattr(framework, "DOCUMENTS", (("one.txt", "The one document."),))
    written = framework.publish_framework(tmp_path, 2025)

    assert written == [published / "index.html", published / "one.txt"]
    assert sorted(p.name for p in published.iterdir()) == ["index.html", "one.txt"]
    assert (published / "one.txt").read_text(encoding="utf-8") == "survey 2025\n"


def test_a_page_escapes_its_title_and_writes_a_tagged_pdf(tmp_path):
    import pikepdf

    from pipeline.framework import pages

    html = pages.page("Forms & <checklists>", pages.Markup("<h1>Forms</h1><p>Text</p>"))
    written = pages.write_page(html, tmp_path / "forms.html")

    assert "<title>Forms &amp; &lt;checklists&gt;</title>" in html
    assert '<html lang="en-GB">' in html and html.count("<main>") == 1
    assert [path.name for path in written] == ["forms.html", "forms.pdf"]
    with pikepdf.open(written[1]) as pdf:
        assert "/StructTreeRoot" in pdf.Root  # tagged, as the report's PDF
        assert str(pdf.Root.Lang) == "en-GB"
    assert (
        pages.write_page(html, tmp_path / "again.html")[1].read_bytes() == written[1].read_bytes()
    )


def test_the_index_lists_every_document_with_its_purpose_and_size(sample_stages, tmp_path):
    out = tmp_path / "framework"

    written = framework.write_framework(framework.Sources.load(sample_stages, 2025), out)

    index = (out / framework.INDEX).read_text(encoding="utf-8")
    documents = [path for path in written if path.name != framework.INDEX]
    assert out / framework.INDEX in written
    assert sorted(p for p in out.rglob("*") if p.is_file()) == written  # nothing unlisted
    for path in documents:
        relative = path.relative_to(out).as_posix()
        assert f'<a href="{relative}">{relative}</a>' in index
        assert f"{path.stat().st_size:,}</td>" in index
    assert "agreements/" in index and "pre-filled" in index
    assert index.count("<h1>") == 1


def test_a_document_the_index_cannot_describe_stops_the_write(project_root, tmp_path, monkeypatch):
    def odd(sources, out):
        return [files.write_text("x", out / "odd.bin")]

    monkeypatch.setattr(framework, "WRITERS", (odd,))
    with pytest.raises(PipelineError, match="odd.bin has no entry in pipeline/framework DOCUMENTS"):
        framework.write_framework(framework.Sources.load(project_root, 2025), tmp_path / "out")
