"""The bench's work in fresh processes, as a person runs it: the index build and a cold start, each with its
own wall time and peak memory; and this process's peak memory and the size of what was written."""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa_app.config import Settings

ROOT = Path(__file__).resolve().parents[2]  # so that `qa_app` imports as this package in a child
CLI = ["from qa_app.app.cli import main", "code = main(sys.argv[1:])"]


@dataclass(frozen=True)
class Child:
    """How a fresh process went: wall time, peak RSS, and the error it ended with (None when it did not)."""

    seconds: float
    peak_rss_bytes: int
    error: str | None


def copy_reports(paths: Sequence[Path], folder: Path) -> Path:
    """A scratch corpus of these reports, so that every process of the bench sees the same corpus."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copyfile(path, folder / path.name)
    return folder


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def read_all(folder: Path) -> int:
    """Read every file of the folder: the floor under loading an index from it."""
    return sum(len(p.read_bytes()) for p in Path(folder).rglob("*") if p.is_file())


def peak_rss_bytes() -> int:
    """This process's resident-memory high-water mark."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def build_in_child(settings: Settings) -> Child:
    """`python -m qa_app index` on these settings in a fresh process."""
    flags = ["--corpus", str(Path(settings.corpus_dir).resolve()), "--index", str(Path(settings.index_dir).resolve())]
    flags += ["--model", settings.model, "--embedding-runtime", settings.embedding_runtime]
    return run_child(CLI, [*flags, "index"], ROOT)


@dataclass(frozen=True)
class ColdStart:
    """Process start to first search results, the app's runtime (`ask`) and PyTorch's (`baseline`)."""

    ask: Child
    baseline: Child

    @property
    def error(self) -> str | None:
        return self.ask.error or self.baseline.error


def cold_start(settings: Settings, question: str) -> ColdStart:
    """Process start to first search results with the existing index, the app's runtime against PyTorch's.

    A search always embeds its query; some questions `ask` answers from the report's structure alone.
    """
    flags = ["--corpus", str(Path(settings.corpus_dir).resolve()), "--index", str(Path(settings.index_dir).resolve())]
    flags += ["--model", settings.model, "--reader", settings.reader]
    if settings.device:
        flags += ["--device", settings.device]
    if settings.reader_model:
        flags += ["--reader-model", settings.reader_model]
    ask = run_child(CLI, [*flags, "--embedding-runtime", settings.embedding_runtime, "search", question], ROOT)
    baseline = run_child(CLI, [*flags, "--embedding-runtime", "torch", "--device", "cpu", "search", question], ROOT)
    return ColdStart(ask, baseline)


def run_child(statements: Sequence[str], argv: Sequence[str], cwd: Path) -> Child:
    """Wall time and peak RSS of a fresh `python -c` process running the statements.

    The child reports its own VmHWM: rusage of a child counts the parent's size at fork on Linux.
    """
    script = "; ".join(["import sys", *statements, f"print({_PEAK_MARK!r}, {_VMHWM_EXPR}, file=sys.stderr)", "sys.exit(code)"])
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, *argv], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    seconds = time.perf_counter() - started
    lines = done.stderr.strip().splitlines()
    peak = next((int(line.split()[1]) for line in reversed(lines) if line.startswith(_PEAK_MARK)), 0)
    error = f"exit {done.returncode}: {lines[-1] if lines else ''}" if done.returncode else None
    return Child(seconds, peak, error)


_PEAK_MARK = "peak_rss_bytes"
_VMHWM_EXPR = "[int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmHWM')][0]"
