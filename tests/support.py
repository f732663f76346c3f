"""What several test modules share: the bundled report, a tiny report, hand-made records, and the app
and the command line started as a person starts them."""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # qa_app is imported where it is used, so that test_gold stays independent of it
    from qa_app.assistant import Assistant
    from qa_app.config import Settings
    from qa_app.records import Block, Hit
    from qa_app.search.embedding import Embedder

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
STOKE_REPORT = ROOT / "corpus" / "stoke-on-trent-2015.md"
GOLD = ROOT / "eval" / "gold.jsonl"
CHILD_ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False"}

# A report small enough to index in seconds, with one fact a question can find per paragraph.
PARAGRAPHS = [
    "The council had 620 children looked after in March 2015.",
    "Early help cases stay open for 14 weeks on average.",
    "Managers complete audits every month, but 12% of managers do not complete them.",
    "The judgement for leadership is requires improvement.",
    "Care leavers receive a personal adviser by the age of 16.",
    "The adoption service places children with families within 400 days.",
    "Private fostering arrangements are checked within seven days.",
    "Social workers carry an average caseload of 18 children.",
]
QUESTION = "How many children were looked after?"


def write_report(folder: Path, paragraphs=PARAGRAPHS, name: str = "tiny.md", title: str = "Tiny council report") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    numbered = "\n".join(f"{i}. {text}" for i, text in enumerate(paragraphs, 1))
    (folder / name).write_text(f"# {title}\n\n## Findings\n\n{numbered}\n", encoding="utf-8")
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(
    *args: str,
    timeout_s: float = 600,
    output: list[str] | None = None,
    prefix: Sequence[str] = (),
    process: list[subprocess.Popen] | None = None,
    env: dict[str, str] | None = None,
    preexec_fn=None,
) -> Iterator[str]:
    """`python app.py ARGS` on a free loopback port; yields its URL once it prints that it is ready.
    What the app prints is collected in `output` when given, its process put in `process`; `prefix` runs
    it under another command (`unshare ...`); `env` adds environment variables (QA_*)."""
    port = free_port()
    proc = subprocess.Popen(
        [*prefix, sys.executable, "app.py", "--port", str(port), *args],
        cwd=ROOT,
        env={**CHILD_ENV, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=preexec_fn,
    )
    lines: list[str] = [] if output is None else output
    ready = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if "Ready in" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if process is not None:
        process.append(proc)
    deadline = time.monotonic() + timeout_s
    while not ready.wait(1):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("app.py did not become ready:\n" + "".join(lines[-40:]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def index_command(corpus_dir: Path, index_dir: Path, *args: str) -> list[str]:
    """`python -m qa_app --corpus CORPUS --index INDEX index ARGS`, as a person types it."""
    return [sys.executable, "-m", "qa_app", "--corpus", str(corpus_dir), "--index", str(index_dir), "index", *args]


CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3


def dropping_capabilities(*capabilities: int):
    """A preexec_fn that drops these capabilities in the child, so root obeys permission bits like anyone else;
    None when not root, where permission bits already apply."""
    if os.geteuid() != 0:
        return None

    def drop() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in capabilities:
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")

    return drop


def keep_note(note: str) -> None:
    """Print a measurement, and append it to the file QA_ROBUSTNESS_NOTES names, if any, for the write-up."""
    print(note)
    if os.environ.get("QA_ROBUSTNESS_NOTES"):
        with open(os.environ["QA_ROBUSTNESS_NOTES"], "a", encoding="utf-8") as notes:
            notes.write(note + "\n")


def open_assistant(settings: Settings, embedder: Embedder, **changes) -> Assistant:
    """Assistant.load without loading the model again: the same steps, one shared embedder."""
    from qa_app.assistant import Assistant
    from qa_app.search.index.opening import ensure_index

    settings = settings.replace(**changes)
    data, opened = ensure_index(settings, embedder)
    return Assistant(settings, embedder, data, opened)


class CountingEmbedder:
    """The real embedder, recording every text it embeds; optionally failing on one, like a killed build."""

    def __init__(self, inner: Embedder, fail_on: str | None = None):
        self.inner, self.fail_on, self.texts = inner, fail_on, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, texts, progress=None):
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise RuntimeError("killed half-way")
        self.texts.extend(texts)
        return self.inner.encode(texts, progress)


# ---------------------------------------------------------------- hand-made records

# Paragraph 61 of the Stoke-on-Trent report, the default for records built by hand; keywords change any field.
CLA = "The local authority > The experiences and progress of children looked after and achieving permanence > Inspection findings"
TEXT = "At the time of the inspection, 68 children were placed at home on a care order. This is a slight decrease."


def make_hit(**changes) -> Hit:
    """A search hit; its block id follows its paragraph, and its best window is the whole text."""
    from qa_app.records import Hit

    fields = dict(
        doc_id="stoke",
        doc_title="Stoke-on-Trent",
        paragraph=61,
        section_path=CLA,
        judgement="Requires improvement",
        kind="finding",
        text=TEXT,
        score=1.0,
        window_start=0,
    )
    fields.update(changes)
    fields.setdefault("block_id", f"{fields['doc_id']}:p{fields['paragraph']}")
    fields.setdefault("window_end", len(fields["text"]))
    return Hit(**fields)


def make_block(number: int | None, text: str, **changes) -> Block:
    """A paragraph of a report; its id follows its number."""
    from qa_app.records import Block

    fields = dict(
        id=f"stoke:p{number}",
        doc_id="stoke",
        doc_title="Stoke-on-Trent",
        number=number,
        section_path=CLA,
        judgement="Requires improvement",
        kind="finding",
        text=text,
        start=0,
        end=len(text),
    )
    return Block(**{**fields, **changes})
