"""The records that cross stages: report blocks, chunks, hits and answers, with JSON-ready dicts.

Every stage may import this module; it imports no stage. Offsets are half-open [start, end) positions
into the text they sit next to.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def to_dict(record: Any) -> dict[str, Any]:
    """A plain, JSON-serialisable dict of a dataclass record (tuples become lists)."""
    return _plain(dataclasses.asdict(record))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------- reports


@dataclass(frozen=True)
class Block:
    """One unit of a report: a numbered paragraph, a bullet, a summary paragraph, a table row ..."""

    id: str  # stable: "<doc_id>:p<number>" for numbered paragraphs, "<doc_id>:b<ordinal>" otherwise
    doc_id: str  # file name without extension
    doc_title: str
    number: int | None  # the report's paragraph number, None for unnumbered blocks
    section_path: str  # "The local authority > ... > Inspection findings"
    judgement: str | None  # graded judgement in force for the section, e.g. "Requires improvement"
    kind: str  # finding, recommendation, summary, statistic, bullet, table, footnote, title, text
    text: str  # clean text: markup removed, page-broken paragraphs rejoined
    start: int  # half-open character span [start, end) in the source file
    end: int
    cites: tuple[int, ...] = ()  # paragraph numbers this block refers to, e.g. "(paragraph 127)"
    cited_by: tuple[int, ...] = ()  # numbers of the paragraphs that cite this one

    def to_dict(self) -> dict:
        return to_dict(self)


@dataclass(frozen=True)
class Report:
    doc_id: str
    title: str
    path: str
    sha256: str
    paragraphs: tuple[Block, ...]  # every block in reading order, numbered or not

    def paragraph(self, number: int) -> Block:
        """The numbered paragraph; KeyError names the report when there is none."""
        for block in self.paragraphs:
            if block.number == number:
                return block
        raise KeyError(f"{self.doc_id} has no paragraph {number}")

    def to_dict(self) -> dict:
        return to_dict(self)


# ---------------------------------------------------------------- chunks


@dataclass(frozen=True)
class Chunk:
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

    def to_dict(self) -> dict:
        return to_dict(self)


# ---------------------------------------------------------------- hits and answers


@dataclass(frozen=True)
class Hit:
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
    page: int | None = None  # the page of the source document, where the format has pages

    def to_dict(self) -> dict:
        return to_dict(self)


@dataclass(frozen=True)
class Citation:
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
            quote=hit.text[quote[0]:quote[1]],
            text=hit.text,
            quote_start=quote[0],
            quote_end=quote[1],
            answer_start=answer[0] if answer else None,
            answer_end=answer[1] if answer else None,
            score=score,
            block_id=hit.block_id,
            kind=hit.kind,
            page=hit.page,
        )

    def to_dict(self) -> dict:
        return to_dict(self)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str | None  # shortest verbatim span that answers; None when the report does not answer
    sentence: str | None  # the sentence(s) containing it
    confidence: float  # in [0, 1]: the estimated chance that the answer is right
    answered: bool
    message: str  # e.g. "The report does not appear to answer this."
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = field(default_factory=tuple)
    # "high", "medium" or "low": a measured promise (README, Quality) of how often answers at that level
    # are right; None when the assistant refuses. Below "medium" the page shows evidence, not an answer.
    confidence_level: str | None = None

    def to_dict(self) -> dict:
        return to_dict(self)
