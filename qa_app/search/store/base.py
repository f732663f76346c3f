"""The `Store` protocol: what retrieval and reading need of an index, whatever keeps it.

In the manner of Haystack's DocumentStore: records, and each retriever leg's scores for an allowed set of
rows, so a backend can push the filter and the top-k into its own search (a SQL `WHERE ... ORDER BY ...
LIMIT depth`). `FileStore` (FAISS and bm25s files) is the default; `PostgresStore` is shared by many processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from qa_app.records import Block, Chunk, Report
from qa_app.search.segments import Segment

SentenceSpans = list[tuple[int, int]]  # a block's sentences, half-open into its text


@dataclass(frozen=True)
class Opened:
    """What opening a store did: one line for the console, and what the page's status line must say."""

    line: str
    repaired: tuple[str, ...] = ()  # reports whose damaged cached segment this opening embedded again
    previous: str | None = None  # why an earlier build answers instead of one over the corpus as it is


class Store(Protocol):
    """An index's records and scorers; every method is read-only and safe to call from many threads."""

    @property
    def blocks(self) -> Sequence[Block]:
        """Every block in row order; a report's blocks are consecutive."""
        ...

    @property
    def chunks(self) -> Sequence[Chunk]:
        """Every window in row order, a block's windows consecutive and in its blocks' order."""
        ...

    @property
    def reports(self) -> Sequence[Report]:
        """Each report with its facts and blocks, in doc_id order."""
        ...

    @property
    def common_words(self) -> frozenset[str]:
        """Words capitalised somewhere but mostly lower case: not names (`vocabulary`)."""
        ...

    @property
    def skipped(self) -> dict[str, str]:
        """Corpus files left out of the index, each with why."""
        ...

    def sentence_owners(self) -> list[str]:
        """The block id of every sentence row, in row order."""
        ...

    def sentences(self, block_id: str) -> tuple[SentenceSpans, np.ndarray]:
        """A block's sentence spans and their vectors (one row each)."""
        ...

    def dense_scores(self, vector: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
        """Cosine of the question to every allowed window among its nearest `depth` (or more); -inf elsewhere."""
        ...

    def sentence_scores(self, vector: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
        """As `dense_scores`, over sentence rows."""
        ...

    def lexical_scores(self, query: str, allowed: np.ndarray, depth: int) -> np.ndarray:
        """BM25 score of the query's best windows among the allowed ones, `depth` per paragraph or more (every
        window may be scored); zeros elsewhere."""
        ...


@runtime_checkable
class BatchSentences(Protocol):
    """A store where every query is a round trip (a database): it hands over many blocks' sentences at once,
    so reading a question's passages costs one query, not one a passage."""

    def sentences_of(self, block_ids: Sequence[str]) -> dict[str, tuple[SentenceSpans, np.ndarray]]:
        """Each block's sentence spans and vectors, as `sentences` gives them, keyed by block id."""
        ...


def sentences_of(store: Store, block_ids: Sequence[str]) -> dict[str, tuple[SentenceSpans, np.ndarray]]:
    """Each block's sentences from any store: in one call where it batches them, else block by block."""
    if isinstance(store, BatchSentences):
        return store.sentences_of(block_ids)
    return {block_id: store.sentences(block_id) for block_id in dict.fromkeys(block_ids)}


@runtime_checkable
class SharedStore(Store, Protocol):
    """A store many processes share (a database): changed one report at a time, not by rebuilding from the
    corpus folder, and polled for others' changes by its corpus version."""

    version: int  # the corpus version this snapshot shows
    read_only: str  # why corpus changes are refused here (a read replica), in one sentence; "" where they are not

    def add(self, segment: Segment, file_name: str) -> None:
        """Add or replace one embedded report, atomically."""
        ...

    def remove(self, doc_id: str) -> bool:
        """Remove one report, atomically; False when the store did not hold it."""
        ...

    def current_version(self) -> int:
        """The store's corpus version now; another process changed it when this differs from `version`."""
        ...

    def reopened(self) -> SharedStore:
        """A snapshot of the store as it is now."""
        ...

    def collection(self, user: str) -> list[dict]:
        """A signed-in person's saved evidence collection, items as dicts; [] when none is saved."""
        ...

    def keep_collection(self, user: str, items: list[dict]) -> None:
        """Save a signed-in person's collection as it is now."""
        ...
