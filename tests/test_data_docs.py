"""Data Docs (decision D26): the page and record 02_validate writes from a real GX run, on
the sample with hostile answers and an export whose file name is markup."""

import datetime as dt
import html
import json
import re
import shutil
from html.parser import HTMLParser

import pytest

from pipeline import council, data_docs, ingest, paths, protocol, sample, tables, validate
from pipeline.errors import PipelineError

PROTOCOL = protocol.load()
YEAR = 2025
CLOSING = dt.date(2025, 4, 30)
HOSTILE_FILE = '<img src=x onerror=alert(1)> & "Co\'s".xlsx'
SCRIPT = '<script>alert("docs")</script>'
LINK = "javascript:alert(1)"
QUOTES = 'Tom & "Jerry\'s" <b>bold</b>'
PARSE = "<svg onload=alert(2)>"


class _Page(HTMLParser):
    """Every start tag with its attributes, and the text a reader sees."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def _docs_files(root):
    return {p.name: p.read_bytes() for p in sorted(paths.data_docs_dir(YEAR, root).iterdir())}


def _validate_and_write(returns, root):
    result = validate.validate_returns(returns, PROTOCOL, CLOSING)
    validate.write_validation(result, CLOSING, YEAR, root, PROTOCOL, council.load())
    return result


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The sample's export renamed to markup, with markup typed as answers, validated twice
    by real GX: (root, returns, the first run's Data Docs files, the second run's)."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(paths.config_dir(), paths.config_dir(root))
    (export,) = sample.write_sample(YEAR, root=root)
    renamed = export.rename(export.with_name(HOSTILE_FILE))
    ingested = ingest.ingest_exports([renamed], PROTOCOL, YEAR)
    ingest.write_ingested(ingested, YEAR, root, PROTOCOL)
    returns = tables.read("returns", YEAR, root, PROTOCOL)
    single = [q.id for q in PROTOCOL.of_type("single") if not q.personal]
    for row, (qid, value) in enumerate(zip(single, (SCRIPT, LINK, QUOTES), strict=False)):
        returns.loc[row, qid] = value
    returns.loc[3, "parse_errors"] = f"{single[0]}: could not read '{PARSE}' as money"
    _validate_and_write(returns, root)
    first = _docs_files(root)
    _validate_and_write(returns, root)
    return root, returns, first, _docs_files(root)


def test_hostile_answers_and_file_names_are_shown_as_text_once_escaped(hostile):
    root, returns, first, _ = hostile
    raw = first["index.html"].decode("utf-8")
    page = _Page(raw)

    for typed in (SCRIPT, LINK, QUOTES, PARSE, returns.loc[0, "row_key"]):
        assert typed in page.text
    assert HOSTILE_FILE in returns.loc[0, "row_key"]
    assert "&lt;script&gt;" in raw and "&amp;lt;" not in raw  # escaped once, not twice
    for live in ("<script", "<img", "<svg", "<b>"):
        assert live not in raw
    assert not [name for _, attrs in page.tags for name in attrs if name.startswith("on")]
    links = {attrs["href"] for tag, attrs in page.tags if tag == "a"}
    assert links and all(re.fullmatch(r"#check-\d+|validation_result\.json", h) for h in links)


def test_the_page_loads_nothing_and_runs_nothing(hostile):
    _, _, first, _ = hostile
    raw = first["index.html"].decode("utf-8")
    page = _Page(raw)

    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "svg", "form"}
    assert not [attrs for _, attrs in page.tags if "src" in attrs]
    assert not re.search(r"https?://", raw)
    (policy,) = [
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policy.startswith("default-src 'none'")


def test_the_page_names_its_language_and_title_and_is_the_projects(hostile):
    _, _, first, _ = hostile
    raw = first["index.html"].decode("utf-8")

    assert raw.startswith('<!DOCTYPE html>\n<html lang="en-GB">')
    assert re.search(r"<title>Data Docs: validation of the 2025 survey returns</title>", raw)
    assert f'<meta name="generator" content="{data_docs.GENERATOR}">' in raw


def test_no_respondent_name_or_email_anywhere_under_data_docs(hostile, sample_returns):
    _, _, first, _ = hostile
    everything = "\n".join(content.decode("utf-8") for content in first.values()).casefold()
    people = set()
    for typed in sample_returns:
        people |= {typed.respondent_name, typed.respondent_email}
        people |= {typed.answers.get(qid) for qid in PROTOCOL.personal_ids}
    people = {str(p).strip().casefold() for p in people if isinstance(p, str) and p.strip()}

    assert len(people) > 50  # the sample's officers, by name and email
    assert not [person for person in people if person in everything]
    assert "@" + sample.EMAIL_DOMAIN not in everything


def test_two_validations_of_the_same_input_write_identical_bytes(hostile):
    _, _, first, second = hostile

    assert list(first) == ["index.html", "validation_result.json"]
    assert second == first


def test_every_expectation_is_on_the_page_in_words_with_its_result(hostile):
    root, _, first, _ = hostile
    text = " ".join(_Page(first["index.html"].decode("utf-8")).text.split())
    checks = validate.plan_table_checks(PROTOCOL) + validate.plan_checks(PROTOCOL, CLOSING)
    frequency = PROTOCOL.of_type("single")[0]

    for number, check in enumerate(checks, start=1):
        assert f"{number} {' '.join(check.description.split())}" in text
    assert f"value is one of: {'; '.join(frequency.options)}" in text
    assert "value matches the pattern: " + PROTOCOL.email_pattern in text
    summary = json.loads(tables.dq_summary_path(YEAR, root).read_text(encoding="utf-8"))
    assert f"quarantined ({summary['quarantined']} of {summary['rows_in']};" in text


def test_the_record_is_gxs_result_without_run_times_or_personal_values(hostile):
    _, returns, first, _ = hostile
    text = first["validation_result.json"].decode("utf-8")
    record = json.loads(text)
    email = PROTOCOL.id_of("respondent_email")
    addresses = returns[email].dropna()
    malformed = returns.loc[addresses.index[~addresses.str.contains(PROTOCOL.email_pattern)]]
    (checked,) = [
        r for r in record["results"] if r["expectation_config"]["kwargs"].get("column") == email
    ]

    assert not {"id", "run_id", "validation_time", "validation_id"} & {*record, *record["meta"]}
    assert "ge_load_time" not in record["meta"]["batch_markers"]
    assert record["meta"]["great_expectations_version"]
    assert set(checked["result"]) <= {*data_docs.COUNTS_ONLY, *data_docs.ROW_LISTS}
    assert checked["result"]["unexpected_index_list"] == [
        {"row_key": key} for key in malformed["row_key"]
    ]
    assert len(malformed) >= 1
    failing = [v for r in record["results"] for v in r["result"].get("unexpected_list", [])]
    assert "<" not in text and SCRIPT in failing  # kept, written as \u003c


def test_writing_data_docs_removes_an_older_gx_site(tmp_path):
    folder = paths.data_docs_dir(YEAR, tmp_path)
    (folder / "validations" / "run").mkdir(parents=True)
    (folder / "validations" / "run" / "page.html").write_text("nadia@northmoor", encoding="utf-8")
    (folder / "index.html").write_text("<script src='https://cdn'></script>", encoding="utf-8")
    context = data_docs.Context(YEAR, "2025-04-30", 0, 0, 0)

    written = data_docs.write_data_docs({"results": []}, context, tmp_path)

    assert sorted(folder.iterdir()) == sorted(written)
    assert "No row failed any expectation." in written[0].read_text(encoding="utf-8")


def test_the_report_links_only_to_02_validates_page(tmp_path):
    page = paths.data_docs_page(YEAR, tmp_path)
    with pytest.raises(PipelineError, match="index.html: not found; run 02_validate"):
        data_docs.read_linkable_page(YEAR, tmp_path)
    page.parent.mkdir(parents=True)
    page.write_text("<html><title>Great Expectations</title></html>", encoding="utf-8")
    with pytest.raises(PipelineError, match="not the page 02_validate writes"):
        data_docs.read_linkable_page(YEAR, tmp_path)

    data_docs.write_data_docs({}, data_docs.Context(YEAR, "2025-04-30", 0, 0, 0), tmp_path)

    assert data_docs.read_linkable_page(YEAR, tmp_path) == page


def test_arguments_are_put_in_words_without_gxs_wiring():
    kwargs = {"batch_id": "p-p", "column": "Q4", "value_set": ["A", "B & C"], "exact_match": False}

    words = data_docs.arguments_in_words(kwargs)

    assert words == [
        ("column", "Q4"),
        ("value is one of", "A; B & C"),
        ("no other columns allowed", "no"),
    ]


@pytest.mark.e2e
def test_report_links_to_the_data_docs_page_which_exists_and_holds_no_personal_data(
    shared_run,
):
    root = shared_run.root
    report = paths.report_html(YEAR, root)
    hrefs = re.findall(r'href="([^"#][^"]*)"', report.read_text(encoding="utf-8"))
    names = tables.read("returns", YEAR, root, PROTOCOL)[PROTOCOL.personal_ids].stack()

    docs = [h for h in hrefs if "data_docs" in h]
    assert docs == ["data_docs/index.html"]
    target = (report.parent / html.unescape(docs[0])).resolve()
    assert target == paths.data_docs_page(YEAR, root) and target.is_file()
    content = "\n".join(p.read_text(encoding="utf-8") for p in target.parent.iterdir())
    assert not [v for v in names.dropna().unique() if str(v) in content]
