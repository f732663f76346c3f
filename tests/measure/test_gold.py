"""The gold questions in eval/gold.jsonl agree with the report they quote (eval-format.md).

Deliberately independent of qa_app's report parser, so a parser bug cannot hide a gold bug.
"""

import json
import re

import pytest
from support import GOLD, STOKE_REPORT

TYPES = {"number", "percent", "date", "person", "judgement", "yesno", "explanation", "list", "location", "unanswerable"}
KEYS = {"id", "question", "evidence", "paragraphs", "answer", "type", "answerable"}
NUMBERED = re.compile(r"^\s*(\d+)\.\s")
# Headings, bold section titles and tables end a numbered paragraph; blank lines do not (page breaks).
SECTION_BREAK = re.compile(r"^\s*(#|\*\*|\|)")


def _report_lines() -> list[str]:
    return STOKE_REPORT.read_text(encoding="utf-8").splitlines()


def _paragraph_of_each_line(lines: list[str]) -> list[int | None]:
    """The numbered paragraph each line belongs to (None outside numbered paragraphs), page breaks rejoined."""
    owners: list[int | None] = []
    current: int | None = None
    for line in lines:
        numbered = NUMBERED.match(line)
        if numbered:
            current = int(numbered.group(1))
        elif SECTION_BREAK.match(line):
            current = None
        owners.append(current if line.strip() else None)
    return owners


def _paragraph_texts(lines: list[str]) -> dict[int, list[str]]:
    paragraphs: dict[int, list[str]] = {}
    for line, owner in zip(lines, _paragraph_of_each_line(lines)):
        if owner is not None:
            paragraphs.setdefault(owner, []).append(line)
    return paragraphs


def _gold() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return _gold()


@pytest.fixture(scope="module")
def report_lines() -> list[str]:
    return _report_lines()


def test_every_line_is_a_json_object_with_the_documented_keys():
    for number, line in enumerate(GOLD.read_text(encoding="utf-8").splitlines(), start=1):
        record = json.loads(line)
        assert set(record) - {"doc"} == KEYS, f"line {number}: keys {sorted(record)}"
        assert record.get("doc") in (None, "stoke-on-trent-2015"), f"line {number}: doc {record['doc']!r}"


def test_ids_are_unique_and_there_are_enough_questions(gold):
    ids = [record["id"] for record in gold]
    assert len(ids) == len(set(ids))
    assert len(gold) >= 80


def test_types_are_from_the_allowed_set(gold):
    assert {record["type"] for record in gold} <= TYPES


def test_field_types(gold):
    for record in gold:
        assert isinstance(record["question"], str) and record["question"].strip(), record["id"]
        assert isinstance(record["evidence"], list), record["id"]
        assert all(isinstance(e, str) for e in record["evidence"]), record["id"]
        assert isinstance(record["paragraphs"], list), record["id"]
        assert all(type(p) is int for p in record["paragraphs"]), record["id"]
        assert record["answer"] is None or isinstance(record["answer"], str), record["id"]
        assert isinstance(record["answerable"], bool), record["id"]


def test_evidence_is_verbatim_within_one_line_of_the_report(gold, report_lines):
    for record in gold:
        for evidence in record["evidence"]:
            assert 40 <= len(evidence) <= 200, f"{record['id']}: {len(evidence)} characters: {evidence!r}"
            assert any(evidence in line for line in report_lines), f"{record['id']}: not in the report: {evidence!r}"


def test_answer_is_a_substring_of_some_evidence(gold):
    for record in gold:
        if record["answer"] is not None:
            assert any(record["answer"] in evidence for evidence in record["evidence"]), record["id"]


def test_answerable_questions_cite_one_to_three_pieces_of_evidence(gold):
    for record in gold:
        if record["answerable"]:
            assert 1 <= len(record["evidence"]) <= 3, record["id"]
            assert record["type"] != "unanswerable", record["id"]


def test_unanswerable_questions_have_no_evidence_paragraphs_or_answer(gold):
    unanswerable = [record for record in gold if not record["answerable"]]
    assert unanswerable, "the gold set should include questions the report does not answer"
    for record in unanswerable:
        assert record["type"] == "unanswerable", record["id"]
        assert record["evidence"] == [] and record["paragraphs"] == [] and record["answer"] is None, record["id"]


def test_each_listed_paragraph_holds_some_of_the_evidence(gold, report_lines):
    paragraphs = _paragraph_texts(report_lines)
    for record in gold:
        for number in record["paragraphs"]:
            assert number in paragraphs, f"{record['id']}: the report has no paragraph {number}"
            assert any(evidence in line for line in paragraphs[number] for evidence in record["evidence"]), (
                f"{record['id']}: no evidence lies in paragraph {number}"
            )


def test_evidence_found_only_inside_numbered_paragraphs_lists_one_of_them(gold, report_lines):
    # Otherwise a passage labelled with the right paragraph would not count as a hit.
    owners = _paragraph_of_each_line(report_lines)
    for record in gold:
        for evidence in record["evidence"]:
            found_in = {owner for line, owner in zip(report_lines, owners) if evidence in line}
            if None not in found_in:
                assert found_in & set(record["paragraphs"]), (
                    f"{record['id']}: evidence from paragraph(s) {sorted(found_in)}, but paragraphs lists {record['paragraphs']}"
                )


def test_paragraph_scan_rejoins_page_broken_paragraphs(report_lines):
    paragraphs = _paragraph_texts(report_lines)
    assert any("need plans, thus keeping children safe." in line for line in paragraphs[30])
    assert any("58) in the number of complaints" in line for line in paragraphs[140])
    assert 142 in paragraphs and 168 in paragraphs
    assert set(range(1, 169)) <= set(paragraphs)
