"""A database of its own for a bench, created beside the user's (on the same server) and dropped after, so
the user's rows are never touched."""

from __future__ import annotations

import uuid


class scratch_database:
    """A database created beside `url`'s for the bench and dropped after."""

    def __init__(self, url: str):
        self.url, self.name = url, f"qa_bench_{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> str:
        from qa_app.search.store.postgres.local import with_database
        from qa_app.search.store.postgres.schema import connect

        with connect(self.url) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return with_database(self.url, self.name)

    def __exit__(self, *exc) -> None:
        from qa_app.search.store.postgres.schema import connect

        with connect(self.url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def database_bytes(conn) -> int:
    """Everything the database holds on disk, indexes included."""
    return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])
