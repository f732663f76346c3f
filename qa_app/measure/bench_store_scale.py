"""`qa-app bench --store URL --synthetic N`: the PostgreSQL store at a size no bundled corpus reaches, in a
scratch database (dropped after), timed at the SQL the store runs.

N synthetic windows in reports of REPORT_WINDOWS (the size of a real report): texts and tokens of two real
windows each, vectors random unit vectors around real ones (no model). They are bulk-loaded (COPY, indexes
built after, as one would load a large corpus); then one real-sized report is added and removed the way an
upload is, through `add_segment` and `remove_report`, with every index in place. The app's in-memory snapshot
of the records is not part of these rows (docs/postgres.md says what it costs at this size).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from qa_app.measure.bench_scale import synthetic_vectors
from qa_app.measure.scoring import latency_ms, timed
from qa_app.search.store.postgres.schema import BM25_INDEX

REPORT_WINDOWS = 200  # windows of a synthetic report: the 324 published reports have 170 on average
BATCH_REPORTS = 250  # reports a COPY batch holds (50,000 windows)
FILTERED_REPORTS = 10  # "filtered": the reports of one authority over the years, and then some
BROAD_SHARE = 0.1  # "broadly filtered": a tenth of the reports (one judgement, one framework)
DEPTH = 100  # the retriever's depth


def synthetic_rows(url: str, n: int, segments, embedder, questions: Sequence[str], row: Callable) -> list:
    """The synthetic rows (`row(what, value, unit, note)` makes each) for n windows on the server of `url`."""
    from qa_app.measure.scratch_database import scratch_database
    from qa_app.search.store.postgres.schema import choose_lexical, connect, migrate

    with scratch_database(url) as scratch:
        conn = connect(scratch)
        migrate(conn)
        if choose_lexical(conn) != BM25_INDEX:
            return [row("synthetic: not run", None, "", "needs pg_textsearch (scripts/pg_textsearch.sh)")]
        rows = load_rows(conn, n, segments, row)
        rows += query_rows(conn, embedder, questions, max(1, n // REPORT_WINDOWS), row)
        rows += change_rows(conn, segments, row)
        conn.close()
    return rows


def load_rows(conn, n: int, segments, row: Callable) -> list:
    """Bulk-load n synthetic windows into an empty database whose lexical leg is the BM25 index, then build the
    HNSW and BM25 indexes; rows for the load, the builds and the size."""
    from qa_app.measure.scratch_database import database_bytes
    from qa_app.search.lexical import tokenize
    from qa_app.search.store.postgres.schema import BM25_OPTIONS

    rng = np.random.default_rng(0)
    base = np.concatenate([s.chunk_vectors for _, s in segments])
    texts = [t for _, s in segments for t in s.chunk_texts]
    tokens = tokenize(texts)
    rows: list = []
    conn.execute("DROP INDEX chunks_hnsw")
    conn.execute("DROP INDEX chunks_bm25")
    reports = max(1, n // REPORT_WINDOWS)
    started = time.perf_counter()
    for first in range(0, reports, BATCH_REPORTS):
        _copy_batch(conn, range(first, min(reports, first + BATCH_REPORTS)), base, texts, tokens, rng)
    rows.append(row(f"synthetic: load {reports * REPORT_WINDOWS:,} windows", time.perf_counter() - started, "s", "COPY"))
    conn.execute("SET maintenance_work_mem = '6GB'")
    conn.execute("SET max_parallel_maintenance_workers = 1")
    hnsw = timed(conn.execute, "CREATE INDEX chunks_hnsw ON chunks USING hnsw (embedding vector_ip_ops)")[1]
    rows.append(row("synthetic: HNSW build", hnsw, "s"))
    bm25 = timed(conn.execute, f"CREATE INDEX chunks_bm25 ON chunks USING bm25 (lexemes) WITH ({BM25_OPTIONS})")[1]
    rows.append(row("synthetic: BM25 index build (pg_textsearch)", bm25, "s"))
    conn.execute("ANALYZE")
    rows.append(row("synthetic: size on disk", database_bytes(conn) / 2**20, "MiB", "HNSW and BM25 indexes included"))
    return rows


def change_rows(conn, segments, row: Callable) -> list:
    """Adding and removing one real-sized report the way an upload does, with every index in place."""
    from qa_app.search.store.postgres.write import add_segment, remove_report

    rng = np.random.default_rng(1)
    base = np.concatenate([s.chunk_vectors for _, s in segments])
    extra = _segment(10**7, base, [t for _, s in segments for t in s.chunk_texts], rng)
    added = timed(add_segment, conn, extra, "extra.md")[1]
    removed = timed(remove_report, conn, extra.report.doc_id)[1]
    return [
        row("synthetic: add one report (embedded)", added, "s", f"{REPORT_WINDOWS} windows, every index in place"),
        row("synthetic: remove one report", removed, "s"),
    ]


def query_rows(conn, embedder, questions: Sequence[str], reports: int, row: Callable) -> list:
    """p50/p95 of each leg as the store runs it: unfiltered, filtered to a few reports (every admitted row
    scored), and broadly filtered (through the indexes)."""
    from qa_app.search.lexical import tokenize
    from qa_app.search.store.postgres.lexical import lexical_rows
    from qa_app.search.store.postgres.store import dense_sql, ef_search

    statistics = tuple(int(v) for v in conn.execute("SELECT n_chunks, total_length FROM corpus_state").fetchone())
    few = [f"syn-{r:07d}" for r in range(0, reports, max(1, reports // FILTERED_REPORTS))][:FILTERED_REPORTS]
    broad = [f"syn-{r:07d}" for r in range(0, reports, max(1, round(1 / BROAD_SHARE)))]
    scopes = {"": None, " filtered": few, " broadly filtered": broad}
    times: dict[tuple[str, str], list[float]] = {}
    for question in questions:
        q = embedder.encode_query(question)
        terms = tokenize([question])[0]
        for label, docs in scopes.items():
            where, params = ("WHERE doc_id = ANY(%(whole)s)", {"whole": docs}) if docs else ("", {})
            admitted = len(docs) * REPORT_WINDOWS if docs else statistics[0]
            exact = docs is few
            sql, k = dense_sql("chunks", where, exact), admitted if exact else DEPTH
            with conn.transaction():
                conn.execute(f"SET LOCAL hnsw.ef_search = {ef_search(statistics[0], DEPTH, bool(docs))}")
                conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                dense = timed(lambda: conn.execute(sql, {**params, "q": q, "k": k}, binary=True).fetchall())[1]
            lexical = timed(lexical_rows, conn, BM25_INDEX, terms, (where, params, admitted), DEPTH, statistics)[1]
            for leg, seconds in (("dense", dense), ("BM25", lexical), ("hybrid (both legs)", dense + lexical)):
                times.setdefault((leg, label), []).append(seconds)
    notes = {"": "", " filtered": f"; {len(few)} reports, every row scored", " broadly filtered": f"; {len(broad):,} reports"}
    out = []
    for (leg, label), values in times.items():
        p = latency_ms(values)
        out.append(row(f"synthetic: {leg}{label} p50", p["p50_ms"], "ms", f"p95 {p['p95_ms']:.0f} ms{notes[label]}"))
    return out


def _copy_batch(conn, numbers: range, base: np.ndarray, texts: Sequence[str], tokens, rng: np.random.Generator) -> None:
    """Reports `numbers`, their windows and blocks, in one COPY per table (the windows' in binary)."""
    from psycopg.types.json import Jsonb

    count = len(numbers) * REPORT_WINDOWS
    vectors = synthetic_vectors(base, count, rng)
    picks = rng.integers(0, len(texts), (count, 2))
    with conn.transaction(), conn.cursor() as cur:
        with cur.copy("COPY reports (doc_id, file_name, sha256, facts, acronyms) FROM STDIN") as copy:
            for r in numbers:
                doc_id = f"syn-{r:07d}"
                facts = {"doc_id": doc_id, "title": doc_id, "path": f"{doc_id}.md", "sha256": uuid.uuid4().hex}
                copy.write_row((doc_id, f"{doc_id}.md", facts["sha256"], json.dumps(facts), "{}"))
        with cur.copy("COPY chunks (doc_id, position, record, embedding, lexemes, length) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "int4", "jsonb", "vector", "text", "int4"])
            for i in range(count):
                doc_id, position = f"syn-{numbers[0] + i // REPORT_WINDOWS:07d}", i % REPORT_WINDOWS
                a, b = picks[i]
                text, own = texts[a] + " " + texts[b], tokens[a] + tokens[b]
                copy.write_row((doc_id, position, Jsonb(_record(doc_id, position, text)), vectors[i], " ".join(own), len(own)))
        with cur.copy("COPY blocks (doc_id, position, id, record) FROM STDIN") as copy:
            for i in range(count):
                doc_id, position = f"syn-{numbers[0] + i // REPORT_WINDOWS:07d}", i % REPORT_WINDOWS
                copy.write_row(
                    (doc_id, position, f"{doc_id}:p{position}", json.dumps(_record(doc_id, position, texts[picks[i][0]])))
                )
    df: Counter = Counter()
    for first, second in picks:
        df.update(set(tokens[first] + tokens[second]))
    conn.execute(
        "INSERT INTO terms (term, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
        "ON CONFLICT (term) DO UPDATE SET df = terms.df + excluded.df",
        (list(df), list(df.values())),
    )
    conn.execute(
        "UPDATE corpus_state SET n_chunks = n_chunks + %s, version = version + 1, "
        "total_length = total_length + (SELECT coalesce(sum(length), 0) FROM chunks WHERE doc_id = ANY(%s))",
        (count, [f"syn-{r:07d}" for r in numbers]),
    )


def _record(doc_id: str, position: int, text: str) -> dict:
    """A window's (or block's) record, about the size of a real one."""
    block = f"{doc_id}:p{position}"
    return {"id": f"{block}#w0", "block_id": block, "doc_id": doc_id, "number": position, "text": text}


def _segment(r: int, base: np.ndarray, texts: Sequence[str], rng: np.random.Generator):
    """One synthetic report of REPORT_WINDOWS windows, a block each, for the add and remove rows."""
    from qa_app.records import Block, Chunk, Report
    from qa_app.search.segments import Segment

    doc_id = f"syn-{r:07d}"
    picks = rng.integers(0, len(texts), (REPORT_WINDOWS, 2))
    chosen = [texts[a] + " " + texts[b] for a, b in picks]
    blocks = tuple(
        Block(f"{doc_id}:p{i}", doc_id, doc_id, i, "Synthetic", None, "finding", t, 0, len(t)) for i, t in enumerate(chosen)
    )
    chunks = tuple(
        Chunk(f"{b.id}#w0", b.id, doc_id, b.number, b.section_path, None, b.kind, b.text, 0, len(b.text), 0) for b in blocks
    )
    report = Report(doc_id=doc_id, title=doc_id, path=f"{doc_id}.md", sha256=uuid.uuid4().hex, paragraphs=blocks)
    vectors = synthetic_vectors(base, len(chunks), rng)
    empty = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    return Segment(report, chunks, tuple(chosen), tuple((b.id, ()) for b in blocks), {}, vectors, empty)
