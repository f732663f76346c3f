"""`FileStore`: a build folder of the index read into memory, with exact or HNSW FAISS search for the dense
legs and bm25s for the lexical one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa_app.errors import IndexUnavailable
from qa_app.records import Block, Chunk, Report
from qa_app.search.index.manifest import COMMON_WORDS, HNSW_EF_SEARCH, REPORTS, Manifest
from qa_app.search.lexical import lexical_scores, load_lexical
from qa_app.search.segments import block_from_dict, read_jsonl
from qa_app.search.store.base import SentenceSpans

if TYPE_CHECKING:  # both load slowly; only the functions that need them import them
    import bm25s
    import faiss

# Up to this many rows every row is scored, so each paragraph's best sentence is known exactly
# rather than floored: returning all 10,000 costs 5.4 ms against 3.1 ms for the nearest 100, and
# on XQuAD (1,175 sentences) it moved hybrid R@1 from 0.950 to 0.954.
EXHAUSTIVE_ROWS = 10_000


@dataclass
class FileStore:
    """A loaded build: every record and index in memory; implements `Store`."""

    path: Path
    manifest: Manifest
    blocks: list[Block]
    chunks: list[Chunk]
    dense: faiss.Index  # over chunk vectors, row i = chunks[i]
    sentence_index: faiss.Index  # over sentence vectors, rows as sentence_vectors
    lexical: bm25s.BM25  # over chunk texts, doc i = chunks[i]
    sentence_rows: dict[str, tuple[SentenceSpans, slice]]  # block id -> spans, rows
    sentence_vectors: np.ndarray
    common_words: frozenset[str]  # capitalised somewhere, mostly lower case: not names (`vocabulary`)
    reports: list[Report] = field(default_factory=list)  # each with its facts and its blocks, in doc_id order

    @property
    def skipped(self) -> dict[str, str]:
        return self.manifest.skipped

    def sentence_owners(self) -> list[str]:
        owners = [""] * len(self.sentence_vectors)
        for block_id, (_, rows) in self.sentence_rows.items():
            owners[rows] = [block_id] * (rows.stop - rows.start)
        return owners

    def sentences(self, block_id: str) -> tuple[SentenceSpans, np.ndarray]:
        spans, rows = self.sentence_rows[block_id]
        return spans, self.sentence_vectors[rows]

    def dense_scores(self, vector: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
        return nearest(self.dense, _row(vector), allowed, depth)

    def sentence_scores(self, vector: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
        return nearest(self.sentence_index, _row(vector), allowed, depth)

    def lexical_scores(self, query: str, allowed: np.ndarray, depth: int) -> np.ndarray:
        return np.where(allowed, lexical_scores(self.lexical, query), 0.0).astype(np.float32)


def _row(vector: np.ndarray) -> np.ndarray:
    return vector.reshape(1, -1).astype(np.float32)


def load_build(build: Path, manifest: Manifest) -> FileStore:
    """Read a build whose checksums were verified; IndexUnavailable when it cannot be read (or is gone)."""
    import faiss

    try:
        blocks = [block_from_dict(d) for d in read_jsonl(build / "blocks.jsonl")]
        facts = read_jsonl(build / REPORTS)
        chunks = [Chunk(**d) for d in read_jsonl(build / "chunks.jsonl")]
        dense = faiss.read_index(str(build / "dense.faiss"))
        sentences = faiss.read_index(str(build / "sentences.faiss"))
        if manifest.dense_kind == "hnsw":
            dense.hnsw.efSearch = sentences.hnsw.efSearch = HNSW_EF_SEARCH
        lexical = load_lexical(build / "bm25")
        sentence_vectors = sentences.reconstruct_n(0, sentences.ntotal)  # the reader's dot products
        sentence_index = json.loads((build / "sentences.json").read_text(encoding="utf-8"))
        common = frozenset(json.loads((build / COMMON_WORDS).read_text(encoding="utf-8")))
    except Exception as exc:  # checksums passed, so this is a format we cannot read
        raise IndexUnavailable(f"The index in {build} cannot be read ({type(exc).__name__}).") from exc
    n_sentences = sum(len(s) for _, s in sentence_index)
    if dense.ntotal != len(chunks) or not sentence_vectors.shape[0] == sentences.ntotal == n_sentences:
        raise IndexUnavailable(f"The index in {build} is inconsistent (row counts differ).")
    return FileStore(
        path=build,
        manifest=manifest,
        blocks=blocks,
        chunks=chunks,
        dense=dense,
        sentence_index=sentences,
        lexical=lexical,
        sentence_rows=_sentence_rows(sentence_index),
        sentence_vectors=sentence_vectors,
        common_words=common,
        reports=_reports(facts, blocks),
    )


def _reports(facts: list[dict], blocks: list[Block]) -> list[Report]:
    by_doc: dict[str, list[Block]] = {}
    for block in blocks:
        by_doc.setdefault(block.doc_id, []).append(block)
    return [Report(**f, paragraphs=tuple(by_doc.get(f["doc_id"], ()))) for f in facts]


def _sentence_rows(sentence_index: list) -> dict[str, tuple[SentenceSpans, slice]]:
    rows: dict[str, tuple[SentenceSpans, slice]] = {}
    row = 0
    for block_id, spans in sentence_index:
        rows[block_id] = ([tuple(s) for s in spans], slice(row, row + len(spans)))
        row += len(spans)
    return rows


def nearest(index: faiss.Index, vector: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
    """Cosine of every allowed row among the nearest `depth` (of all rows when the index is small)."""
    import faiss

    n = index.ntotal
    k = n if n <= EXHAUSTIVE_ROWS else depth
    rows = flat_rows(index)
    if rows is not None:
        # Exact search as one matrix-vector product: half the time of IndexFlat's top-k search here
        # (10.1 against 4.9 ms on 107,000 sentences), with the same neighbours. A report's rows are
        # consecutive, so a question scoped to one report multiplies only its span.
        scores = np.full(n, -np.inf, dtype=np.float32)
        lo, hi = _span(allowed)
        scores[lo:hi] = np.where(allowed[lo:hi], rows[lo:hi] @ vector[0], -np.inf)
        if k < hi - lo:
            scores[np.argpartition(-scores, k)[k:]] = -np.inf
        return scores
    params = None
    if not allowed.all():
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64)))
    distances, ids = index.search(vector, k, params=params)
    scores = np.full(n, -np.inf, dtype=np.float32)  # not among the nearest: no dense evidence
    found = ids[0] >= 0
    scores[ids[0][found]] = distances[0][found]
    return scores


def _span(allowed: np.ndarray) -> tuple[int, int]:
    """The half-open range of rows from the first allowed to the last; (0, 0) when none is."""
    found = np.flatnonzero(allowed)
    return (int(found[0]), int(found[-1]) + 1) if found.size else (0, 0)


def flat_rows(index: faiss.Index) -> np.ndarray | None:
    """The vectors of an exact (flat) index as an array that shares its memory; None for HNSW."""
    import faiss

    if not isinstance(index, faiss.IndexFlat):
        return None
    return faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
