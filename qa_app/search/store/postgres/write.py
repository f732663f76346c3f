"""Changing the database's corpus: one report added, replaced or removed per transaction, under the writer
lock, so a reader never sees half a report and two writers never interleave; each change bumps the corpus
version that other processes poll."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from qa_app.search.lexical import tokenize
from qa_app.search.segments import Segment, report_fields
from qa_app.search.store.postgres.lexical import document_frequencies
from qa_app.search.store.postgres.schema import BM25_INDEX, WRITER_LOCK


def postings(tokens: Sequence[Sequence[str]]) -> Iterator[tuple[int, str, int, int]]:
    """(window position, term, term frequency, window length) for BM25 in SQL."""
    for position, own in enumerate(tokens):
        for term, tf in Counter(own).items():
            yield position, term, tf, len(own)


def add_segment(conn, segment: Segment, file_name: str) -> None:
    """Add one embedded report, replacing any earlier version of it, in one transaction."""
    report = segment.report
    doc_id = report.doc_id
    tokens = tokenize(segment.chunk_texts)  # exactly as bm25s tokenises, for either lexical leg
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        lexical = conn.execute("SELECT lexical FROM corpus_state").fetchone()[0]
        rows = list(postings(tokens)) if lexical != BM25_INDEX else []
        _delete(conn, doc_id)
        conn.execute(
            "INSERT INTO reports (doc_id, file_name, sha256, facts, acronyms) VALUES (%s, %s, %s, %s, %s)",
            (doc_id, file_name, report.sha256, json.dumps(report_fields(report)), json.dumps(segment.acronyms)),
        )
        with conn.cursor() as cur:
            with cur.copy("COPY blocks (doc_id, position, id, record) FROM STDIN") as copy:
                for i, block in enumerate(report.paragraphs):
                    copy.write_row((doc_id, i, block.id, json.dumps(block.to_dict())))
            with cur.copy("COPY chunks (doc_id, position, record, embedding, lexemes, length) FROM STDIN") as copy:
                for i, (chunk, vector, own) in enumerate(zip(segment.chunks, segment.chunk_vectors, tokens, strict=True)):
                    copy.write_row((doc_id, i, json.dumps(chunk.to_dict()), _vector(vector), " ".join(own), len(own)))
            with cur.copy("COPY sentences (doc_id, position, block_id, span_start, span_end, embedding) FROM STDIN") as copy:
                spans = ((block_id, s, e) for block_id, block_spans in segment.sentence_spans for s, e in block_spans)
                for i, ((block_id, s, e), vector) in enumerate(zip(spans, segment.sentence_vectors, strict=True)):
                    copy.write_row((doc_id, i, block_id, s, e, _vector(vector)))
            if rows:
                with cur.copy("COPY postings (doc_id, position, term, tf, length) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((doc_id, *row))
        df = document_frequencies(tokens)
        conn.execute(
            "INSERT INTO terms (term, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
            "ON CONFLICT (term) DO UPDATE SET df = terms.df + excluded.df",
            (list(df), list(df.values())),
        )
        conn.execute(
            "UPDATE corpus_state SET version = version + 1, n_chunks = n_chunks + %s, total_length = total_length + %s",
            (len(segment.chunks), sum(len(own) for own in tokens)),
        )


def remove_report(conn, doc_id: str) -> bool:
    """Remove one report's rows in one transaction; False when the database did not hold it."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        found = _delete(conn, doc_id)
        if found:
            conn.execute("UPDATE corpus_state SET version = version + 1")
    return found


def set_state(conn, shape: dict, skipped: dict[str, str]) -> None:
    """Record what made the rows (so another model's vectors are refused) and the files left out."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        conn.execute(
            "UPDATE corpus_state SET shape = %s, skipped = %s, version = version + 1",
            (json.dumps(shape, sort_keys=True), json.dumps(skipped)),
        )


def sync(conn, segments: Iterable[tuple[str, Segment]], progress=None) -> tuple[int, int]:
    """Make the database hold exactly these (file name, segment) reports: add what is new or changed,
    remove what is gone; returns (added, removed). Each report is its own transaction."""
    held = dict(conn.execute("SELECT doc_id, sha256 FROM reports").fetchall())
    wanted, added = set(), 0
    for file_name, segment in segments:
        doc_id = segment.report.doc_id
        wanted.add(doc_id)
        if held.get(doc_id) != segment.report.sha256:
            add_segment(conn, segment, file_name)
            added += 1
            if progress:
                progress(f"Loaded {doc_id} into the database", 0.0)
    gone = [d for d in held if d not in wanted]
    for doc_id in gone:
        remove_report(conn, doc_id)
    return added, len(gone)


def _delete(conn, doc_id: str) -> bool:
    """Delete a report's rows and take its windows out of the BM25 statistics (inside the caller's transaction):
    the document frequencies by key, from the report's own tokens, not by scanning `terms` or `postings`."""
    if conn.execute("SELECT 1 FROM reports WHERE doc_id = %s", (doc_id,)).fetchone() is None:
        return False
    conn.execute(
        "UPDATE corpus_state SET n_chunks = n_chunks - w.n, total_length = total_length - w.total "
        "FROM (SELECT count(*) AS n, coalesce(sum(length), 0) AS total FROM chunks WHERE doc_id = %s) AS w",
        (doc_id,),
    )
    held = conn.execute("SELECT lexemes FROM chunks WHERE doc_id = %s", (doc_id,)).fetchall()
    df = document_frequencies([(text or "").split() for (text,) in held])
    left = conn.execute(
        "UPDATE terms SET df = terms.df - d.n FROM unnest(%s::text[], %s::int[]) AS d (term, n) "
        "WHERE terms.term = d.term RETURNING terms.term, terms.df",
        (list(df), list(df.values())),
    ).fetchall()
    gone = [term for term, df in left if df <= 0]
    if gone:
        conn.execute("DELETE FROM terms WHERE term = ANY(%s)", (gone,))
    for table in ("postings", "sentences", "chunks", "blocks", "reports"):
        conn.execute(f"DELETE FROM {table} WHERE doc_id = %s", (doc_id,))
    return True


def _vector(vector: np.ndarray) -> str:
    """pgvector's text form; COPY in text format takes it as it is."""
    return "[" + ",".join(f"{x:.9g}" for x in np.asarray(vector, dtype=np.float32)) + "]"
