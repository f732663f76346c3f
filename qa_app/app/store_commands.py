"""`qa-app store serve|copy|compare`: a local PostgreSQL, moving an index between stores, and how closely
the PostgreSQL store's answers follow the file store's."""

from __future__ import annotations

import argparse
import json
import signal

from qa_app.config import Settings, is_database_url
from qa_app.errors import QAError

DATABASE = "qa"


def add_store_commands(commands) -> None:
    store = commands.add_parser("store", help="a local PostgreSQL, copying an index between stores, comparing them")
    actions = store.add_subparsers(dest="action", required=True, metavar="ACTION")
    serve = actions.add_parser("serve", help="start PostgreSQL (pgvector) on a Unix socket here and print its URL")
    serve.add_argument("--data", help="its data folder (default: postgres/ beside the index folder)")
    serve.set_defaults(run=_serve)
    copy = actions.add_parser("copy", help="copy an index: SRC and DST are 'files' (the index folder) or a postgresql:// URL")
    copy.add_argument("source")
    copy.add_argument("target")
    copy.set_defaults(run=_copy)
    compare = actions.add_parser("compare", help="top-5 overlap and same answers of a database against the file store")
    compare.add_argument("url", help="the database, postgresql://...")
    compare.add_argument("gold", nargs="*", default=["eval/gold.jsonl", "eval/trust.jsonl"], help="gold question files")
    compare.add_argument("--json", action="store_true")
    compare.set_defaults(run=_compare)


def add_store_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="files (default) or a database, postgresql://... (default: QA_STORE)")


def _serve(args, settings: Settings) -> int:
    from pathlib import Path

    from qa_app.search.store.postgres.local import create_database, start_local

    folder = Path(args.data) if args.data else Path(settings.index_dir).parent / "postgres"
    server = start_local(folder)
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
    url = server.get_uri(DATABASE) if exists else create_database(server, DATABASE)
    print(f"PostgreSQL is running in {folder} (Unix socket only). Use it with:\n  QA_STORE='{url}' qa-app app")
    print("Press Ctrl-C to stop it.", flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        server.cleanup()
    return 0


def _copy(args, settings: Settings) -> int:
    from qa_app.search.embedding import Embedder
    from qa_app.search.index.build import index_shape
    from qa_app.search.index.opening import load_index
    from qa_app.search.store.postgres.open import segments_of
    from qa_app.search.store.postgres.schema import connect, migrate, shown_url
    from qa_app.search.store.postgres.store import load_snapshot
    from qa_app.search.store.postgres.write import set_state, sync

    source, target = args.source, args.target
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
        migrate(conn)
        added, removed = sync(conn, segments)
        set_state(conn, index_shape(settings, Embedder.from_settings(settings)), skipped)
    finally:
        conn.close()
    print(f"Copied into {shown_url(target)}: {added} reports added or replaced, {removed} removed.")
    return 0


def _compare(args, settings: Settings) -> int:
    from qa_app.measure.store_overlap import format_overlap, store_overlap

    if not is_database_url(args.url):
        raise QAError(f"{args.url} is not a database URL; give postgresql://...")
    result = store_overlap(args.gold, settings.replace(store="files", store_url=None), settings.replace(store=args.url))
    print(json.dumps(result.to_dict(), indent=1) if args.json else format_overlap(result, "files", "postgresql"))
    return 0 if result.questions else 1
