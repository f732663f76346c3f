"""Reports added from the browser: safe names, every refusal before anything is written, atomic stores,
one doc_id per report across suffixes, and removal that keeps the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support_pdf import text_pdf

from qa_app.config import Settings
from qa_app.errors import ReportError
from qa_app.ingest import uploads
from qa_app.ingest.corpus import report_paths
from qa_app.ingest.uploads import (
    REMOVED,
    UploadOutcome,
    check_upload,
    remove_report,
    safe_report_name,
    store_report,
    store_uploads,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KNOWSLEY = FIXTURES / "ofsted" / "knowsley-2021-12-03.pdf"
# Each names its inspection framework in its title, as an upload must.
TINY = b"# Inspection of Tiny council children's services\n\n## Findings\n\n1. The council had 620 children looked after.\n"
OTHER = b"# Inspection of Other council children's services\n\n## Findings\n\n1. Early help cases stay open for 14 weeks.\n"
HTML = b"<!DOCTYPE html>\n<html><body>Sign in to download this report</body></html>"


@pytest.fixture
def settings(tmp_path) -> Settings:
    (tmp_path / "corpus").mkdir()
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    "filename, stored",
    [
        ("knowsley-2021-12-03.pdf", "knowsley-2021-12-03.pdf"),
        ("Report (final).PDF", "report-final.pdf"),
        ("../../etc/x.pdf", "x.pdf"),
        ("C:\\Users\\Ann\\Downloads\\Norfolk 2015.md", "norfolk-2015.md"),
        ("/home/ann/.reports/.hidden.md", "hidden.md"),
        ("Café Crème – 2019.md", "cafe-creme-2019.md"),
        ("ＫＮＯＷＳＬＥＹ.pdf", "knowsley.pdf"),  # full-width letters
        ("Straße.md", "strasse.md"),
        ("--a__b--.md", "a-b.md"),
        ("  spaced.pdf  ", "spaced.pdf"),
        ("x" * 200 + ".pdf", "x" * 80 + ".pdf"),
    ],
)
def test_an_upload_is_stored_under_its_base_name_reduced_to_plain_letters(filename, stored):
    assert safe_report_name(filename) == stored


@pytest.mark.parametrize(
    "filename, problem",
    [
        ("report.docx", "report.docx is not a PDF or Markdown file"),
        ("report", "report is not a PDF or Markdown file"),
        ("report.pdf.exe", "not a PDF or Markdown file"),
        ("../..", "not a PDF or Markdown file"),
        (".pdf", "has no letters or digits"),
        ("报告.pdf", "报告.pdf has no letters or digits in its name; rename it"),
        ("(((.md", "has no letters or digits"),
    ],
)
def test_a_name_that_cannot_name_a_report_is_refused(filename, problem):
    with pytest.raises(ReportError, match=problem):
        safe_report_name(filename)


# ---------------------------------------------------------------- checks


def test_a_published_pdf_is_read_before_it_is_stored(settings):
    report = check_upload("Knowsley 2021.PDF", KNOWSLEY.read_bytes(), settings)
    assert report.doc_id == "knowsley-2021" and report.framework == "ILACS"
    assert list(settings.corpus_dir.iterdir()) == []


def test_a_markdown_report_is_read_under_its_safe_name(settings):
    report = check_upload("Tiny Council.md", TINY, settings)
    assert report.doc_id == "tiny-council" and report.paragraph(1).id == "tiny-council:p1"


def _knowsley_half() -> bytes:
    data = KNOWSLEY.read_bytes()
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "filename, data, problem",
    [
        ("notes.docx", lambda: TINY, "notes.docx is not a PDF or Markdown file"),
        ("empty.pdf", lambda: b"", "empty.pdf is empty; choose the report's file again"),
        ("blank.md", lambda: b" \n\n ", "blank.md is empty"),
        ("Report (final).pdf", lambda: HTML, "report-final.pdf is an HTML page, not a PDF"),
        ("bytes.pdf", lambda: b"PK\x03\x04 a zip archive", "bytes.pdf is a ZIP archive .*, not a PDF"),
        ("image.md", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.md is a binary file"),
        ("latin.md", lambda: "# Rapport\n\n1. Café crème.\n".encode("latin-1"), "latin.md is not UTF-8"),
        ("prose.md", lambda: b"# Title\n\nNo numbered paragraphs.\n", "prose.md has no numbered paragraphs"),
        ("locked.pdf", lambda: (FIXTURES / "bad" / "password-protected.pdf").read_bytes(), "is password-protected"),
        ("scan.pdf", lambda: text_pdf([]), "scan.pdf has no text layer"),
        ("cut.pdf", _knowsley_half, "cut.pdf is truncated"),
        (
            "minutes.pdf",
            lambda: text_pdf([f"{i}. The parish council agreed item {i} of the agenda." for i in range(1, 9)]),
            "minutes.pdf is a PDF, but not an Ofsted children's services inspection report",
        ),
    ],
)
def test_a_bad_upload_is_refused_in_one_sentence_naming_the_file(settings, filename, data, problem):
    with pytest.raises(ReportError, match=problem):
        check_upload(filename, data(), settings)


def test_a_text_file_named_pdf_is_called_a_text_file_and_told_to_be_named_md(settings):
    with pytest.raises(ReportError) as refused:
        check_upload("notes.pdf", b"# Notes\n\n1. Written in a text editor.\n", settings)
    message = str(refused.value)
    assert message.startswith("notes.pdf is a text file, not a PDF, though it is named .pdf; ")
    assert "name it .md" in message and "holds a PDF" not in message


def test_an_image_named_pdf_is_called_an_image(settings):
    with pytest.raises(ReportError, match=r"^photo.pdf is an image, not a PDF, .*download the report's PDF"):
        check_upload("photo.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", settings)


def test_a_pdf_with_no_numbered_paragraphs_is_not_told_to_number_them(settings):
    letter = text_pdf(["Dear parents, the school will close early on Friday for staff training."] * 6)
    with pytest.raises(ReportError) as refused:
        check_upload("letter.pdf", letter, settings)
    message = str(refused.value)
    assert message.startswith("letter.pdf is a PDF with no numbered paragraphs: not an Ofsted inspection report; ")
    assert "number the paragraphs" not in message


def test_markdown_with_no_numbered_paragraphs_is_told_to_number_them(settings):
    with pytest.raises(ReportError, match=r'prose.md has no numbered paragraphs \("1. text"\); number the paragraphs'):
        check_upload("prose.md", b"# Title\n\nNo numbered paragraphs.\n", settings)


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(settings):
    data = b"%PDF-1.7\n" + b"0" * 300_000
    with pytest.raises(ReportError, match=r"^big.pdf is 0.3 MB, over the 0.25 MB limit for one report; .*QA_MAX_UPLOAD_MB"):
        check_upload("big.pdf", data, settings.replace(max_upload_mb=0.25))


def test_an_html_page_named_pdf_is_refused_and_nothing_is_written(settings):
    [outcome] = store_uploads([("knowsley.pdf", HTML)], settings)
    assert outcome.doc_id is None and outcome.path is None
    assert outcome.error.startswith("knowsley.pdf is an HTML page, not a PDF")
    assert listing(settings.corpus_dir) == {}


def test_one_bad_file_in_a_batch_does_not_stop_the_others(settings):
    outcomes = store_uploads([("Tiny.md", TINY), ("page.pdf", HTML), ("Other.md", OTHER)], settings)
    corpus = settings.corpus_dir
    assert outcomes[0] == UploadOutcome("Tiny.md", "tiny", corpus / "tiny.md")
    assert outcomes[1].filename == "page.pdf" and "not a PDF" in outcomes[1].error
    assert outcomes[2] == UploadOutcome("Other.md", "other", corpus / "other.md")
    assert [p.name for p in report_paths(corpus)] == ["other.md", "tiny.md"]


# ---------------------------------------------------------------- storing


def test_a_report_is_written_under_a_dot_file_and_renamed_into_place(settings, monkeypatch):
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(uploads.os, "replace", lambda src, dst: (renames.append((Path(src), Path(dst))), real_replace(src, dst)))
    path = store_report(settings.corpus_dir, "Tiny.md", TINY)
    [(partial, target)] = renames
    assert partial.parent == settings.corpus_dir and partial.name.startswith(".")
    assert target == path == settings.corpus_dir / "tiny.md" and path.read_bytes() == TINY
    assert [p.name for p in report_paths(settings.corpus_dir)] == ["tiny.md"]
    assert not partial.exists()


def test_a_write_that_fails_leaves_the_corpus_as_it_was(settings, monkeypatch):
    store_report(settings.corpus_dir, "other.md", OTHER)
    before = listing(settings.corpus_dir)

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(uploads.os, "replace", full_disk)
    with pytest.raises(
        ReportError,
        match=r"tiny.md cannot be written into .* \(No space left on device\); check that it is writable and has space",
    ):
        store_report(settings.corpus_dir, "tiny.md", TINY)
    assert listing(settings.corpus_dir) == before


def test_the_same_report_again_is_already_loaded(settings):
    store_report(settings.corpus_dir, "tiny.md", TINY)
    before = listing(settings.corpus_dir)
    with pytest.raises(ReportError, match=r"^Tiny\.md is already loaded, as tiny\.md\.$"):
        store_report(settings.corpus_dir, "Tiny.md", TINY)
    assert listing(settings.corpus_dir) == before


@pytest.mark.parametrize("filename", ["tiny.md", "TINY.pdf"])
def test_a_different_report_with_a_loaded_doc_id_is_refused_in_either_suffix(settings, filename):
    store_report(settings.corpus_dir, "tiny.md", TINY)
    before = listing(settings.corpus_dir)
    with pytest.raises(
        ReportError,
        match=f"A different report named tiny.md is already loaded; remove it first, or rename {filename} before adding it",
    ):
        store_report(settings.corpus_dir, filename, OTHER)
    assert listing(settings.corpus_dir) == before


def test_storing_into_a_missing_corpus_folder_says_so(tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        store_report(tmp_path / "nowhere", "tiny.md", TINY)


# ---------------------------------------------------------------- removing


def test_a_removed_report_is_moved_under_the_index_folder_not_deleted(settings):
    store_report(settings.corpus_dir, "tiny.md", TINY)
    store_report(settings.corpus_dir, "other.md", OTHER)
    moved = remove_report(settings.corpus_dir, settings.index_dir, "tiny")
    assert moved == settings.index_dir / REMOVED / "tiny.md" and moved.read_bytes() == TINY
    assert [p.name for p in report_paths(settings.corpus_dir)] == ["other.md"]


def test_a_report_removed_twice_keeps_both_copies(settings):
    store_report(settings.corpus_dir, "other.md", OTHER)
    store_report(settings.corpus_dir, "tiny.md", TINY)
    first = remove_report(settings.corpus_dir, settings.index_dir, "tiny")
    store_report(settings.corpus_dir, "tiny.md", TINY.replace(b"620", b"630"))
    second = remove_report(settings.corpus_dir, settings.index_dir, "tiny")
    assert (first.name, second.name) == ("tiny.md", "tiny-2.md")
    assert first.read_bytes() == TINY and b"630" in second.read_bytes()


@pytest.mark.parametrize("doc_id", ["nothing", "../corpus/tiny", "/etc/passwd", "tiny.md", ".", ""])
def test_removing_a_report_that_is_not_loaded_is_refused(settings, doc_id):
    store_report(settings.corpus_dir, "tiny.md", TINY)
    store_report(settings.corpus_dir, "other.md", OTHER)
    before = listing(settings.corpus_dir)
    with pytest.raises(ReportError, match="is loaded in .*; choose one from the report list"):
        remove_report(settings.corpus_dir, settings.index_dir, doc_id)
    assert listing(settings.corpus_dir) == before and not (settings.index_dir / REMOVED).exists()


def test_the_only_report_is_not_removed(settings):
    store_report(settings.corpus_dir, "tiny.md", TINY)
    with pytest.raises(ReportError, match="tiny is the only report loaded"):
        remove_report(settings.corpus_dir, settings.index_dir, "tiny")
    assert [p.name for p in report_paths(settings.corpus_dir)] == ["tiny.md"]


# ---------------------------------------------------------------- copies and look-alikes


def test_the_same_bytes_under_a_new_name_are_refused_naming_the_report_they_copy(settings):
    store_report(settings.corpus_dir, "darlington-2018-05-21.pdf", KNOWSLEY.read_bytes())
    with pytest.raises(ReportError) as refused:
        store_report(settings.corpus_dir, "darlington-copy.pdf", KNOWSLEY.read_bytes())
    assert str(refused.value) == (
        "darlington-copy.pdf has the same contents as darlington-2018-05-21.pdf, which is already loaded."
    )
    assert [p.name for p in report_paths(settings.corpus_dir)] == ["darlington-2018-05-21.pdf"]


def test_markdown_that_is_not_an_inspection_report_is_refused_like_a_pdf(settings):
    minutes = b"# Minutes of the parish council\n\n1. The meeting opened at 7pm.\n\n2. Apologies were received.\n"
    [outcome] = store_uploads([("minutes.md", minutes)], settings)
    assert outcome.doc_id is None
    assert outcome.error.startswith("minutes.md is a Markdown file, but not an Ofsted children's services inspection report")
    assert list(settings.corpus_dir.iterdir()) == []
