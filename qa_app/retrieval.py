"""Hybrid retrieval: dense (FAISS) and lexical (BM25) scores fused, filtered, collapsed to paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .chunking import Chunk
from .corpus import Block
from .hits import Hit
from .lexical import lexical_scores

Filters = Mapping[str, object]
FILTER_KEYS = {"doc_id", "section", "kind", "paragraph", "paragraph_range"}

# "paragraph 65", "para. 65", "¶65", "§ 65": a direct look-up, not a search.
PARAGRAPH_REF = re.compile(r"(?:¶|§|\bparagraph\b|\bpara\b\.?)\s*(\d{1,4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Scored:
    """Per-chunk scores of one query, before collapsing to paragraphs."""

    fused: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray


def paragraph_reference(query: str) -> tuple[int | None, str]:
    """The paragraph number a query names directly, and the rest of the query."""
    match = PARAGRAPH_REF.search(query)
    if not match:
        return None, query
    rest = (query[: match.start()] + " " + query[match.end() :]).strip()
    return int(match.group(1)), rest


def filter_mask(blocks: Sequence[Block], filters: Filters | None) -> np.ndarray:
    """Which blocks pass the filters (report, section prefix, kind, paragraph number or range)."""
    mask = np.ones(len(blocks), dtype=bool)
    if not filters:
        return mask
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise ValueError(f"Unknown filter {sorted(unknown)[0]!r}; use one of {sorted(FILTER_KEYS)}.")
    for i, block in enumerate(blocks):
        mask[i] = _passes(block, filters)
    return mask


def _passes(block: Block, filters: Filters) -> bool:
    doc = filters.get("doc_id")
    if doc and block.doc_id not in _as_set(doc):
        return False
    section = filters.get("section")
    if section and not block.section_path.startswith(str(section)):
        return False
    kind = filters.get("kind")
    if kind and block.kind not in _as_set(kind):
        return False
    number = filters.get("paragraph")
    if number is not None and block.number != int(number):  # type: ignore[arg-type]
        return False
    span = filters.get("paragraph_range")
    if span:
        lo, hi = (int(x) for x in span)  # type: ignore[union-attr]
        if block.number is None or not lo <= block.number <= hi:
            return False
    return True


def _as_set(value: object) -> set[str]:
    return {value} if isinstance(value, str) else set(value)  # type: ignore[arg-type]


def normalise(scores: np.ndarray, candidates: np.ndarray, floor: float | None = None) -> np.ndarray:
    """Min-max over the candidate set (or from a natural floor), so both retrievers speak on one
    0-1 scale; non-candidates get 0."""
    out = np.zeros_like(scores, dtype=np.float32)
    if not candidates.any():
        return out
    values = scores[candidates]
    lo, hi = (float(values.min()) if floor is None else floor), float(values.max())
    if hi <= lo:
        out[candidates] = 1.0 if hi > 0 else 0.0
        return out
    out[candidates] = (values - lo) / (hi - lo)
    return out


def fuse(dense: np.ndarray, lexical: np.ndarray, allowed: np.ndarray, dense_weight: float, depth: int) -> np.ndarray:
    """Convex combination of min-max normalised scores over each retriever's top `depth` chunks.

    Measured against reciprocal rank fusion on the gold set and XQuAD: score fusion keeps how far
    ahead the best match is, which rank fusion throws away (README, Quality).
    """
    dense_part = normalise(dense, _candidates(dense, allowed, depth))
    # BM25 has a natural zero (no query word present), so it is scaled by its best score alone.
    lexical_part = normalise(lexical, _candidates(lexical, allowed & (lexical > 0), depth), floor=0.0)
    return dense_weight * dense_part + (1.0 - dense_weight) * lexical_part


def _candidates(scores: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
    """The top `depth` allowed chunks with a finite score."""
    masked = np.where(allowed & np.isfinite(scores), scores, -np.inf)
    top = _top_indices(masked, depth)
    chosen = np.zeros(len(scores), dtype=bool)
    chosen[top[np.isfinite(masked[top])]] = True
    return chosen


def _top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]


def collapse(
    chunks: Sequence[Chunk], scores: np.ndarray, allowed: np.ndarray, top_k: int
) -> list[tuple[int, float]]:
    """Best chunk per paragraph, best first: (chunk index, score), at most top_k paragraphs."""
    best: dict[str, tuple[int, float]] = {}
    for i in _top_indices(np.where(allowed, scores, -np.inf), min(len(scores), top_k * 8)):
        if not allowed[i]:
            continue
        block_id = chunks[i].block_id
        if block_id not in best:
            best[block_id] = (int(i), float(scores[i]))
            if len(best) == top_k:
                break
    return list(best.values())


def make_hit(block: Block, chunk: Chunk | None, score: float) -> Hit:
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
    )


class Retriever:
    """Holds a loaded index's searchable parts; `search` is a read-only, thread-safe call."""

    def __init__(self, blocks: Sequence[Block], chunks: Sequence[Chunk], dense, lexical, dense_weight: float, depth: int = 100):
        self.blocks = list(blocks)
        self.chunks = list(chunks)
        self.dense = dense
        self.lexical = lexical
        self.dense_weight = dense_weight
        self.depth = depth
        self._block_row = {b.id: i for i, b in enumerate(self.blocks)}
        self._chunk_block = np.array([self._block_row[c.block_id] for c in self.chunks], dtype=np.int64)

    def block(self, block_id: str) -> Block:
        return self.blocks[self._block_row[block_id]]

    def score(self, query: str, query_vector: np.ndarray, allowed: np.ndarray) -> Scored:
        """Dense and lexical scores of every chunk, and their fusion (chunks outside filters score 0)."""
        dense = self._dense_scores(query_vector, allowed)
        lexical = lexical_scores(self.lexical, query)
        fused = fuse(dense, lexical, allowed, self.dense_weight, self.depth)
        return Scored(fused=fused, dense=dense, lexical=lexical)

    def _dense_scores(self, query_vector: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        import faiss

        n = len(self.chunks)
        k = n if n <= 4 * self.depth else self.depth
        params = None
        if not allowed.all():
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64)))
        distances, ids = self.dense.search(query_vector.reshape(1, -1).astype(np.float32), k, params=params)
        scores = np.full(n, -np.inf, dtype=np.float32)  # not among the nearest: no dense evidence
        found = ids[0] >= 0
        scores[ids[0][found]] = distances[0][found]
        return scores

    def search(
        self,
        query: str,
        query_vector: np.ndarray,
        top_k: int,
        filters: Filters | None = None,
        mode: str = "hybrid",
    ) -> list[Hit]:
        """Paragraphs for the query, best first; a query naming a paragraph gets that paragraph first.

        mode "dense" or "lexical" ranks by one retriever alone, for evaluation side by side.
        """
        allowed_blocks = filter_mask(self.blocks, filters)
        number, rest = paragraph_reference(query)
        pinned = [
            make_hit(b, None, 1.0)
            for b, ok in zip(self.blocks, allowed_blocks)
            if ok and number is not None and b.number == number
        ]
        if pinned and not re.search(r"\w{3,}", rest):
            return pinned[:top_k]
        allowed = allowed_blocks[self._chunk_block]
        if not allowed.any():
            return pinned[:top_k]
        scored = self.score(query, query_vector, allowed)
        fused = {"hybrid": scored.fused, "dense": scored.dense, "lexical": scored.lexical}[mode]
        pinned_ids = {h.block_id for h in pinned}
        hits = list(pinned)
        for i, score in collapse(self.chunks, fused, allowed, top_k + len(pinned)):
            chunk = self.chunks[i]
            if chunk.block_id not in pinned_ids:
                hits.append(make_hit(self.block(chunk.block_id), chunk, score))
        return hits[:top_k]
