"""The store commands' work, below the command line: a local PostgreSQL started, and an index copied from
the file index or one database into another database (each report its own transaction, nothing embedded)."""

from __future__ import annotations

from pathlib import Path

from qa_app.config import Settings, is_database_url
from qa_app.errors import QAError


def serve_local(folder: Path, database: str = "qa"):
    """Start (or find running) the local server in `folder`, with `database` made on first use;
    returns (server, the database's URL). The server stops when this process exits or on `server.cleanup()`."""
    from qa_app.search.store.postgres.local import create_database, start_local
    from qa_app.search.store.postgres.schema import connect

    server = start_local(folder)
    with connect(server.get_uri()) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
    return server, server.get_uri(database) if exists else create_database(server, database)


def stop_local(server) -> None:
    """Stop the local server now, even when a process that used it before was killed without stopping it
    (the wheel stops it only when its last recorded user leaves)."""
    from qa_app.search.store.postgres.local import stop_server

    server.cleanup()
    stop_server(server.pgdata, server.system_user)


def copy_index(source: str, target: str, settings: Settings, embedder=None) -> tuple[int, int]:
    """Make the database `target` hold what `source` ("files": the index folder; or a database URL) holds;
    returns (reports added or replaced, reports removed). The embedder (loaded from settings when not
    given) only names the model the rows were made with."""
    from qa_app.search.embedding import Embedder
    from qa_app.search.index.build import index_shape
    from qa_app.search.index.opening import load_index
    from qa_app.search.store.postgres.open import segments_of
    from qa_app.search.store.postgres.schema import choose_lexical, connect, migrate, read_only_reason
    from qa_app.search.store.postgres.store import load_snapshot
    from qa_app.search.store.postgres.write import set_state, sync

    if not is_database_url(target):
        raise QAError(f"{target} is not a database; copy into a postgresql:// URL (the file index is built by `qa-app index`).")
    if is_database_url(source):
        snapshot = load_snapshot(source, settings.approx_threshold)
        segments, skipped = snapshot.segments(), snapshot.skipped
    elif source == "files":
        files = load_index(settings.index_dir)
        segments, skipped = segments_of(files), files.manifest.skipped
    else:
        raise QAError(f"{source} is neither 'files' nor a postgresql:// URL; name the store to copy from.")
    conn = connect(target)
    try:
        if refused := read_only_reason(conn):
            raise QAError(refused)
        migrate(conn)
        choose_lexical(conn, settings.store_lexical)
        counts = sync(conn, segments)
        set_state(conn, index_shape(settings, embedder or Embedder.from_settings(settings)), skipped)
    finally:
        conn.close()
    return counts


def shown(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    from qa_app.search.store.postgres.schema import shown_url

    return shown_url(url)
