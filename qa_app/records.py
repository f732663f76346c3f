"""The records that cross stages: report blocks, chunks, hits and answers, with JSON-ready dicts.

Every stage may import this module; it imports no stage. Offsets are half-open [start, end) positions
into the text they sit next to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


def to_dict(record: Any) -> dict[str, Any]:
    """A plain, JSON-serialisable dict of a dataclass record (tuples become lists)."""
    return _plain(dataclasses.asdict(record))


class Record:
    """Base of the frozen dataclass records: each gives itself as a JSON-ready dict."""

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)


class ConfidenceLevel(StrEnum):
    """How an answer's confidence is shown: a measured promise of how often answers at that level are right."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------- reports


def paragraph_count(blocks: Iterable[Block]) -> int:
    """The report's paragraphs as inspectors count them: the numbered ones (the page, console and API say this)."""
    return sum(block.number is not None for block in blocks)


@dataclass(frozen=True)
class Block(Record):
    """One unit of a report: a numbered paragraph, a bullet, a summary paragraph, a table row ..."""

    id: str  # stable: "<doc_id>:p<number>" for numbered paragraphs, "<doc_id>:b<ordinal>" otherwise
    doc_id: str  # file name without extension
    doc_title: str
    number: int | None  # the report's paragraph number, None for unnumbered blocks
    section_path: str  # "The local authority > ... > Inspection findings"
    judgement: str | None  # graded judgement in force for the section, e.g. "Requires improvement"
    kind: str  # finding, recommendation, summary, statistic, bullet, table, footnote, title, text
    text: str  # clean text: markup removed, page-broken paragraphs rejoined
    start: int  # half-open character span [start, end) in the source: the file, or a PDF's rendered text
    end: int
    cites: tuple[int, ...] = ()  # paragraph numbers this block refers to, e.g. "(paragraph 127)"
    cited_by: tuple[int, ...] = ()  # numbers of the paragraphs that cite this one
    page: int | None = None  # the PDF page the block starts on; None for markdown, which has no pages


@dataclass(frozen=True)
class Report(Record):
    doc_id: str
    title: str
    path: str
    sha256: str
    paragraphs: tuple[Block, ...]  # every block in reading order, numbered or not
    # Facts the report states about itself (see facts.py); None where it does not state them.
    authority: str | None = None  # as the report writes it: "Cheshire West and Chester"
    framework: str | None = None  # "SIF with LSCB review", "SIF", "SIF re-inspection", "ILACS (2018-19 template)", "ILACS"
    inspection_dates: str | None = None  # as written: "11 to 22 October 2021"
    published: str | None = None  # ISO date
    lead_inspector: str | None = None
    judgements: dict[str, str] = field(default_factory=dict)  # area -> grade, in the report's order and words
    overall: str | None = None  # the overall effectiveness grade
    pages: int | None = None  # pages of a PDF report

    def paragraph(self, number: int) -> Block:
        """The numbered paragraph; KeyError names the report when there is none."""
        for block in self.paragraphs:
            if block.number == number:
                return block
        raise KeyError(f"{self.doc_id} has no paragraph {number}")


# ---------------------------------------------------------------- chunks


@dataclass(frozen=True)
class Chunk(Record):
    id: str  # "<block_id>#w<window>"
    block_id: str
    doc_id: str
    paragraph: int | None
    section_path: str
    judgement: str | None
    kind: str
    text: str
    start: int  # half-open [start, end) into the block's text
    end: int
    window: int  # 0 for the first (or only) window


# ---------------------------------------------------------------- hits and answers


@dataclass(frozen=True)
class Hit(Record):
    """One paragraph found by search; windows of one paragraph collapse into one hit."""

    doc_id: str
    doc_title: str
    block_id: str
    paragraph: int | None
    section_path: str
    judgement: str | None
    kind: str
    text: str  # the whole paragraph
    score: float  # retrieval score, higher is better (0-1 in hybrid search)
    window_start: int = 0  # the best window, half-open into text
    window_end: int = 0
    cites: tuple[int, ...] = ()
    cited_by: tuple[int, ...] = ()
    authority: str | None = None  # the report's facts, so a hit among many reports says where it is from
    published: str | None = None
    page: int | None = None  # the PDF page the paragraph starts on, for "¶61, p. 23"
    # How close in meaning to the query, on the model's fixed cosine scale (not relative to the other hits,
    # as `score` is): what the page's match strength is read from. None for a paragraph asked for by number.
    similarity: float | None = None


@dataclass(frozen=True)
class Citation(Record):
    doc_id: str
    paragraph: int | None
    section_path: str
    judgement: str | None
    quote: str  # the supporting sentence, verbatim
    text: str  # the whole paragraph
    quote_start: int  # half-open offsets into text
    quote_end: int
    answer_start: int | None  # half-open offsets into text; None when no short span
    answer_end: int | None
    score: float
    authority: str | None = None
    published: str | None = None
    # What is cited, so an unnumbered block can be named by its kind and place ("Statistics · ... · p. 3").
    block_id: str = ""
    kind: str = ""
    page: int | None = None

    @classmethod
    def of(cls, hit: Hit, quote: tuple[int, int], answer: tuple[int, int] | None, score: float) -> Citation:
        """A citation of `hit`: the quoted sentence and, when there is one, the answer span, as offsets into its text."""
        return cls(
            doc_id=hit.doc_id,
            paragraph=hit.paragraph,
            section_path=hit.section_path,
            judgement=hit.judgement,
            quote=hit.text[quote[0] : quote[1]],
            text=hit.text,
            quote_start=quote[0],
            quote_end=quote[1],
            answer_start=answer[0] if answer else None,
            answer_end=answer[1] if answer else None,
            score=score,
            authority=hit.authority,
            published=hit.published,
            block_id=hit.block_id,
            kind=hit.kind,
            page=hit.page,
        )


@dataclass(frozen=True)
class Scope(Record):
    """The reports a question was answered from, and why: what the page shows as "Answering from: ..."."""

    doc_ids: tuple[str, ...]  # the reports searched; () when the question names only places not loaded
    label: str  # "Norfolk, 2015 inspection"
    named: tuple[str, ...] = ()  # the places the question names, as the gazetteer writes them
    missing: tuple[str, ...] = ()  # named places with no report loaded
    others: tuple[str, ...] = ()  # the named places' other reports, one click away
    source: str = "question"  # "question" (it names them), "filters" (the caller set them), "best match"
    query: str = ""  # the question as searched: without the words that chose the reports ("" when none did)


@dataclass(frozen=True)
class ReportSummary(Record):
    """One report as the report list shows it: its facts, without its blocks."""

    doc_id: str
    title: str
    label: str  # "Norfolk, 2015 inspection"
    authority: str | None
    framework: str | None
    inspection_dates: str | None
    published: str | None
    lead_inspector: str | None
    judgements: dict[str, str]
    overall: str | None
    pages: int | None
    paragraphs: int  # numbered paragraphs


@dataclass(frozen=True)
class Answer(Record):
    question: str
    answer: str | None  # shortest verbatim span that answers; None when the report does not answer
    sentence: str | None  # the sentence(s) containing it
    confidence: float  # in [0, 1]: the estimated chance that the answer is right
    answered: bool
    message: str  # e.g. "The report does not appear to answer this."
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = field(default_factory=tuple)
    scope: Scope | None = None  # the reports answered from; None when the corpus holds one report
    # "high", "medium" or "low": a measured promise (README, Quality) of how often answers at that level
    # are right; None when the assistant refuses. Below "medium" the page shows evidence, not an answer.
    confidence_level: ConfidenceLevel | None = None


@dataclass(frozen=True)
class Opening(Record):
    """A paragraph asked for by number ("¶65 of the Norfolk report"): where it is, or why it cannot be opened."""

    paragraph: int
    doc_id: str | None  # the report it was looked for in; None when the request names no loaded report
    label: str  # "Norfolk, 2023 inspection"; "" without a report
    block: Block | None = None  # the paragraph; None when it cannot be opened
    message: str = ""  # why not, in one sentence; "" when opened
