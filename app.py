"""Start the web app: `python app.py [--host H] [--port N]`, then open http://127.0.0.1:7860.

A page comes up at once (a starting page while the web framework imports, then the workbench); the index
is loaded (built on first run) behind it, with progress in the console and in the page's status line.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from qa_app.app.cli import ProgressBar, add_settings_flags, settings_from_flags
from qa_app.app.web.access import is_loopback
from qa_app.app.web.starting import StartingPage
from qa_app.config import Settings
from qa_app.errors import QAError

if TYPE_CHECKING:  # imported once the starting page is up: it brings numpy and the search libraries
    from qa_app.app.web.slot import AssistantSlot


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


def load_into(slot: AssistantSlot, settings: Settings, rebuild: bool, took: list[float]) -> None:
    """Load the index (building it on a first start) into the slot, or say in it why it could not be; the
    seconds it took go into `took`."""
    from qa_app import Assistant  # faiss and ONNX Runtime load here

    progress = ProgressBar(mirror=slot.progress)
    started = time.perf_counter()
    try:
        assistant = Assistant.load(settings, progress=progress, rebuild=rebuild)
    except QAError as e:
        slot.failed(str(e))
        return
    finally:
        progress.close()
    took.append(time.perf_counter() - started)
    slot.ready(assistant)


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

    try:
        starting = StartingPage(settings)
    except OSError as e:
        print(
            f"Error: cannot serve on {settings.host}:{settings.port} ({e.strerror}); stop what uses it or pass --port.",
            file=sys.stderr,
        )
        return 2
    from qa_app.app.web.slot import AssistantSlot

    slot, took = AssistantSlot(), []
    # The index loads while the web framework imports: both take seconds, and neither needs the other.
    loading = threading.Thread(target=load_into, args=(slot, settings, args.rebuild, took), name="load-index", daemon=True)
    loading.start()
    from qa_app.app.web.page import build_app, launch  # gradio: seconds; turns its telemetry off before it loads

    demo = build_app(slot, settings)
    starting.stop()
    launch(demo, settings, block=False)
    print(f"Serving on http://{settings.host}:{settings.port} (Ctrl+C to stop)", flush=True)
    loading.join()
    if slot.assistant is None:
        print(f"Error: {slot.error or 'the index could not be loaded; see the error above.'}", file=sys.stderr)
        demo.close()
        return 1
    from qa_app.app.web.follow import follow_changes

    follow_changes(slot)  # a database shared with other app processes: their uploads show here too
    # Said once the workbench serves, so whoever waits for this line finds the workbench, not the starting page.
    print(f"Ready in {took[0]:.1f}s: {slot.assistant.status}", flush=True)
    demo.block_thread()  # returns on Ctrl+C, having closed the server
    return 0


if __name__ == "__main__":
    sys.exit(main())
