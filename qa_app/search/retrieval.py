"""Hybrid retrieval: a store's dense and lexical scores fused, filtered and collapsed to paragraphs, and
a question's passages chosen from them for the reader."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from qa_app.query.answer_types import HEADLINE_KINDS
from qa_app.query.filters import Filters
from qa_app.query.paragraphs import paragraph_reference
from qa_app.query.parse import Query, label_of
from qa_app.records import Block, Chunk, Hit, Scope
from qa_app.search.evidence import Evidence
from qa_app.search.store.base import SentenceSpans, Store, sentences_of

HEADLINE_PASSAGES = 5  # statistic bullets and tables read beside the top passages when a figure is asked for
SUPPORT_DEPTH = 30  # passages among which a question over many reports finds the report that supports it best


@dataclass(frozen=True)
class Scored:
    """Per-paragraph scores of one query: each retriever's, and their fusion."""

    fused: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray


def filter_mask(blocks: Sequence[Block], filters: Filters | None) -> np.ndarray:
    """Which blocks pass the filters (report, section prefix, kind, paragraph number or range)."""
    if filters is None or filters == Filters():
        return np.ones(len(blocks), dtype=bool)
    return np.fromiter((filters.admits(b) for b in blocks), dtype=bool, count=len(blocks))


def standardise(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """z-scores over the candidate set, so both retrievers speak on one scale; every other entry
    gets the lowest candidate's.

    A z-score keeps how far a match stands out from the crowd, which min-max scaling loses when
    the crowd is close: one paragraph far ahead in BM25 is not outvoted by a run of dense near-ties.
    """
    out = np.zeros_like(scores, dtype=np.float32)
    if not candidates.any():
        return out
    values = scores[candidates].astype(np.float64)
    mean, spread = float(values.mean()), float(values.std()) or 1.0
    out[candidates] = (values - mean) / spread
    out[~candidates] = out[candidates].min()
    return out


def fuse(dense: np.ndarray, lexical: np.ndarray, allowed: np.ndarray, dense_weight: float, depth: int) -> np.ndarray:
    """Convex combination of standardised paragraph scores over each retriever's top `depth`,
    squashed into 0-1 by the logistic function; paragraphs outside the filters score 0.

    Measured against min-max scaling and reciprocal rank fusion on the gold set and XQuAD
    (README, How it finds answers).
    """
    dense_part = standardise(dense, _candidates(dense, allowed, depth))
    lexical_part = standardise(lexical, _candidates(lexical, allowed, depth))
    mixed = dense_weight * dense_part + (1.0 - dense_weight) * lexical_part
    return np.where(allowed, 1.0 / (1.0 + np.exp(-mixed)), 0.0).astype(np.float32)


def _candidates(scores: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
    """The top `depth` allowed entries with a finite score."""
    masked = np.where(allowed & np.isfinite(scores), scores, -np.inf)
    top = top_indices(masked, depth)
    chosen = np.zeros(len(scores), dtype=bool)
    chosen[top[np.isfinite(masked[top])]] = True
    return chosen


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]


def best_per_owner(scores: np.ndarray, owner: np.ndarray, n_owners: int) -> np.ndarray:
    """Each paragraph's best score over its windows or sentences (-inf where it has none)."""
    out = np.full(n_owners, -np.inf, dtype=np.float32)
    np.maximum.at(out, owner, scores)
    return out


def make_hit(block: Block, chunk: Chunk | None, score: float, similarity: float | None = None) -> Hit:
    return Hit(
        doc_id=block.doc_id,
        doc_title=block.doc_title,
        block_id=block.id,
        paragraph=block.number,
        section_path=block.section_path,
        judgement=block.judgement,
        kind=block.kind,
        text=block.text,
        score=round(float(score), 6),
        window_start=chunk.start if chunk else 0,
        window_end=chunk.end if chunk else len(block.text),
        cites=block.cites,
        cited_by=block.cited_by,
        page=block.page,
        similarity=None if similarity is None or not np.isfinite(similarity) else round(float(similarity), 6),
    )


class Retriever:
    """Finds the passages for a query in a `Store`; `search` and `retrieve` are read-only, thread-safe calls.

    A paragraph's dense score averages its best window and its best sentence: MiniLM was trained
    on short texts, and a sentence-sized match finds paraphrases a 128-piece window blurs.
    """

    def __init__(self, store: Store, embed: Callable[[str], np.ndarray], dense_weight: float, depth: int = 100):
        self.store = store
        self.embed = embed  # text -> its normalised vector, as the index's vectors were made
        self.dense_weight = dense_weight
        self.depth = depth
        self.blocks = list(store.blocks)
        self.chunks = list(store.chunks)
        self._facts = {r.doc_id: r for r in store.reports}
        self._block_row = {b.id: i for i, b in enumerate(self.blocks)}
        self._chunk_block = np.array([self._block_row[c.block_id] for c in self.chunks], dtype=np.int64)
        # A paragraph's windows are consecutive chunks: rows [lo, hi) of the chunk arrays.
        if np.any(np.diff(self._chunk_block) < 0):
            raise ValueError("chunks must be stored in the order of their paragraphs")
        rows = np.arange(len(self.blocks))
        self._chunk_lo = np.searchsorted(self._chunk_block, rows, side="left")
        self._chunk_hi = np.searchsorted(self._chunk_block, rows, side="right")
        self._sentence_block = np.array([self._block_row[b] for b in store.sentence_owners()], dtype=np.int64)
        self._last_mask: tuple[Filters | None, np.ndarray] | None = None

    def block(self, block_id: str) -> Block:
        return self.blocks[self._block_row[block_id]]

    def retrieve(self, query: Query, top_k: int) -> Evidence:
        """The passages to answer a question from: of its one report, or, when many are in reach, of the
        report whose passages support it best; with the best headline figures when a figure is asked for."""
        vector = self.embed(query.phrased)
        scope, filters = query.scope, query.filters
        if query.many_reports:
            scope, filters = self._best_report(query.phrased, vector, filters, scope)
        hits = self.search(query.phrased, top_k, filters, vector=vector)
        if query.wants_figures:
            # Headline figures sit in statistic bullets and tables, which rank low among long findings
            # that mention the same words: the best of them are read too.
            figures = self.search(query.phrased, HEADLINE_PASSAGES, filters.of_kind(sorted(HEADLINE_KINDS)), vector=vector)
            hits += [h for h in figures if h.block_id not in {x.block_id for x in hits}]
        # Every passage's sentences in one call: a database store answers it in one query, not one a passage.
        known = sentences_of(self.store, [h.block_id for h in hits]) if hits else {}

        def sentences(hit: Hit) -> tuple[SentenceSpans, np.ndarray]:
            return known[hit.block_id] if hit.block_id in known else self.store.sentences(hit.block_id)

        return Evidence(tuple(hits), vector, sentences, scope)

    def _best_report(self, text: str, vector: np.ndarray, filters: Filters, scope: Scope | None) -> tuple[Scope, Filters]:
        """Narrow a question over many reports to the one whose passages support it best: the sum of
        its three best passage scores among the top 30, so one lucky sentence does not pick the report."""
        hits = self.search(text, SUPPORT_DEPTH, filters, vector=vector)
        support: dict[str, list[float]] = {}
        for hit in hits:
            support.setdefault(hit.doc_id, []).append(hit.score)
        ranked = sorted(support, key=lambda d: -sum(sorted(support[d], reverse=True)[:3]))
        if not ranked:
            return scope or Scope((), "no report"), filters
        best = ranked[0]
        chosen = Scope((best,), label_of(self._facts[best]), others=tuple(ranked[1:4]), source="best match")
        return chosen, filters.within([best])

    def score(self, query: str, query_vector: np.ndarray, allowed: np.ndarray) -> tuple[Scored, np.ndarray]:
        """Paragraph scores (paragraphs outside the filters score nothing) and a score per window."""
        n = len(self.blocks)
        vector = query_vector.reshape(1, -1).astype(np.float32)
        chunk_cos = self.store.dense_scores(vector, allowed[self._chunk_block], self.depth)
        sentence_cos = self.store.sentence_scores(vector, allowed[self._sentence_block], self.depth)
        chunk_lexical = self.store.lexical_scores(query, allowed[self._chunk_block], self.depth)
        dense = _mean_with_floor(
            best_per_owner(chunk_cos, self._chunk_block, n), best_per_owner(sentence_cos, self._sentence_block, n)
        )
        lexical = best_per_owner(chunk_lexical, self._chunk_block, n)
        lexical[~np.isfinite(lexical)] = 0.0
        fused = fuse(dense, lexical, allowed, self.dense_weight, self.depth)
        # The window shown for a paragraph: the one where the query's words and meaning meet best.
        window_score = np.nan_to_num(chunk_cos, neginf=-1.0) + chunk_lexical / max(float(chunk_lexical.max()), 1e-9)
        return Scored(fused=fused, dense=dense, lexical=lexical), window_score

    def _best_window(self, row: int, window_score: np.ndarray) -> Chunk | None:
        """The paragraph's best-scoring window (the later one on a tie); None if it has none."""
        lo, hi = int(self._chunk_lo[row]), int(self._chunk_hi[row])
        if lo == hi:
            return None
        return self.chunks[hi - 1 - int(np.argmax(window_score[lo:hi][::-1]))]

    def search(
        self,
        query: str,
        top_k: int,
        filters: Filters | None = None,
        mode: str = "hybrid",
        per_report: int | None = None,
        vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """Paragraphs for the query, best first, each carrying its report's authority and date; a query
        naming a paragraph gets that paragraph first.

        mode "dense" or "lexical" ranks by one retriever alone, for evaluation side by side; per_report
        keeps at most that many paragraphs of one report (every allowed paragraph is then ranked).
        `vector` is the query's, when the caller has it already.
        """
        allowed = self.allowed(filters)
        number, rest = paragraph_reference(query)
        pinned = (
            [make_hit(b, None, 1.0) for b, ok in zip(self.blocks, allowed) if ok and b.number == number]
            if number is not None
            else []
        )
        if (pinned and not re.search(r"\w{3,}", rest)) or not allowed.any():
            return self._labelled(pinned[:top_k])
        scored, window_score = self.score(query, self.embed(query) if vector is None else vector, allowed)
        scores = {"hybrid": scored.fused, "dense": scored.dense, "lexical": scored.lexical}[mode]
        pinned_ids = {h.block_id for h in pinned}
        hits = list(pinned)
        per_doc: dict[str, int] = {}
        depth = len(scores) if per_report else top_k + len(pinned)
        for row in top_indices(np.where(allowed, scores, -np.inf), depth):
            block = self.blocks[row]
            if not allowed[row] or block.id in pinned_ids:
                continue
            if per_report and per_doc.get(block.doc_id, 0) >= per_report:
                continue
            per_doc[block.doc_id] = per_doc.get(block.doc_id, 0) + 1
            hits.append(make_hit(block, self._best_window(row, window_score), scores[row], scored.dense[row]))
            if len(hits) >= top_k:
                break
        return self._labelled(hits[:top_k])

    def allowed(self, filters: Filters | None) -> np.ndarray:
        """`filter_mask` of the blocks, kept for the last filters asked: a search across reports asks it twice
        (do they reach many reports? which paragraphs?), and each is a pass over every block in Python."""
        last = self._last_mask
        if last is not None and last[0] == filters:
            return last[1]
        mask = filter_mask(self.blocks, filters)
        mask.flags.writeable = False
        self._last_mask = (filters, mask)
        return mask

    def reaches_many(self, filters: Filters | None) -> bool:
        """Whether paragraphs of more than one report pass the filters."""
        allowed = self.allowed(filters)
        return len({self.blocks[row].doc_id for row in np.flatnonzero(allowed)}) > 1

    def _labelled(self, hits: list[Hit]) -> list[Hit]:
        """Hits carrying their report's authority and date, so a list across reports says where each is from."""
        out = []
        for hit in hits:
            facts = self._facts.get(hit.doc_id)
            out.append(replace(hit, authority=facts.authority, published=facts.published) if facts else hit)
        return out


def _mean_with_floor(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean of two score lists where a missing score (-inf: beyond the search depth) counts as that
    list's lowest found score, an upper bound of what it would have been."""
    out = []
    for x in (a, b):
        finite = np.isfinite(x)
        floor = float(x[finite].min()) if finite.any() else 0.0
        out.append(np.where(finite, x, floor))
    both_missing = ~np.isfinite(a) & ~np.isfinite(b)
    return np.where(both_missing, -np.inf, (out[0] + out[1]) / 2).astype(np.float32)
