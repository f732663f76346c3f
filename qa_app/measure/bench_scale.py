"""Scaling on synthetic corpora: exact (NumPy, FAISS flat) and approximate (HNSW) dense search and BM25 at
sizes beyond the real corpus, and the size where switching to approximate search pays.

Synthetic vectors mix real embeddings with noise, clustered like text, unlike uniform random vectors (the
pessimistic case for HNSW); synthetic texts recombine real report sentences.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa_app.measure.bench_pipeline import Material
from qa_app.measure.bench_process import folder_bytes
from qa_app.measure.bench_results import Recommendation, ScaleRow, SearchCost
from qa_app.measure.scoring import latency_ms, percentile, timed

DEPTH = 100  # dense neighbours the retriever asks for (Retriever.depth): what each search costs
RECALL_K = 10
RECALL_TARGET = 0.95  # approximate search must find this share of the exact top 10
EXACT_BUDGET_MS = 10.0  # dense search share of a query's latency budget
NOISE_NORM = 0.6  # synthetic vectors: a real embedding, half of another, and Gaussian noise of this norm


def synthetic_vectors(base: np.ndarray, n: int, rng: np.random.Generator, noise: float = NOISE_NORM) -> np.ndarray:
    """n unit vectors around real embeddings: base[i] + base[j] / 2 + noise, renormalised."""
    dim = base.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    for begin in range(0, n, 100_000):
        end = min(n, begin + 100_000)
        rows = base[rng.integers(0, len(base), end - begin)] + 0.5 * base[rng.integers(0, len(base), end - begin)]
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        rows += rng.standard_normal((end - begin, dim), dtype=np.float32) * (noise / math.sqrt(dim))
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        out[begin:end] = rows
    return out


def synthetic_texts(sentences: Sequence[str], n: int, per_text: int, rng: np.random.Generator) -> list[str]:
    """n chunk-like texts, each `per_text` report sentences drawn at random."""
    picks = rng.integers(0, len(sentences), (n, per_text))
    return [" ".join(sentences[j] for j in row) for row in picks]


def scale_bench(material: Material, sizes: Sequence[int], deadline: float, rng: np.random.Generator) -> list[ScaleRow]:
    """Exact and HNSW dense search and BM25 at each size; builds that would overrun the deadline are projected."""
    rows: list[ScaleRow] = []
    built: dict[str, tuple[int, float]] = {}  # kind -> (size, build seconds) of the last build
    for n in sorted(sizes):
        vectors = synthetic_vectors(material.base_vectors, n, rng)
        queries = material.query_vectors
        truth, numpy_times = numpy_search(vectors, queries)
        numpy_p50 = percentile(numpy_times, 50)
        embed_s = n / material.chunks_per_s
        costs = {"numpy": SearchCost(**latency_ms(numpy_times), bytes=vectors.nbytes)}
        # FAISS exact search is checked against NumPy as an oracle, then serves as truth for HNSW.
        costs["flat"], flat_ids = dense_bench(vectors, queries, "flat", truth=truth)
        exact = flat_ids[:, :RECALL_K]
        for kind, grow in (("hnsw", _n_log_n), ("bm25", _linear)):
            projected = _project(built.get(kind), n, grow)
            if projected is not None and time.perf_counter() + projected > deadline:
                costs[kind] = SearchCost(skipped="would overrun the time budget", projected_build_s=projected)
                continue
            if kind == "hnsw":
                costs[kind], _ = dense_bench(vectors, queries, "hnsw", truth=exact)
            else:
                costs[kind] = bm25_bench(material, n, rng)
            built[kind] = (n, costs[kind].build_s or 0.0)
        for kind in ("flat", "hnsw", "bm25"):
            cost = costs[kind]
            if cost.p50_ms is not None:
                cost = replace(cost, ratio_to_numpy=cost.p50_ms / (1000 * numpy_p50))
            if cost.build_s is not None:
                cost = replace(cost, ratio_to_embedding=cost.build_s / embed_s)
            costs[kind] = cost
        rows.append(ScaleRow(n, embed_s, costs))
        del vectors
    return rows


def numpy_search(vectors: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """The baseline: one matrix-vector product and a partial sort per query, as plain NumPy."""
    depth = min(DEPTH, len(vectors))
    ids, times = [], []
    for q in queries:
        started = time.perf_counter()
        scores = vectors @ q
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top])]
        times.append(time.perf_counter() - started)
        ids.append(top)
    return np.array(ids), times


def dense_bench(vectors: np.ndarray, queries: np.ndarray, kind: str, truth: np.ndarray) -> tuple[SearchCost, np.ndarray]:
    """Build time, memory and single-query latency of the app's dense index; recall@10 against truth."""
    import faiss
    import psutil

    from qa_app.search.index import HNSW_EF_SEARCH, make_dense_index

    process = psutil.Process()
    before = process.memory_info().rss
    index, build_s = timed(make_dense_index, vectors, kind)
    rss_delta = process.memory_info().rss - before
    if kind == "hnsw":
        index.hnsw.efSearch = HNSW_EF_SEARCH
    depth = min(DEPTH, len(vectors))
    index.search(queries[:1], depth)  # warm-up
    ids, times = [], []
    for q in queries:
        (_, found), seconds = timed(index.search, q.reshape(1, -1), depth)
        ids.append(found[0])
        times.append(seconds)
    ids = np.array(ids)
    size = int(faiss.serialize_index(index).size)
    cost = SearchCost(build_s=build_s, bytes=size, rss_delta_bytes=rss_delta, recall=recall(ids, truth), **latency_ms(times))
    return cost, ids


def recall(found: np.ndarray, truth: np.ndarray, k: int = RECALL_K) -> float:
    """Mean share of each query's true top k that the search found in its own top k."""
    k = min(k, truth.shape[1])
    shares = [len(set(f[:k].tolist()) & set(t[:k].tolist())) / k for f, t in zip(found, truth)]
    return float(np.mean(shares))


def bm25_bench(material: Material, n: int, rng: np.random.Generator) -> SearchCost:
    """The app's BM25 build (tokenize, index, save), load and per-query scoring over recombined report sentences."""
    from qa_app.search.acronyms import find_acronyms, spell_out
    from qa_app.search.lexical import build_lexical, lexical_scores, load_lexical

    texts = synthetic_texts(material.sentences, n, material.sentences_per_text, rng)
    with tempfile.TemporaryDirectory(prefix="qa-bench-bm25-") as tmp:
        folder = Path(tmp) / "bm25"
        acronyms = find_acronyms(texts)
        _, build_s = timed(build_lexical, [spell_out(t, acronyms) for t in texts], folder, acronyms)
        size = folder_bytes(folder)
        model, load_s = timed(load_lexical, folder)
    del texts
    lexical_scores(model, material.questions[0])  # warm-up
    times = [timed(lexical_scores, model, q)[1] for q in material.questions]
    return SearchCost(build_s=build_s, load_s=load_s, bytes=size, **latency_ms(times))


def _n_log_n(n: int) -> float:
    return n * math.log(max(n, 2))


def _linear(n: int) -> float:
    return float(n)


def _project(last: tuple[int, float] | None, n: int, grow: Callable[[int], float]) -> float | None:
    if last is None:
        return None
    size, seconds = last
    return seconds * grow(n) / grow(size)


def recommend_threshold(
    rows: Sequence[ScaleRow], budget_ms: float = EXACT_BUDGET_MS, target: float = RECALL_TARGET
) -> Recommendation:
    """The size where exact search p50 reaches the budget, provided HNSW keeps recall@10 >= target.

    Exact search is a scan, so its cost per chunk is taken from the largest size measured, where
    fixed per-call overheads and timer noise weigh least.
    """
    if not rows:
        return Recommendation(None, "no sizes were measured")
    largest = max(rows, key=lambda r: r.size)
    flat_ms = largest.costs["flat"].p50_ms or 0.0
    per_chunk_ms = flat_ms / largest.size
    crossing = budget_ms / per_chunk_ms
    recalls = [(r.size, r.costs["hnsw"].recall) for r in rows if "hnsw" in r.costs and r.costs["hnsw"].recall is not None]
    low = [s for s, value in recalls if value < target]
    reason = (
        f"exact search costs {1e6 * per_chunk_ms:.2f} ms per million chunks per query "
        f"({flat_ms:.1f} ms p50 at {largest.size:,}), so it reaches {budget_ms:g} ms "
        f"at about {crossing:,.0f} chunks"
    )
    if recalls:
        reason += f"; HNSW recall@{RECALL_K} is {min(v for _, v in recalls):.3f} or better at the measured sizes"
    if low:
        reason += f", but below {target} at {', '.join(f'{s:,}' for s in low)}: raise efSearch before switching"
    return Recommendation(_round_down(crossing), reason, budget_ms=budget_ms, recall_target=target, crossing=crossing)


def _round_down(value: float) -> int:
    """Two significant figures, rounded down: a threshold, not a measurement."""
    if value < 1:
        return 0
    step = 10 ** max(int(math.log10(value)) - 1, 0)
    return int(value // step * step)
