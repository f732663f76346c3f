"""What is embedded and indexed of one report: its windows and sentences, each with the report's own
acronyms spelled out. One function, used by the index build, `python -m qa_app corpus` and
scripts/gpu_embed.py, so what they embed cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass

from qa_app.config import Settings
from qa_app.ingest.chunking import Tokenizer, chunk_corpus
from qa_app.ingest.sentences import split_sentences
from qa_app.records import Chunk, Report
from qa_app.search.acronyms import find_acronyms, spell_out


@dataclass(frozen=True)
class SegmentTexts:
    chunks: tuple[Chunk, ...]
    chunk_texts: tuple[str, ...]  # the windows as embedded and indexed: acronyms spelled out
    sentence_spans: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]  # (block id, sentence spans)
    sentence_texts: tuple[str, ...]  # every sentence as embedded, acronyms spelled out, in span order
    acronyms: dict[str, str]


def segment_texts(report: Report, settings: Settings, tokenizer: Tokenizer) -> SegmentTexts:
    """The report's windows (cut by the settings and the model's word pieces) and sentences, as embedded."""
    blocks = list(report.paragraphs)
    chunks = chunk_corpus(blocks, settings, tokenizer)
    sentence_spans = tuple((b.id, tuple(split_sentences(b.text))) for b in blocks)
    by_id = {b.id: b for b in blocks}
    # A report defines its own acronyms; embedder and BM25 both see each text with them spelled out.
    acronyms = find_acronyms([b.text for b in blocks])
    sentences = (by_id[block_id].text[s:e] for block_id, spans in sentence_spans for s, e in spans)
    return SegmentTexts(
        chunks=tuple(chunks),
        chunk_texts=tuple(spell_out(c.text, acronyms) for c in chunks),
        sentence_spans=sentence_spans,
        sentence_texts=tuple(spell_out(text, acronyms) for text in sentences),
        acronyms=acronyms,
    )
