"""Opening the PostgreSQL store: migrate the schema, load the corpus into an empty database (through the
file index, so vectors are the ones the file store has), refuse rows another model made, read a snapshot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from qa_app.config import Settings
from qa_app.errors import IndexUnavailable
from qa_app.ingest.sandbox import ReportParser
from qa_app.search.acronyms import find_acronyms, spell_out
from qa_app.search.embedding import Embedder
from qa_app.search.index.build import Progress, index_shape, make_segment
from qa_app.search.segments import Segment
from qa_app.search.store.base import Opened
from qa_app.search.store.files import FileStore, flat_rows
from qa_app.search.store.postgres.schema import DIMENSION, choose_lexical, connect, migrate, read_only_reason, shown_url
from qa_app.search.store.postgres.store import PostgresStore, load_snapshot
from qa_app.search.store.postgres.write import set_state, sync


def open_postgres(
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None = None,
    rebuild: bool = False,
    serve_previous: bool = True,
) -> tuple[PostgresStore, Opened]:
    """The database's corpus, loaded from the corpus folder first when the database holds none, or made to
    mirror it when `rebuild` (`qa-app index --store URL`); otherwise the database, not the folder, is the
    corpus, changed by uploads and removals one report at a time."""
    url = settings.store_url or ""
    shape = index_shape(settings, embedder)
    conn = connect(url)
    try:
        migrate(conn)
        choose_lexical(conn, settings.store_lexical)
        held, stored_shape = conn.execute("SELECT (SELECT count(*) FROM reports), shape FROM corpus_state").fetchone()
        loaded = ""
        if rebuild or not held:
            if refused := read_only_reason(conn):  # a replica is loaded by replication from its primary
                raise IndexUnavailable(refused)
            added, removed = load_corpus(conn, settings, embedder, progress, anew=stored_shape not in (None, shape))
            loaded = f" Loaded {added} reports from {settings.corpus_dir} (removed {removed})."
        elif stored_shape != shape:
            raise IndexUnavailable(
                f"The database {shown_url(url)} holds passages made with another model or chunking; "
                f"run: qa-app index --store URL --rebuild"
            )
    finally:
        conn.close()
    store = load_snapshot(url, settings.approx_threshold)
    return store, Opened(
        f"Opened the database {shown_url(url)} ({len(store.reports)} reports, {len(store.chunks)} chunks).{loaded}"
    )


def load_corpus(conn, settings: Settings, embedder: Embedder, progress: Progress | None, anew: bool) -> tuple[int, int]:
    """Mirror the corpus folder into the database: built (or reused) through the file index, then each
    report added, replaced or removed in its own transaction; `anew` first empties a database whose rows
    another model or chunking made. Returns (added, removed)."""
    from qa_app.search.index.opening import ensure_index

    if embedder.dimension != DIMENSION:
        raise IndexUnavailable(f"The database keeps {DIMENSION}-dimension vectors, but {embedder.source.model_id} makes others.")
    files, _ = ensure_index(settings.replace(store="files", store_url=None), embedder, progress)
    if anew:
        conn.execute("TRUNCATE reports, blocks, chunks, sentences, postings, terms")
        conn.execute("UPDATE corpus_state SET n_chunks = 0, total_length = 0, version = version + 1")
    counts = sync(conn, segments_of(files), progress)
    set_state(conn, index_shape(settings, embedder), files.skipped)
    return counts


def segments_of(store: FileStore) -> Iterator[tuple[str, Segment]]:
    """Each report of a file index as (file name, segment), with the vectors it was searched with."""
    chunk_vectors = flat_rows(store.dense)
    if chunk_vectors is None:  # HNSW keeps its vectors too
        chunk_vectors = store.dense.reconstruct_n(0, store.dense.ntotal)
    file_of = {sha: name for name, sha in store.manifest.corpus.items()}
    chunk_at = 0
    for report in store.reports:
        blocks = report.paragraphs
        acronyms = find_acronyms([b.text for b in blocks])
        ids = {b.id for b in blocks}
        n = 0
        while chunk_at + n < len(store.chunks) and store.chunks[chunk_at + n].block_id in ids:
            n += 1
        chunks = tuple(store.chunks[chunk_at : chunk_at + n])
        spans = tuple((b.id, tuple(store.sentence_rows[b.id][0])) for b in blocks if b.id in store.sentence_rows)
        sentence_vectors = [store.sentence_vectors[store.sentence_rows[b][1]] for b, _ in spans]
        yield (
            file_of.get(report.sha256, f"{report.doc_id}"),
            Segment(
                report=report,
                chunks=chunks,
                chunk_texts=tuple(spell_out(c.text, acronyms) for c in chunks),
                sentence_spans=spans,
                acronyms=acronyms,
                chunk_vectors=np.asarray(chunk_vectors[chunk_at : chunk_at + n], dtype=np.float32),
                sentence_vectors=np.concatenate(sentence_vectors) if sentence_vectors else np.zeros((0, DIMENSION), np.float32),
            ),
        )
        chunk_at += n


def segments_from_files(paths: Sequence[Path], embedder: Embedder, settings: Settings) -> Iterator[tuple[str, Segment]]:
    """Each report file parsed (in the capped worker process) and embedded: an upload on its way to the database."""
    with ReportParser.from_settings(settings) as parser:
        for path in paths:
            report = parser.load(path, settings.corpus_dir)
            yield path.name, make_segment(report, embedder, settings, lambda done, total: None)
