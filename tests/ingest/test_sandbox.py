"""Reports parsed in a capped worker process: bombs cost a one-sentence refusal, never the caller, and a
real report comes back exactly as the in-process reader reads it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from support_pdf import inflating_pdf, many_pages_pdf, text_pdf

from qa_app.config import Settings
from qa_app.errors import ReportError
from qa_app.ingest.corpus import read_report
from qa_app.ingest.limits import ParseLimits, inflated_size
from qa_app.ingest.sandbox import ReportParser
from qa_app.ingest.uploads import store_uploads

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KNOWSLEY = FIXTURES / "ofsted" / "knowsley-2021-12-03.pdf"
STOKE = Path(__file__).resolve().parents[2] / "corpus" / "stoke-on-trent-2015.md"
LIMITS = ParseLimits.from_settings(Settings())


@pytest.fixture(scope="module")
def parser():
    with ReportParser(LIMITS) as p:
        yield p


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return inflating_pdf(64)  # 64 MB of page content in about 64 KB


@pytest.mark.parametrize("path", [KNOWSLEY, STOKE])
def test_a_report_parsed_in_the_worker_is_the_report_parsed_here(parser, path):
    data = path.read_bytes()
    assert parser.read(data, path) == read_report(data, path)


def test_inflated_size_counts_what_a_flate_stream_expands_to_and_stops_past_the_cap(bomb):
    assert inflated_size(bomb, 2**40) == 64 * 2**20
    assert 8 * 2**20 < inflated_size(bomb, 8 * 2**20) < 9 * 2**20
    assert inflated_size(text_pdf(["plain text"]), 2**40) == 0  # a stream that is not compressed counts nothing


def test_a_decompression_bomb_is_refused_before_it_is_rendered(parser, bomb):
    small = dataclasses.replace(LIMITS, max_inflated_mb=16)
    with ReportParser(small) as capped, pytest.raises(ReportError) as refused:
        capped.read(bomb, Path("bomb.pdf"))
    assert str(refused.value).startswith("bomb.pdf holds more than 16 MB of compressed content")
    assert "QA_MAX_INFLATED_MB" in str(refused.value)


def test_a_bomb_past_the_memory_cap_kills_only_the_worker_which_starts_again(bomb):
    uncapped = dataclasses.replace(LIMITS, max_inflated_mb=10_000, memory_mb=160)
    with ReportParser(uncapped) as capped:
        with pytest.raises(ReportError, match="could not be read within 160 MB of memory"):
            capped.read(inflating_pdf(512), Path("bomb.pdf"))
        assert capped.read(STOKE.read_bytes(), STOKE).doc_id == "stoke-on-trent-2015"


def test_a_2000_page_pdf_is_refused_by_its_page_count(parser):
    with pytest.raises(ReportError, match=r"pages\.pdf has 2,000 pages, over the 300-page limit"):
        parser.read(many_pages_pdf(2000), Path("pages.pdf"))


def test_markdown_of_100k_paragraphs_is_refused_by_its_paragraph_count(parser):
    paragraph = b"A paragraph of text about the council's services for children and their families.\n\n"
    data = b"# Inspection of Anytown children's services\n\n" + paragraph * 125_000  # 11 MB
    with pytest.raises(ReportError, match=r"huge\.md has over 3,000 paragraphs"):
        parser.read(data, Path("huge.md"))


def test_a_report_over_its_time_is_refused_and_the_worker_replaced():
    hurried = dataclasses.replace(LIMITS, timeout_s=0.001)
    with ReportParser(hurried) as parser:
        with pytest.raises(ReportError, match=r"knowsley\.pdf took over 0\.001 s to read"):
            parser.read(KNOWSLEY.read_bytes(), Path("knowsley.pdf"))
    assert parser._worker is None


def test_one_worker_reads_a_whole_batch(parser):
    parser.read(STOKE.read_bytes(), STOKE)
    worker = parser._worker
    with pytest.raises(ReportError):
        parser.read(b"not a pdf", Path("x.pdf"))
    parser.read(KNOWSLEY.read_bytes(), KNOWSLEY)
    assert parser._worker is worker and worker.poll() is None


def test_a_batch_naming_one_upload_many_times_parses_and_stores_it_once(tmp_path):
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    settings.corpus_dir.mkdir()
    data = KNOWSLEY.read_bytes()
    outcomes = store_uploads([("knowsley.pdf", data)] * 5, settings)
    assert [o.doc_id for o in outcomes] == ["knowsley", None, None, None, None]
    assert outcomes[1].error == "knowsley.pdf is the same file as knowsley.pdf in this batch; it is added once."
    assert [p.name for p in settings.corpus_dir.iterdir() if not p.name.startswith(".")] == ["knowsley.pdf"]
