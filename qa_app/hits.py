"""Search results and answers: the records every caller (Python, CLI, HTTP) receives."""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import to_dict


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
        )

    def to_dict(self) -> dict:
        return to_dict(self)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str | None  # shortest verbatim span that answers; None when the report does not answer
    sentence: str | None  # the sentence(s) containing it
    confidence: float  # in [0, 1], comparable across questions
    answered: bool
    message: str  # e.g. "The report does not appear to answer this."
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return to_dict(self)
