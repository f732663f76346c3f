"""Reports parsed in a separate process with capped memory, time, pages, paragraphs and inflated size.

A hostile or broken file (a decompression bomb, 2,000 pages, 100k paragraphs) can then cost a refusal,
never the server: the worker runs under RLIMIT_AS, is killed when it overruns its time, and is started
again for the next report. It answers in JSON, never pickle, so a worker subverted by a malformed PDF
cannot run code in the server. `python -m qa_app.ingest.sandbox LIMITS` is the worker.
"""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from qa_app.config import Settings
from qa_app.errors import ReportError
from qa_app.ingest.corpus import read_report, unreadable_report
from qa_app.ingest.limits import (
    ParseLimits,
    check_markdown_paragraphs,
    check_pages,
    check_paragraphs,
    check_pdf_bytes,
)
from qa_app.records import Block, Report

_HEADER = struct.Struct(">Q")  # every message is its length, then its bytes


class ReportParser:
    """Parse reports in one worker process, reused across a batch and restarted after one that killed it.

    Use as a context manager, or call close(); the worker also exits when this process dies (its input closes).
    """

    def __init__(self, limits: ParseLimits):
        self.limits = limits
        self._worker: subprocess.Popen | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ReportParser:
        return cls(ParseLimits.from_settings(settings))

    def __enter__(self) -> ReportParser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, path: Path, corpus_dir: Path | None = None) -> Report:
        """Parse one file of the corpus folder; with corpus_dir, refuse a path that resolves outside it."""
        path = Path(path)
        if corpus_dir is not None and not path.resolve().is_relative_to(Path(corpus_dir).resolve()):
            raise ReportError(f"{path} is outside the corpus folder {corpus_dir}; copy the report into {corpus_dir}/.")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise unreadable_report(path, error) from None
        return self.read(data, path)

    def read(self, data: bytes, path: Path) -> Report:
        """The report parsed from its bytes (`path` only names it), or the ReportError that says why not."""
        worker = self._started()
        request = json.dumps({"path": str(path)}).encode("utf-8")
        try:
            _send(worker.stdin, request)
            _send(worker.stdin, data)
            reply = _receive(worker.stdout, time.monotonic() + self.limits.timeout_s)
        except TimeoutError:
            self.close()
            raise ReportError(
                f"{path.name} took over {self.limits.timeout_s:g} s to read, far longer than an inspection report; "
                "check the file, or raise QA_PARSE_TIMEOUT_S."
            ) from None
        except (OSError, EOFError):  # the worker died: out of memory, or a crash in the PDF library
            self.close()
            raise ReportError(
                f"{path.name} could not be read within {self.limits.memory_mb:,} MB of memory; check the file, "
                "or raise QA_PARSE_MEMORY_MB."
            ) from None
        answer = json.loads(reply)
        if "error" in answer:
            if answer.get("fatal"):
                self.close()
            raise ReportError(answer["error"])
        return report_from_dict(answer["report"])

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.kill()
            worker.wait()
            for stream in (worker.stdin, worker.stdout):
                stream.close()  # type: ignore[union-attr]

    def _started(self) -> subprocess.Popen:
        if self._worker is None or self._worker.poll() is not None:
            self.close()
            # The package's own folder first, so the worker parses with this very code.
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))}
            self._worker = subprocess.Popen(
                [sys.executable, "-m", "qa_app.ingest.sandbox", json.dumps(asdict(self.limits))],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
        return self._worker


_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds qa_app/


def report_from_dict(d: dict) -> Report:
    """A Report from its to_dict() form, as the worker sends it."""
    blocks = tuple(
        Block(**{**b, "cites": tuple(b.get("cites", ())), "cited_by": tuple(b.get("cited_by", ()))}) for b in d["paragraphs"]
    )
    return Report(**{**d, "paragraphs": blocks})


def parse_within_limits(data: bytes, path: Path, limits: ParseLimits) -> Report:
    """What the worker runs: the cheap checks on the raw bytes, then the parse, then the paragraph cap."""
    if path.suffix.lower() == ".pdf":
        check_pdf_bytes(data, path, limits)
        check_pages(_page_count(data), path, limits)
    else:
        check_markdown_paragraphs(data, path, limits)
    report = read_report(data, path)
    check_paragraphs(len(report.paragraphs), path, limits)
    return report


def _page_count(data: bytes) -> int:
    """Pages as PDFium counts them, without loading any; 0 for a file it cannot open (the parse says why)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return 0
    try:
        return len(document)
    finally:
        document.close()


# ---------------------------------------------------------------- the pipe


def _send(stream, payload: bytes) -> None:
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream, deadline: float | None = None) -> bytes:
    header = _read_exactly(stream, _HEADER.size, deadline)
    return _read_exactly(stream, _HEADER.unpack(header)[0], deadline)


def _read_exactly(stream, size: int, deadline: float | None) -> bytes:
    """Read `size` bytes by the deadline (TimeoutError; None waits), or EOFError when the other side has gone."""
    parts, left = [], size
    fd = stream.fileno()
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        piece = os.read(fd, min(left, 1 << 20))
        if not piece:
            raise EOFError
        parts.append(piece)
        left -= len(piece)
    return b"".join(parts)


# ---------------------------------------------------------------- the worker


def _serve(limits: ParseLimits) -> None:
    """Answer requests on stdin until it closes; exit after anything but a refusal, to start clean."""
    import resource

    # No CPU limit: it would count every report of a long build together; the server's clock times each one.
    memory = limits.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # Replies go out on the original stdout; anything a library prints goes to stderr instead of the pipe.
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inbox = sys.stdin.buffer
    while True:
        try:
            request = json.loads(_receive(inbox))
            data = _receive(inbox)
        except EOFError:
            return
        path = Path(request["path"])
        try:
            answer = {"report": parse_within_limits(data, path, limits).to_dict()}
        except ReportError as error:
            answer = {"error": str(error)}
        except MemoryError:
            answer = {
                "error": f"{path.name} could not be read within {limits.memory_mb:,} MB of memory; check the file, or raise QA_PARSE_MEMORY_MB.",
                "fatal": True,
            }
        except Exception as error:  # a bug or a file no rule expected: refused, named, and the worker restarted
            answer = {
                "error": f"{path.name} could not be read ({type(error).__name__}); check the file, or report it as a bug.",
                "fatal": True,
            }
        _send(outbox, json.dumps(answer, ensure_ascii=False).encode("utf-8"))
        if answer.get("fatal"):
            return


if __name__ == "__main__":
    _serve(ParseLimits(**json.loads(sys.argv[1])))
