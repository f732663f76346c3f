"""What the parser makes of a corpus folder, without an index: every report, its chunks, the files skipped,
and counts of what was read and how it was cut (`python -m qa_app corpus`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from qa_app.config import Settings
from qa_app.errors import ReportError
from qa_app.ingest.chunking import chunk_corpus
from qa_app.ingest.corpus import load_report, report_paths, summarize
from qa_app.records import Chunk, Report
from qa_app.search.embedding import Embedder


@dataclass(frozen=True)
class ParsedCorpus:
    reports: list[Report]
    chunks: list[Chunk]
    skipped: dict[str, str]  # file name -> why it could not be read
    token_count: Callable[[str], int] = field(repr=False)  # the model's tokenizer, for the longest chunk

    def to_dict(self) -> dict:
        return {
            "reports": [r.to_dict() for r in self.reports],
            "chunks": [c.to_dict() for c in self.chunks],
            "skipped": self.skipped,
        }

    def summary(self) -> dict:
        """Counts of what was read and how it was cut."""
        return summarize(self.reports, self.chunks, self.token_count)


def parse_corpus(settings: Settings) -> ParsedCorpus:
    """Every report of the corpus folder parsed and chunked; as the index does, a report that cannot be
    read is named and skipped, and the others are kept."""
    reports, skipped = [], {}
    for path in report_paths(settings.corpus_dir):
        try:
            reports.append(load_report(path, settings.corpus_dir))
        except ReportError as error:
            skipped[path.name] = str(error)
    embedder = Embedder.from_settings(settings)
    chunks = chunk_corpus([b for r in reports for b in r.paragraphs], settings, embedder)
    return ParsedCorpus(reports, chunks, skipped, lambda text: len(embedder.token_spans(text)))
