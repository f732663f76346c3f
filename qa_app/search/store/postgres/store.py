"""`PostgresStore`: a snapshot of the database's records in memory (what `Retriever` indexes by row), with
each retriever leg run as SQL: pgvector for the dense legs, BM25 (`lexical`) for the lexical one."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from qa_app.errors import ReadOnlyStore
from qa_app.records import Block, Chunk, Report
from qa_app.search.acronyms import spell_out
from qa_app.search.lexical import tokenize
from qa_app.search.segments import Segment, block_from_dict
from qa_app.search.store.base import SentenceSpans
from qa_app.search.store.files import EXHAUSTIVE_ROWS
from qa_app.search.store.postgres.collections import load_collection, save_collection
from qa_app.search.store.postgres.lexical import EXACT_ROWS, lexical_rows
from qa_app.search.store.postgres.schema import DIMENSION, POSTINGS, connect, read_only_reason
from qa_app.search.store.postgres.write import add_segment, remove_report
from qa_app.search.vocabulary import common_words

HNSW_EF_SEARCH = 128  # as the file store's FAISS HNSW


def ef_search(rows: int, k: int, filtered: bool) -> int:
    """HNSW's search breadth: FAISS's 128 (and at least k), growing past 320,000 rows as rows / 2,500 (pgvector
    allows 1,000) for an unfiltered search: at 1M windows its recall@10 was 0.745 with 128 and 0.86 with 400
    (docs/postgres.md). Filtered searches keep 128: iterative scans with a broader one cost 12 times as long."""
    return min(max(HNSW_EF_SEARCH, k, 0 if filtered else rows // 2500), 1000)


def dense_sql(table: str, where: str, exact: bool) -> str:
    """The nearest rows by inner product; `exact` orders by an expression HNSW cannot serve, so every admitted
    row is scored (FAISS's flat index does the same) without a transaction to switch index scans off."""
    distance = "embedding <#> %(q)s"
    order = f"({distance}) + 0" if exact else distance
    return f"SELECT doc_id, position, -({distance}) FROM {table} {where} ORDER BY {order} LIMIT %(k)s"


@dataclass(frozen=True)
class Rows:
    """One table's rows in the snapshot: each report's first row and count, so SQL keys map to row numbers."""

    doc_ids: tuple[str, ...]
    start: dict[str, int]
    count: dict[str, int]
    total: int

    @classmethod
    def of(cls, keys: Sequence[str]) -> Rows:
        start: dict[str, int] = {}
        count: dict[str, int] = {}
        for i, doc_id in enumerate(keys):
            start.setdefault(doc_id, i)
            count[doc_id] = count.get(doc_id, 0) + 1
        return cls(tuple(start), start, count, len(keys))

    def rows(self, doc_ids: Sequence[str], positions: Sequence[int]) -> np.ndarray:
        """Row numbers of (doc_id, position) keys; -1 for a report the snapshot does not hold."""
        return np.fromiter(
            (self.start[d] + p if p < self.count.get(d, 0) else -1 for d, p in zip(doc_ids, positions)),
            dtype=np.int64,
            count=len(doc_ids),
        )

    def where(self, allowed: np.ndarray) -> tuple[str, dict]:
        """A WHERE clause selecting the allowed rows: whole reports by doc_id, others by (doc_id, position)."""
        if allowed.all():
            return "", {}
        whole, docs, positions = [], [], []
        for doc_id in self.doc_ids:
            lo, n = self.start[doc_id], self.count[doc_id]
            part = allowed[lo : lo + n]
            if part.all():
                whole.append(doc_id)
            elif part.any():
                found = np.flatnonzero(part)
                docs += [doc_id] * len(found)
                positions += found.tolist()
        clauses = ["doc_id = ANY(%(whole)s)"] if whole else []
        if docs:
            clauses.append("(doc_id, position) IN (SELECT * FROM unnest(%(docs)s::text[], %(positions)s::int[]))")
        if not clauses:
            return "WHERE false", {}
        return "WHERE " + " OR ".join(clauses), {"whole": whole, "docs": docs, "positions": positions}


@dataclass
class PostgresStore:
    """One corpus version of the database: records in memory, scores computed by the server; implements `Store`."""

    url: str
    version: int
    blocks: list[Block]
    chunks: list[Chunk]
    reports: list[Report]
    skipped: dict[str, str]
    acronyms: dict[str, str]
    n_chunks: int
    total_length: int
    approx_threshold: int  # past this many windows the dense legs use HNSW, as the file store does
    lexical: str  # schema.POSTINGS or schema.BM25_INDEX
    exact_lexical_rows: int  # up to this many admitted windows BM25 scores each one (lexical.EXACT_ROWS)
    _chunk_rows: Rows
    _sentence_rows: Rows
    _sentence_owners: list[str]
    _block_doc: dict[str, str]
    read_only: str = ""  # why corpus changes are refused here (a replica), detected at start; "" where they are not
    _local: threading.local = field(default_factory=threading.local)

    @property
    def common_words(self) -> frozenset[str]:
        if not hasattr(self, "_common"):
            self._common = frozenset(common_words(b.text for b in self.blocks))
        return self._common

    def connection(self):
        """This thread's connection: psycopg connections are not shared between threads' queries."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = connect(self.url)
        return conn

    def current_version(self) -> int:
        """The database's corpus version now: differs from `version` once another process changed it."""
        return int(self.connection().execute("SELECT version FROM corpus_state").fetchone()[0])

    def add(self, segment: Segment, file_name: str) -> None:
        """Add (or replace) one embedded report in one transaction; this snapshot does not change."""
        self._writable()
        add_segment(self.connection(), segment, file_name)

    def remove(self, doc_id: str) -> bool:
        """Remove one report in one transaction; False when the database did not hold it."""
        self._writable()
        return remove_report(self.connection(), doc_id)

    def _writable(self) -> None:
        """ReadOnlyStore, in one sentence, where the database cannot take a change (PostgreSQL's own error
        would say only that a read-only transaction cannot run INSERT)."""
        if self.read_only:
            raise ReadOnlyStore(self.read_only)

    def reopened(self) -> PostgresStore:
        """The database's corpus as it is now."""
        return load_snapshot(self.url, self.approx_threshold)

    def collection(self, user: str) -> list[dict]:
        return load_collection(self.url, user)

    def keep_collection(self, user: str, items: list[dict]) -> None:
        save_collection(self.url, user, items)

    def sentence_owners(self) -> list[str]:
        return list(self._sentence_owners)

    def sentences(self, block_id: str) -> tuple[SentenceSpans, np.ndarray]:
        return self.sentences_of([block_id])[block_id]

    def sentences_of(self, block_ids: Sequence[str]) -> dict[str, tuple[SentenceSpans, np.ndarray]]:
        """Many blocks' sentences in one query (a question's passages): one round trip, not one a passage, with
        the vectors in binary (parsing them from text took most of the time)."""
        wanted = list(dict.fromkeys(block_ids))
        rows = (
            self.connection()
            .execute(
                "SELECT block_id, span_start, span_end, embedding FROM sentences "
                "WHERE (doc_id, block_id) IN (SELECT * FROM unnest(%s::text[], %s::text[])) ORDER BY doc_id, position",
                ([self._block_doc[b] for b in wanted], wanted),
                binary=True,
            )
            .fetchall()
        )
        found: dict[str, tuple[SentenceSpans, list]] = {b: ([], []) for b in wanted}
        for block_id, start, end, vector in rows:
            found[block_id][0].append((start, end))
            found[block_id][1].append(vector)
        return {b: (spans, _matrix(vectors)) for b, (spans, vectors) in found.items()}

    def dense_scores(self, vector: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
        return self._nearest("chunks", self._chunk_rows, vector, allowed, depth)

    def sentence_scores(self, vector: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
        return self._nearest("sentences", self._sentence_rows, vector, allowed, depth)

    def lexical_scores(self, query: str, allowed: np.ndarray, depth: int) -> np.ndarray:
        scores = np.zeros(self._chunk_rows.total, dtype=np.float32)
        terms = tokenize([spell_out(query, self.acronyms)])[0]
        if not terms or not self.n_chunks or not allowed.any():
            return scores
        where, params = self._chunk_rows.where(allowed)
        found, filtered = lexical_rows(
            self.connection(),
            self.lexical,
            terms,
            (where, params, int(allowed.sum())),
            depth,
            (self.n_chunks, self.total_length),
            self.exact_lexical_rows,
        )
        _place(scores, self._chunk_rows, found)
        if not filtered:
            scores[~allowed] = 0.0
        return scores

    def _few(self, allowed: np.ndarray) -> bool:
        """Whether the rows a question may see are few enough to score every one exactly (a small corpus, or
        filters down to a few reports), instead of walking an approximate or pruned index."""
        return self._chunk_rows.total <= self.approx_threshold or int(allowed.sum()) <= EXHAUSTIVE_ROWS

    def _nearest(self, table: str, rows: Rows, vector: np.ndarray, allowed: np.ndarray, depth: int) -> np.ndarray:
        """Cosine of the allowed rows among the nearest `depth` (every allowed row when they are few): exact
        below approx_threshold windows or for a few reports' rows, pgvector's HNSW with iterative filtering
        otherwise, as FAISS is."""
        scores = np.full(rows.total, -np.inf, dtype=np.float32)
        if not allowed.any():
            return scores
        where, params = rows.where(allowed)
        k = rows.total if rows.total <= EXHAUSTIVE_ROWS else depth
        params.update(q=np.asarray(vector, dtype=np.float32).reshape(-1), k=k)
        conn = self.connection()
        if self._few(allowed):
            found = conn.execute(dense_sql(table, where, exact=True), params, binary=True).fetchall()
        else:
            with conn.transaction():
                conn.execute(f"SET LOCAL hnsw.ef_search = {ef_search(rows.total, k, bool(where))}")
                conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                found = conn.execute(dense_sql(table, where, exact=False), params, binary=True).fetchall()
        _place(scores, rows, found)
        return scores

    def segments(self) -> Iterator[tuple[str, Segment]]:
        """Each report as (file name, segment), vectors included: what `store copy` moves to another store."""
        conn = self.connection()
        by_doc: dict[str, list[Block]] = {}
        for block in self.blocks:
            by_doc.setdefault(block.doc_id, []).append(block)
        chunks: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            chunks.setdefault(chunk.doc_id, []).append(chunk)
        for report in self.reports:
            doc_id = report.doc_id
            file_name, acronyms = conn.execute("SELECT file_name, acronyms FROM reports WHERE doc_id = %s", (doc_id,)).fetchone()
            chunk_vectors = _vectors(conn, "SELECT embedding FROM chunks WHERE doc_id = %s ORDER BY position", doc_id)
            sentence_rows = conn.execute(
                "SELECT block_id, span_start, span_end, embedding FROM sentences WHERE doc_id = %s ORDER BY position",
                (doc_id,),
                binary=True,
            ).fetchall()
            spans: dict[str, list[tuple[int, int]]] = {b.id: [] for b in by_doc.get(doc_id, ())}
            for block_id, s, e, _ in sentence_rows:
                spans.setdefault(block_id, []).append((s, e))
            own = chunks.get(doc_id, [])
            yield (
                file_name,
                Segment(
                    report=report,
                    chunks=tuple(own),
                    chunk_texts=tuple(spell_out(c.text, acronyms) for c in own),
                    sentence_spans=tuple((b, tuple(s)) for b, s in spans.items()),
                    acronyms=acronyms,
                    chunk_vectors=chunk_vectors,
                    sentence_vectors=_matrix([r[3] for r in sentence_rows]),
                ),
            )


def load_snapshot(url: str, approx_threshold: int) -> PostgresStore:
    """Every record of the database's corpus as of one version, read in one repeatable-read transaction."""
    conn = connect(url)
    try:
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            version, n_chunks, total_length, skipped, lexical = conn.execute(
                "SELECT version, n_chunks, total_length, skipped, lexical FROM corpus_state"
            ).fetchone()
            blocks = [block_from_dict(r) for (r,) in conn.execute("SELECT record FROM blocks ORDER BY doc_id, position")]
            chunks = [Chunk(**r) for (r,) in conn.execute("SELECT record FROM chunks ORDER BY doc_id, position")]
            owners = conn.execute("SELECT doc_id, block_id FROM sentences ORDER BY doc_id, position").fetchall()
            facts = conn.execute("SELECT facts, acronyms FROM reports ORDER BY doc_id").fetchall()
            read_only = read_only_reason(conn)
    finally:
        conn.close()
    by_doc: dict[str, list[Block]] = {}
    for block in blocks:
        by_doc.setdefault(block.doc_id, []).append(block)
    acronyms: dict[str, str] = {}
    for _, own in facts:  # queries are spelled out with every report's acronyms; the first report's words win
        for acronym, words in own.items():
            acronyms.setdefault(acronym, words)
    return PostgresStore(
        url=url,
        version=int(version),
        blocks=blocks,
        chunks=chunks,
        reports=[Report(**f, paragraphs=tuple(by_doc.get(f["doc_id"], ()))) for f, _ in facts],
        skipped=dict(skipped or {}),
        acronyms=acronyms,
        n_chunks=int(n_chunks),
        total_length=int(total_length),
        approx_threshold=approx_threshold,
        lexical=lexical or POSTINGS,
        exact_lexical_rows=EXACT_ROWS,
        _chunk_rows=Rows.of([c.doc_id for c in chunks]),
        _sentence_rows=Rows.of([d for d, _ in owners]),
        _sentence_owners=[b for _, b in owners],
        _block_doc={b.id: b.doc_id for b in blocks},
        read_only=read_only,
    )


def _place(scores: np.ndarray, rows: Rows, found: list[tuple]) -> None:
    """Write (doc_id, position, score) results into the snapshot's row array, skipping rows it does not hold."""
    if not found:
        return
    docs, positions, values = zip(*found, strict=True)
    at = rows.rows(docs, positions)
    keep = (at >= 0) & (at < rows.total)
    scores[at[keep]] = np.asarray(values, dtype=np.float32)[keep]


def _vectors(conn, sql: str, doc_id: str) -> np.ndarray:
    return _matrix([v for (v,) in conn.execute(sql, (doc_id,), binary=True)])


def _matrix(vectors: list) -> np.ndarray:
    """pgvector's Vector values as one float32 matrix, a row each."""
    if not vectors:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    return np.stack([v.to_numpy() for v in vectors]).astype(np.float32)
