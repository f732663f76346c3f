"""Start the web app: `python app.py [--host H] [--port N]`, then open http://127.0.0.1:7860.

The page comes up at once; the index is loaded (built on first run) behind it, with progress in the
console and in the page's status line.
"""

from __future__ import annotations

import os

# Before gradio is imported: no telemetry, no version check against the internet.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import argparse
import sys
import time

from tqdm import tqdm

from qa_app.config import Settings
from qa_app.errors import QAError
from qa_app.ui import AssistantSlot, build_app, launch


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Serve the inspection report assistant in the browser.")
    p.add_argument("--host", help="address to bind (default 127.0.0.1; 0.0.0.0 exposes it on the network)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--corpus", help="folder of reports, *.md (default corpus/)")
    p.add_argument("--index", help="index folder (default index/)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the index even if it is up to date")
    p.add_argument("--model", help="sentence-transformers model path or name (default: the bundled MiniLM)")
    p.add_argument("--reader", choices=["sentence", "transformers"], help="answer reader (default sentence)")
    return p.parse_args(argv)


def load_settings(args: argparse.Namespace, env: dict[str, str] | None = None) -> Settings:
    """Defaults, QA_* variables, Gradio's GRADIO_SERVER_NAME/PORT, then flags."""
    env = dict(os.environ) if env is None else env
    host = args.host or env.get("GRADIO_SERVER_NAME")
    port = args.port or (int(env["GRADIO_SERVER_PORT"]) if env.get("GRADIO_SERVER_PORT") else None)
    return Settings.load(
        env,
        host=host,
        port=port,
        corpus_dir=args.corpus,
        index_dir=args.index,
        model=args.model,
        reader=args.reader,
    )


class ConsoleProgress:
    """Assistant.load progress as a console bar, mirrored to the page's status line."""

    def __init__(self, slot: AssistantSlot):
        self.slot = slot
        self.bar = tqdm(total=100, unit="%", bar_format="{desc:<40.40} {percentage:3.0f}%|{bar}| {elapsed}")

    def __call__(self, message: str, fraction: float) -> None:
        self.slot.progress(message, fraction)
        self.bar.set_description_str(message)
        self.bar.update(max(0, round(fraction * 100) - self.bar.n))

    def close(self) -> None:
        self.bar.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings(args)
    if settings.host not in {"127.0.0.1", "localhost", "::1"} and not settings.auth_user:
        print(
            f"Warning: serving on {settings.host} without a login; set QA_AUTH_USER and QA_AUTH_PASSWORD.",
            file=sys.stderr,
        )

    slot = AssistantSlot()
    demo = build_app(slot, settings)
    launch(demo, settings, block=False)
    print(f"Serving on http://{settings.host}:{settings.port} (Ctrl+C to stop)", flush=True)

    from qa_app import Assistant  # torch and faiss load here, after the page is already up

    progress = ConsoleProgress(slot)
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
    print(f"Ready in {time.perf_counter() - started:.1f}s: {assistant.status}", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
