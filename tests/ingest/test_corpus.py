"""Reading reports: the bundled Ofsted report parsed as inspectors cite it, and bad input refused."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import STOKE_REPORT

from qa_app.errors import ReportError
from qa_app.ingest.corpus import load_corpus, load_report, read_report, summarize

SOURCE = STOKE_REPORT.read_text(encoding="utf-8")

HELP = "The local authority > The experiences and progress of children who need help and protection"
LOOKED_AFTER = "The local authority > The experiences and progress of children looked after and achieving permanence"
LEADERSHIP = "The local authority > Leadership, management and governance"
LSCB = "The Local Safeguarding Children Board"
RI = "Requires improvement"


@pytest.fixture(scope="module")
def report():
    return load_report(STOKE_REPORT)


def _source_paragraphs() -> dict[int, int]:
    """Line index of each "N. " paragraph in the source, found without the parser."""
    lines = SOURCE.splitlines()
    return {int(m.group(1)): i for i, line in enumerate(lines) if (m := re.match(r"\s*(\d+)\. ", line))}


def _page_broken() -> dict[int, str]:
    """Paragraphs that stop mid-sentence, with the line that carries them on after the blank line."""
    lines = SOURCE.splitlines()
    broken = {}
    for number, i in _source_paragraphs().items():
        if not re.search(r"[.!?:;]['’)]*\s*$", lines[i]):
            following = next(line for line in lines[i + 1 :] if line.strip())
            broken[number] = following.strip().removeprefix("- ")
    return broken


# ---------------------------------------------------------------- paragraphs


def test_all_168_numbered_paragraphs_are_found_once_and_in_order(report):
    numbers = [b.number for b in report.paragraphs if b.number is not None]
    assert numbers == list(range(1, 169))


def test_each_paragraph_starts_where_the_report_starts_it(report):
    lines = SOURCE.splitlines()
    for number, i in _source_paragraphs().items():
        after_number = lines[i].strip().split(" ", 1)[1]
        assert report.paragraph(number).text.startswith(after_number[:60]), number


def test_indented_paragraphs_are_numbered_paragraphs(report):
    assert report.paragraph(142).text.startswith("An outcomes-based commissioning framework")
    assert report.paragraph(143).text.startswith("Stoke-on-Trent is an active and committed participant")


def test_every_page_broken_paragraph_is_found_in_the_source():
    expected = {20, 30, 35, 39, 44, 58, 69, 75, 81, 92, 97, 103, 107, 131, 136, 140, 153, 166}
    assert set(_page_broken()) == expected


@pytest.mark.parametrize("number, continuation", sorted(_page_broken().items()))
def test_page_broken_paragraph_is_rejoined(report, number, continuation):
    block = report.paragraph(number)
    assert block.text.endswith(continuation)
    assert not any(b.text.startswith(continuation[:40]) for b in report.paragraphs if b is not block)


def test_page_broken_paragraphs_read_as_one_sentence(report):
    assert "comprehensive children in need plans, thus keeping children safe." in report.paragraph(30).text
    assert "a dramatic decrease (85 to 58) in the number of complaints" in report.paragraph(140).text
    assert "by the Assistant Director. Inspectors found" in report.paragraph(136).text


def test_paragraph_span_is_the_paragraph_in_the_source(report):
    for block in report.paragraphs:
        if block.number is None:
            continue
        in_source = " ".join(SOURCE[block.start : block.end].split())
        if block.number == 140:  # its continuation line looks like a bullet: "- 58) in the number ..."
            in_source = in_source.replace("(85 to - 58)", "(85 to 58)")
        assert in_source == f"{block.number}. {block.text}"


def test_every_block_is_report_text_from_its_span(report):
    for block in report.paragraphs:
        span = SOURCE[block.start : block.end]
        for word in block.text.split():
            core = re.sub(r"^\W+|\W+$", "", word)
            assert core in span, (block.id, word)


def test_no_prose_block_starts_mid_sentence(report):
    for block in report.paragraphs:
        assert not block.text[0].islower(), block.id


# ---------------------------------------------------------------- sections and judgements


@pytest.mark.parametrize(
    "number, section_path, judgement, kind",
    [
        (1, "The local authority > Recommendations", None, "recommendation"),
        (14, "The local authority > Recommendations", None, "recommendation"),
        (15, f"{HELP} > Inspection findings", RI, "finding"),
        (51, f"{HELP} > Inspection findings", RI, "finding"),
        (52, f"{LOOKED_AFTER} > Inspection findings", RI, "finding"),
        (92, f"{LOOKED_AFTER} > Inspection findings", RI, "finding"),
        (123, f"{LEADERSHIP} > Inspection findings", RI, "finding"),
        (143, f"{LEADERSHIP} > Inspection findings", RI, "finding"),
        (144, f"{LSCB} > Recommendations", RI, "recommendation"),
        (150, f"{LSCB} > Recommendations", RI, "recommendation"),
        (151, f"{LSCB} > Inspection findings", RI, "finding"),
        (168, f"{LSCB} > Inspection findings", RI, "finding"),
    ],
)
def test_paragraph_sits_in_its_section_with_its_judgement(report, number, section_path, judgement, kind):
    block = report.paragraph(number)
    assert (block.section_path, block.judgement, block.kind) == (section_path, judgement, kind)


@pytest.mark.parametrize("numbers, judgement", [(range(93, 106), "Good"), (range(106, 123), RI)])
def test_adoption_and_care_leaver_paragraphs_carry_their_own_judgement(report, numbers, judgement):
    for number in numbers:
        block = report.paragraph(number)
        assert block.judgement == judgement, number
        assert block.section_path.startswith(f"{LOOKED_AFTER} > Inspection findings > ")


def test_leadership_summary_is_read_from_its_html_table(report):
    summary = [b for b in report.paragraphs if b.section_path == f"{LEADERSHIP} > Summary"]
    assert len(summary) == 10
    assert {(b.kind, b.judgement) for b in summary} == {("summary", RI)}
    assert summary[0].text.startswith("Since the previous ‘adequate’ inspection judgement")
    assert SOURCE[summary[0].start : summary[0].end] == summary[0].text


def test_judgement_table_rows_give_each_graded_judgement(report):
    rows = {b.text for b in report.paragraphs if b.kind == "table"}
    assert rows == {
        "1. Children who need help and protection; Requires improvement",
        "2. Children looked after and achieving permanence; Requires improvement",
        "2.1 Adoption performance; Good",
        "2.2 Experiences and progress of care leavers; Requires improvement",
        "3. Leadership, management and governance; Requires improvement",
    }


def test_contents_table_is_not_content(report):
    assert not any(b.section_path.startswith("Contents") for b in report.paragraphs)
    assert not any("Summary for children and young people" in b.text for b in report.paragraphs)


def test_summaries_are_summary_blocks(report):
    executive = [b for b in report.paragraphs if b.section_path == "The local authority > Executive summary"]
    assert len(executive) == 17 and {b.kind for b in executive} == {"summary"}
    lscb = [b for b in report.paragraphs if b.section_path.startswith(LSCB) and b.number is None]
    assert {(b.kind, b.judgement) for b in lscb if b.kind != "judgement"} == {("summary", RI)}
    children = [b for b in report.paragraphs if b.section_path.endswith("Summary for children and young people")]
    assert len(children) == 11 and {b.kind for b in children} == {"bullet"}


def test_statistic_bullets_keep_their_sub_bullets(report):
    statistics = [b for b in report.paragraphs if b.kind == "statistic"]
    looked_after = next(b for b in statistics if "609 children are being looked after" in b.text)
    assert "Of this number, 234 (or 38.4%) live outside the local authority area." in looked_after.text
    assert "One child is an unaccompanied asylum-seeking child." in looked_after.text
    last_year = next(b for b in statistics if b.text.startswith("In the last 12 months:"))
    assert "there have been 29 adoptions; 26 children became subject of special guardianship orders" in last_year.text
    assert last_year.text.endswith("none are living in houses of multiple occupation.")  # across the page break


def test_footnotes_are_footnote_blocks_and_their_markers_leave_the_text(report):
    footnotes = [b for b in report.paragraphs if b.kind == "footnote"]
    assert [b.text.split()[0:3] for b in footnotes] == [
        ["Ofsted", "produces", "this"],
        ["The", "local", "authority"],
        ["These", "are", "residential"],
    ]
    assert footnotes[1].section_path == "The local authority > Information about this local authority area"
    assert any("residential special schools, of whom 100%" in b.text for b in report.paragraphs)


def test_no_page_furniture_in_any_record(report):
    for block in report.paragraphs:
        for furniture in ("---", "Piccadilly Gate", "M1 2WD", "<sup>", "<b>", "<p>", "|", "**"):
            assert furniture not in block.text, (block.id, furniture)
        assert "<sup>" not in block.section_path and "**" not in block.section_path


def test_inspection_details_are_kept_as_content(report):
    texts = [b.text for b in report.paragraphs]
    assert "Lead inspector: Peter McEntee HMI" in texts
    assert "The inspection team consisted of nine of Her Majesty's Inspectors (HMI) from Ofsted." in texts
    assert "Inspection date: 1/06/2015 – 25/06/2015" in texts


# ---------------------------------------------------------------- cross-references


def test_recommendations_point_to_their_paragraphs(report):
    assert report.paragraph(1).cites == (127,)
    assert report.paragraph(3).cites == (18, 28, 130)
    assert report.paragraph(10).cites == (32, 58)
    assert all(report.paragraph(n).cites for n in range(1, 15))


def test_paragraphs_know_the_recommendations_resting_on_them(report):
    assert 1 in report.paragraph(127).cited_by
    for number in (18, 28, 130):
        assert 3 in report.paragraph(number).cited_by
    for rec in range(1, 15):
        for cited in report.paragraph(rec).cites:
            assert rec in report.paragraph(cited).cited_by


# ---------------------------------------------------------------- records


def test_block_ids_are_unique_and_stable(report):
    ids = [b.id for b in report.paragraphs]
    assert len(ids) == len(set(ids))
    assert report.paragraph(65).id == "stoke-on-trent-2015:p65"
    assert [b.id for b in load_report(STOKE_REPORT).paragraphs] == ids


def test_report_names_its_document(report):
    assert report.doc_id == "stoke-on-trent-2015"
    assert report.title == "Stoke-on-Trent City Council"
    assert report.sha256 == hashlib.sha256(STOKE_REPORT.read_bytes()).hexdigest()
    assert {(b.doc_id, b.doc_title) for b in report.paragraphs} == {(report.doc_id, report.title)}
    record = report.to_dict()
    assert json.loads(json.dumps(record)) == record


def test_missing_paragraph_names_the_report(report):
    with pytest.raises(KeyError, match="stoke-on-trent-2015 has no paragraph 999"):
        report.paragraph(999)


def test_summary_counts_documents_paragraphs_and_kinds(report):
    chunks = [SimpleNamespace(text="a b"), SimpleNamespace(text="a b c")]
    summary = summarize([report], chunks, lambda text: len(text.split()))
    assert summary["documents"] == 1
    assert summary["paragraphs"] == 168
    assert summary["blocks_by_kind"]["recommendation"] == 21
    assert summary["blocks_by_kind"]["footnote"] == 3
    assert (summary["chunks"], summary["longest_chunk_tokens"]) == (2, 3)


# ---------------------------------------------------------------- other reports and bad input


TINY = "# Tiny report\n\n## Findings\n\n1. The first point.\n2. The second point rests on the first (paragraph 1).\n"


def _write(folder: Path, name: str, data: bytes | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_plain_markdown_with_a_title_and_numbered_paragraphs_is_a_report(tmp_path):
    report = load_report(_write(tmp_path / "corpus", "tiny.md", TINY), tmp_path / "corpus")
    assert (report.doc_id, report.title) == ("tiny", "Tiny report")
    assert [(b.number, b.section_path, b.kind) for b in report.paragraphs] == [
        (1, "Findings", "finding"),
        (2, "Findings", "finding"),
    ]
    assert report.paragraph(1).cited_by == (2,)


def test_a_report_read_from_its_bytes_is_the_report_loaded_from_its_file(tmp_path):
    path = _write(tmp_path / "corpus", "tiny.md", TINY)
    assert read_report(path.read_bytes(), path) == load_report(path, tmp_path / "corpus")


def test_each_report_in_the_corpus_stands_alone(tmp_path):
    corpus = tmp_path / "corpus"
    _write(corpus, "b-report.md", TINY)
    _write(corpus, "a-report.md", TINY.replace("Tiny", "Other"))
    reports = load_corpus(corpus)
    assert [r.doc_id for r in reports] == ["a-report", "b-report"]
    assert [r.paragraph(1).id for r in reports] == ["a-report:p1", "b-report:p1"]
    assert reports[0].paragraph(1).doc_title == "Other report"


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"", "is empty"),
        (b"  \n\n ", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
        ("# Rapport\n\n1. Café crème.\n".encode("latin-1"), "is not UTF-8"),
        (b"# Title\n\nJust prose, no numbered paragraphs.\n", "has no numbered paragraphs"),
        (b"# Title\n\n1. One.\n\n1. One again.\n", "more than once"),
    ],
)
def test_bad_report_gives_a_clear_error_naming_the_file(tmp_path, data, problem):
    path = _write(tmp_path / "corpus", "bad.md", data)
    with pytest.raises(ReportError, match=problem) as caught:
        load_report(path, tmp_path / "corpus")
    assert "bad.md" in str(caught.value)


def test_bad_report_stops_the_whole_corpus_naming_the_file(tmp_path):
    corpus = tmp_path / "corpus"
    _write(corpus, "good.md", TINY)
    _write(corpus, "worse.md", b"")
    with pytest.raises(ReportError, match="worse.md is empty"):
        load_corpus(corpus)


def test_path_outside_the_corpus_is_refused(tmp_path):
    outside = _write(tmp_path, "outside.md", TINY)
    (tmp_path / "corpus").mkdir()
    with pytest.raises(ReportError, match="outside the corpus folder"):
        load_report(tmp_path / "corpus" / ".." / "outside.md", tmp_path / "corpus")
    (tmp_path / "corpus" / "link.md").symlink_to(outside)
    with pytest.raises(ReportError, match="link.md is outside the corpus folder"):
        load_corpus(tmp_path / "corpus")


def test_missing_report_or_corpus_gives_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="nothing.md is not a report file"):
        load_report(tmp_path / "nothing.md")
    with pytest.raises(ReportError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match="holds no reports"):
        load_corpus(tmp_path / "empty")


def test_headings_that_state_a_grade_in_words_are_judgement_blocks(report):
    judgements = {b.text: b.judgement for b in report.paragraphs if b.kind == "judgement"}
    assert judgements == {
        "Children’s services in Stoke-on-Trent require improvement to be good": RI,
        "The graded judgement for adoption performance is that it is good": "Good",
        "The graded judgement about the experience and progress of care leavers is that it requires improvement": RI,
        "The Local Safeguarding Children Board requires improvement": RI,
    }
