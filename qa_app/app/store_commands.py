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
    serve.add_argument("--data", help="its data folder (default: postgres/ in the index folder)")
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

    from qa_app.measure.store_tools import serve_local, stop_local

    folder = Path(args.data) if args.data else Path(settings.index_dir) / "postgres"
    server, url = serve_local(folder, DATABASE)
    print(f"PostgreSQL is running in {folder} (Unix socket only). Use it with:\n  QA_STORE='{url}' python app.py")
    print("Press Ctrl-C to stop it.", flush=True)
    stop = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # held for sigwait, so the server is stopped below
    try:
        signal.sigwait(stop)
    finally:
        stop_local(server)
    return 0


def _copy(args, settings: Settings) -> int:
    from qa_app.measure.store_tools import copy_index, shown

    added, removed = copy_index(args.source, args.target, settings)
    print(f"Copied into {shown(args.target)}: {added} reports added or replaced, {removed} removed.")
    return 0


def _compare(args, settings: Settings) -> int:
    from qa_app.measure.store_overlap import format_overlap, store_overlap

    if not is_database_url(args.url):
        raise QAError(f"{args.url} is not a database URL; give postgresql://...")
    result = store_overlap(args.gold, settings.replace(store="files", store_url=None), settings.replace(store=args.url))
    print(json.dumps(result.to_dict(), indent=1) if args.json else format_overlap(result, "files", "postgresql"))
    return 0 if result.questions else 1
