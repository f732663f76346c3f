"""Start the web app: `python app.py [--host H] [--port N]`, then open http://127.0.0.1:7860.

The page comes up at once; the index is loaded (built on first run) behind it, with progress in the
console and in the page's status line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping

from qa_app.app.cli import ProgressBar, add_settings_flags, settings_from_flags
from qa_app.app.web.access import is_loopback
from qa_app.app.web.follow import follow_changes
from qa_app.app.web.page import build_app, launch  # turns gradio's telemetry off before gradio loads
from qa_app.app.web.slot import AssistantSlot
from qa_app.config import Settings
from qa_app.errors import QAError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Serve the inspection report assistant in the browser.")
    p.add_argument("--host", help="address to bind (default: 127.0.0.1; 0.0.0.0 exposes it on the network)")
    p.add_argument("--port", type=int, help="port (default: 7860)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the index even if it is up to date")
    add_settings_flags(p)
    return p.parse_args(argv)


def load_settings(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Settings:
    """Defaults, QA_* variables, Gradio's GRADIO_SERVER_NAME/PORT, then flags."""
    env = os.environ if env is None else env
    host = args.host or env.get("GRADIO_SERVER_NAME")
    port = args.port or (int(env["GRADIO_SERVER_PORT"]) if env.get("GRADIO_SERVER_PORT") else None)
    return settings_from_flags(args, env, host=host, port=port)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = load_settings(args)
    except QAError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    if not is_loopback(settings.host) and settings.auth is None:
        print(
            f"Warning: serving on {settings.host} without a login; other machines may read but not change the "
            "reports; set both QA_AUTH_USER and QA_AUTH_PASSWORD.",
            file=sys.stderr,
        )
    if not is_loopback(settings.host) and not settings.allowed_hosts:
        print(
            "Note: other machines must open the app by its address or a name listed in QA_ALLOWED_HOSTS.",
            file=sys.stderr,
        )

    slot = AssistantSlot()
    demo = build_app(slot, settings)
    launch(demo, settings, block=False)
    print(f"Serving on http://{settings.host}:{settings.port} (Ctrl+C to stop)", flush=True)

    from qa_app import Assistant  # torch and faiss load here, after the page is already up

    progress = ProgressBar(mirror=slot.progress)
    started = time.perf_counter()
    try:
        assistant = Assistant.load(settings, progress=progress, rebuild=args.rebuild)
    except QAError as e:
        slot.failed(str(e))
        print(f"Error: {e}", file=sys.stderr)
        demo.close()
        return 1
    finally:
        progress.close()
    slot.ready(assistant)
    follow_changes(slot)  # a database shared with other app processes: their uploads show here too
    print(f"Ready in {time.perf_counter() - started:.1f}s: {assistant.status}", flush=True)
    demo.block_thread()  # returns on Ctrl+C, having closed the server
    return 0


if __name__ == "__main__":
    sys.exit(main())
