"""`qa-app bench --store URL`: the PostgreSQL store on this machine, in a scratch database beside the given
one (dropped after), so the user's rows are never touched.

Rows: loading the corpus's reports (already embedded: the file index's vectors), size on disk, search and
ask p50/p95 filtered and not, adding and removing one report; then, with `synthetic`, N passages of random
unit vectors and recombined report sentences (no model), timed at the SQL the store runs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from qa_app.config import Settings
from qa_app.measure.bench_scale import synthetic_texts, synthetic_vectors
from qa_app.measure.scoring import latency_ms, timed

QUERIES = 40
SYNTHETIC_PER_REPORT = 1000  # passages per synthetic report, the unit of filtering and of add/remove


@dataclass(frozen=True)
class StoreRow:
    what: str
    value: float | None
    unit: str
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def store_bench(settings: Settings, questions: Sequence[str], synthetic: int = 0) -> list[StoreRow]:
    """The rows for the corpus of `settings` in a scratch database on the server of settings.store_url."""
    from qa_app.assistant import Assistant
    from qa_app.search.embedding import Embedder
    from qa_app.search.index.build import index_shape
    from qa_app.search.index.opening import ensure_index
    from qa_app.search.store.postgres.open import segments_of
    from qa_app.search.store.postgres.schema import connect, migrate
    from qa_app.search.store.postgres.store import load_snapshot
    from qa_app.search.store.postgres.write import set_state, sync

    embedder = Embedder.from_settings(settings)
    files, _ = ensure_index(settings.replace(store="files", store_url=None), embedder)
    segments = list(segments_of(files))
    rows: list[StoreRow] = []
    with scratch_database(settings.store_url or "") as url:
        conn = connect(url)
        migrate(conn)
        (_, seconds) = timed(sync, conn, segments)
        set_state(conn, index_shape(settings, embedder), files.skipped)
        rows.append(StoreRow(f"load {len(segments)} reports (embedded)", seconds, "s", f"{len(files.chunks):,} chunks"))
        rows.append(StoreRow("size on disk", _database_bytes(conn) / 2**20, "MiB"))
        store = load_snapshot(url, settings.approx_threshold)
        assistant = Assistant(settings, embedder, store, "bench")
        first = store.reports[0].doc_id
        asked = list(questions)[:QUERIES]
        for label, filters in (("", None), (" filtered to one report", {"doc_id": first})):
            assistant.search(asked[0], filters=filters)  # warm-up: connection and caches
            search = [timed(assistant.search, q, 5, filters)[1] for q in asked]
            ask = [timed(assistant.ask, q, None, filters)[1] for q in asked[: QUERIES // 2]]
            for name, times in (("search", search), ("ask", ask)):
                p = latency_ms(times)
                rows.append(
                    StoreRow(f"{name} p50{label}", p["p50_ms"], "ms", f"p95 {p['p95_ms']:.0f} ms, {len(times)} questions")
                )
        name, segment = next((n, s) for n, s in segments if s.report.doc_id == first)
        rows.append(StoreRow("remove one report", timed(store.remove, first)[1] * 1000, "ms", first))
        rows.append(
            StoreRow(
                "add one report (embedded)", timed(store.add, segment, name)[1] * 1000, "ms", f"{len(segment.chunks)} chunks"
            )
        )
        conn.close()
    if synthetic:
        rows += synthetic_bench(settings.store_url or "", synthetic, segments, embedder, asked)
    return rows


def synthetic_bench(url: str, n: int, segments, embedder, questions: Sequence[str]) -> list[StoreRow]:
    """n synthetic passages in n / 1000 reports: load, HNSW build, size, dense, BM25 and filtered hybrid p50,
    and adding and removing one report of 1000 passages; timed at the store's own SQL."""
    from qa_app.search.store.postgres.schema import connect, migrate
    from qa_app.search.store.postgres.write import add_segment, remove_report

    rng = np.random.default_rng(0)
    base = np.concatenate([s.chunk_vectors for _, s in segments])
    sentences = [t for _, s in segments for t in s.chunk_texts]
    rows: list[StoreRow] = []
    with scratch_database(url) as scratch:
        conn = connect(scratch)
        migrate(conn)
        conn.execute("DROP INDEX chunks_hnsw")  # built once after the load: far quicker than row by row
        started = time.perf_counter()
        for r in range(max(1, n // SYNTHETIC_PER_REPORT)):
            add_segment(conn, _synthetic_segment(r, base, sentences, rng), f"syn-{r:05d}.md")
        rows.append(StoreRow(f"synthetic: load {n:,} passages", time.perf_counter() - started, "s", "chunks, postings"))
        (_, seconds) = timed(conn.execute, "CREATE INDEX chunks_hnsw ON chunks USING hnsw (embedding vector_ip_ops)")
        rows.append(StoreRow("synthetic: HNSW build", seconds, "s"))
        rows.append(StoreRow("synthetic: size on disk", _database_bytes(conn) / 2**20, "MiB"))
        rows += _synthetic_queries(conn, embedder, questions)
        extra = _synthetic_segment(10**6, base, sentences, rng)
        rows.append(StoreRow("synthetic: add one report", timed(add_segment, conn, extra, "extra.md")[1], "s", "1000 passages"))
        rows.append(StoreRow("synthetic: remove one report", timed(remove_report, conn, extra.report.doc_id)[1], "s"))
        conn.close()
    return rows


def _synthetic_queries(conn, embedder, questions: Sequence[str]) -> list[StoreRow]:
    from qa_app.search.lexical import tokenize
    from qa_app.search.store.postgres.store import K1, LEXICAL_SQL, B

    n, total = conn.execute("SELECT n_chunks, total_length FROM corpus_state").fetchone()
    docs = [d for (d,) in conn.execute("SELECT doc_id FROM reports ORDER BY doc_id LIMIT 10")]
    dense, lexical, hybrid = [], [], []
    for question in questions:
        q = embedder.encode_query(question)
        with conn.transaction():
            conn.execute("SET LOCAL hnsw.ef_search = 128")
            conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            dense.append(_t(conn, _DENSE, {"q": q}))
            hybrid.append(_t(conn, _FILTERED, {"q": q, "docs": docs}))
        params = {"terms": tokenize([question])[0], "n": n, "avgdl": total / max(n, 1), "k1": K1, "b": B}
        lexical.append(_t(conn, LEXICAL_SQL, params))
    out = []
    for name, times in (("dense top 100 (HNSW)", dense), ("BM25", lexical), ("dense filtered to 10 reports", hybrid)):
        p = latency_ms(times)
        out.append(StoreRow(f"synthetic: {name} p50", p["p50_ms"], "ms", f"p95 {p['p95_ms']:.0f} ms"))
    return out


_DENSE = "SELECT doc_id, position FROM chunks ORDER BY embedding <#> %(q)s LIMIT 100"
_FILTERED = "SELECT doc_id, position FROM chunks WHERE doc_id = ANY(%(docs)s) ORDER BY embedding <#> %(q)s LIMIT 100"


def _t(conn, sql: str, params: dict) -> float:
    started = time.perf_counter()
    conn.execute(sql, params).fetchall()
    return time.perf_counter() - started


def _synthetic_segment(r: int, base: np.ndarray, sentences: Sequence[str], rng: np.random.Generator):
    """One synthetic report of SYNTHETIC_PER_REPORT passages, one block each, random unit vectors."""
    from qa_app.records import Block, Chunk, Report
    from qa_app.search.segments import Segment

    doc_id = f"syn-{r:07d}"
    texts = synthetic_texts(sentences, SYNTHETIC_PER_REPORT, 2, rng)
    blocks = tuple(
        Block(f"{doc_id}:p{i}", doc_id, doc_id, i, "Synthetic", None, "finding", t, 0, len(t)) for i, t in enumerate(texts)
    )
    chunks = tuple(
        Chunk(f"{b.id}#w0", b.id, doc_id, b.number, b.section_path, None, b.kind, b.text, 0, len(b.text), 0) for b in blocks
    )
    report = Report(doc_id=doc_id, title=doc_id, path=f"{doc_id}.md", sha256=uuid.uuid4().hex, paragraphs=blocks)
    vectors = synthetic_vectors(base, len(chunks), rng)
    empty = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    return Segment(report, chunks, tuple(texts), tuple((b.id, ()) for b in blocks), {}, vectors, empty)


class scratch_database:
    """A database created beside `url`'s for the bench and dropped after."""

    def __init__(self, url: str):
        self.url, self.name = url, f"qa_bench_{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> str:
        from qa_app.search.store.postgres.schema import connect

        with connect(self.url) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        from qa_app.search.store.postgres.local import with_database

        return with_database(self.url, self.name)

    def __exit__(self, *exc) -> None:
        from qa_app.search.store.postgres.schema import connect

        with connect(self.url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _database_bytes(conn) -> int:
    return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def format_store_bench(rows: Sequence[StoreRow]) -> str:
    return "\n".join(f"{r.what:<45} {'' if r.value is None else f'{r.value:,.1f}':>10} {r.unit:<4} {r.note}" for r in rows)
