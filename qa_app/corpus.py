"""Reading reports: markdown in `corpus/` -> blocks with paragraph number, section and judgement.

INTERFACE STUB: the ingestion work fills in the parsing; the records and signatures below are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .records import to_dict


@dataclass(frozen=True)
class Block:
    """One unit of a report: a numbered paragraph, a bullet, a summary paragraph, a table row ..."""

    id: str  # stable: "<doc_id>:p<number>" for numbered paragraphs, "<doc_id>:b<ordinal>" otherwise
    doc_id: str  # file name without extension
    doc_title: str
    number: int | None  # the report's paragraph number, None for unnumbered blocks
    section_path: str  # "The local authority > ... > Inspection findings"
    judgement: str | None  # graded judgement in force for the section, e.g. "Requires improvement"
    kind: str  # finding, recommendation, summary, statistic, table, footnote, text, ...
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
        raise NotImplementedError

    def to_dict(self) -> dict:
        return to_dict(self)


def load_report(path: str | Path, corpus_dir: str | Path | None = None) -> Report:
    """Parse one report; with corpus_dir, refuse any path that resolves outside it."""
    raise NotImplementedError


def load_corpus(corpus_dir: str | Path) -> list[Report]:
    """Every report (*.md) in the folder, sorted by doc_id; ReportError names any bad file."""
    raise NotImplementedError
