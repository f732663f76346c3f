"""The three seams take outside parts through their registries: a toy Encoder, a toy Store and a toy Reader,
each a few lines, give an assistant that answers, with no model and no index files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from support import PARAGRAPHS, QUESTION, write_report

from qa_app.answer.registry import READERS
from qa_app.assistant import Assistant
from qa_app.config import ReaderKind, Runtime, Settings, StoreKind
from qa_app.ingest.corpus import read_report
from qa_app.ingest.sentences import split_sentences
from qa_app.records import Answer, Chunk, Citation, ConfidenceLevel
from qa_app.search.embedding import ENCODERS
from qa_app.search.store.factory import STORES

WORD = re.compile(r"\w+")


class ToyEncoder:
    """Hashed bags of words: texts that share words point the same way."""

    dimension, max_tokens, device_name, runtime_sha256 = 64, 512, "cpu", None

    def token_spans(self, text):
        return [m.span() for m in WORD.finditer(text)]

    def token_counts(self, texts):
        return [len(self.token_spans(t)) for t in texts]

    def encode(self, texts):
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in WORD.findall(text.lower()):
                rows[row, sum(map(ord, word)) % self.dimension] += 1.0
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


class ToyStore:
    """One report in memory, a window per block, scored by brute force."""

    common_words: frozenset[str] = frozenset()
    skipped: dict[str, str] = {}

    def __init__(self, report, encoder):
        self.reports, self.blocks = [report], list(report.paragraphs)
        self.chunks = [
            Chunk(f"{b.id}#w0", b.id, b.doc_id, b.number, b.section_path, b.judgement, b.kind, b.text, 0, len(b.text), 0)
            for b in self.blocks
        ]
        self.spans = {b.id: split_sentences(b.text) for b in self.blocks}
        self.owners = [b.id for b in self.blocks for _ in self.spans[b.id]]
        texts = [b.text[s:e] for b in self.blocks for s, e in self.spans[b.id]]
        self.chunk_vectors, self.sentence_vectors = encoder.encode([c.text for c in self.chunks]), encoder.encode(texts)

    def sentence_owners(self):
        return self.owners

    def sentences(self, block_id):
        rows = [i for i, owner in enumerate(self.owners) if owner == block_id]
        return self.spans[block_id], self.sentence_vectors[rows]

    def dense_scores(self, vector, allowed, depth):
        return np.where(allowed, self.chunk_vectors @ vector.ravel(), -np.inf).astype(np.float32)

    def sentence_scores(self, vector, allowed, depth):
        return np.where(allowed, self.sentence_vectors @ vector.ravel(), -np.inf).astype(np.float32)

    def lexical_scores(self, query, allowed, depth):
        words = set(WORD.findall(query.lower()))
        return np.array([len(words & set(WORD.findall(c.text.lower()))) for c in self.chunks], dtype=np.float32)


class ToyReader:
    """Answers with the first sentence of the best passage."""

    def read(self, question, hits, evidence):
        hit = hits[0]
        start, end = evidence.sentences(hit)[0][0]
        citation = Citation.of(hit, (start, end), (start, end), 1.0)
        return Answer(
            question,
            citation.quote,
            citation.quote,
            1.0,
            True,
            "Found.",
            (citation,),
            tuple(hits),
            confidence_level=ConfidenceLevel.HIGH,
        )


@pytest.fixture
def plugged(monkeypatch, tmp_path) -> Settings:
    """Settings whose runtime and store registries lead to the toy encoder and store."""
    corpus = write_report(tmp_path / "corpus")
    report = read_report((corpus / "tiny.md").read_bytes(), Path("tiny.md"))
    monkeypatch.setitem(ENCODERS, Runtime.TORCH, lambda source, device, cache_dir: ToyEncoder())
    monkeypatch.setitem(
        STORES, StoreKind.FILES, lambda settings, embedder, progress, rebuild, serve_previous: (ToyStore(report, embedder), "toy")
    )
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedding_runtime="torch", store="files")


def test_a_toy_encoder_store_and_reader_answer_through_the_registries(plugged, monkeypatch):
    monkeypatch.setitem(READERS, ReaderKind.SENTENCE, lambda settings, store: ToyReader())
    assistant = Assistant.load(plugged)
    assert isinstance(assistant.store, ToyStore) and isinstance(assistant.reader, ToyReader)
    assert isinstance(assistant.embedder.model, ToyEncoder)
    answer = assistant.ask(QUESTION)
    assert answer.answered and answer.answer == PARAGRAPHS[0]
    assert not Path(plugged.index_dir).exists()  # nothing was built or written


def test_the_sentence_reader_answers_from_a_toy_store_and_encoder(plugged):
    assistant = Assistant.load(plugged)
    hits = assistant.search("How long do early help cases stay open?", top_k=3)
    assert hits[0].paragraph == 2
    answer = assistant.ask("How long do early help cases stay open?")
    assert answer.citations and answer.citations[0].paragraph == 2
