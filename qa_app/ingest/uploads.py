"""Reports added and removed from the browser: each upload checked, named and written into the corpus folder.

Only the corpus changes here; the index notices on its next check (`Assistant.reloaded`). An upload is
parsed before anything is written, and written under a dot-file name first, so the folder only ever holds
whole reports; a removed report is moved under `<index>/removed/`, never deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qa_app.config import Settings
from qa_app.errors import ReportError
from qa_app.ingest.corpus import REPORT_SUFFIXES, not_an_inspection_report, report_paths
from qa_app.ingest.sandbox import ReportParser
from qa_app.records import Report

MAX_STEM = 80
REMOVED = "removed"
LOCK = ".uploads.lock"
_NOT_NAME = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class UploadOutcome:
    """What became of one file of a batch: stored as `doc_id` at `path`, or refused with `error`."""

    filename: str  # as the person's browser named it
    doc_id: str | None = None
    path: Path | None = None
    error: str | None = None


def safe_report_name(filename: str) -> str:
    """The name an upload is stored under: its base name, stem reduced to [a-z0-9-], suffix .pdf or .md.

    A browser sends whatever name the person's file had, with directories on some systems; the result is
    never a path and never a dot-file.
    """
    shown = _base_name(filename)
    stem, dot, suffix = shown.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in REPORT_SUFFIXES:
        raise ReportError(f"{shown} is not a PDF or Markdown file; only reports saved as .pdf or .md can be added.")
    # "Café" is stored as "cafe": accents come off, anything else that is not a letter or digit becomes "-".
    plain = "".join(c for c in unicodedata.normalize("NFKD", stem.casefold()) if not unicodedata.combining(c))
    clean = _NOT_NAME.sub("-", plain).strip("-")[:MAX_STEM].rstrip("-")
    if not clean:
        raise ReportError(f"{shown} has no letters or digits in its name; rename it, e.g. to the council and year.")
    return clean + suffix


def check_upload(filename: str, data: bytes, settings: Settings, parser: ReportParser | None = None) -> Report:
    """The upload parsed as a report (doc_id from its safe name), or the one ReportError that says why not:
    wrong type, too large, empty, over a parsing limit, or anything the PDF or Markdown reader refuses (not a
    PDF, not UTF-8, encrypted, scanned, truncated, not an inspection report, in Markdown as in PDF).

    It is parsed in a separate, capped process (`sandbox`); pass a parser to reuse one across a batch."""
    shown = _base_name(filename)
    name = safe_report_name(filename)
    if len(data) > settings.max_upload_bytes:
        raise ReportError(
            f"{shown} is {len(data) / 2**20:.1f} MB, over the {settings.max_upload_mb:g} MB limit for one report; "
            "upload the report alone, or raise QA_MAX_UPLOAD_MB."
        )
    if not data.strip():
        raise ReportError(f"{shown} is empty; choose the report's file again.")
    if parser is None:
        with ReportParser.from_settings(settings) as own:
            report = own.read(data, Path(name))
    else:
        report = parser.read(data, Path(name))
    if report.framework is None:  # PDFs are refused so by the reader already; Markdown here
        raise not_an_inspection_report(Path(name))
    return report


def store_report(corpus_dir: Path, filename: str, data: bytes) -> Path:
    """Write the upload into the corpus folder under its safe name, whole or not at all; refuse a name
    already loaded (x.md and x.pdf are one doc_id), so no report is ever overwritten."""
    corpus_dir = Path(corpus_dir)
    name = safe_report_name(filename)
    target = corpus_dir / name
    with _locked(corpus_dir):
        for existing in _files_of(corpus_dir, target.stem):
            if _same_bytes(existing, data):
                raise ReportError(f"{_base_name(filename)} is already loaded, as {existing.name}.")
            raise ReportError(
                f"A different report named {existing.name} is already loaded; remove it first, or rename "
                f"{_base_name(filename)} before adding it."
            )
        if original := copy_of(corpus_dir, data):
            raise ReportError(f"{_base_name(filename)} has the same contents as {original.name}, which is already loaded.")
        # A dot-file is not a report to report_paths, so a half-written upload is never read.
        partial = corpus_dir / f".{name}.{uuid.uuid4().hex[:8]}.part"
        try:
            with open(partial, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, target)
            fsync_dir(corpus_dir)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise ReportError(
                f"{name} cannot be written into {corpus_dir} ({error.strerror or error}); check that it is writable and has space."
            ) from None
    return target


def store_uploads(files: Sequence[tuple[str, bytes]], settings: Settings) -> list[UploadOutcome]:
    """Check and store each (filename, bytes) on its own, so one bad file does not stop the others; the same
    bytes twice in one batch are parsed once. All are parsed in one capped worker process."""
    outcomes = []
    first: dict[str, str] = {}  # SHA-256 -> the name it came under first in this batch
    with ReportParser.from_settings(settings) as parser:
        for filename, data in files:
            sha = hashlib.sha256(data).hexdigest()
            if sha in first:
                error = f"{_base_name(filename)} is the same file as {first[sha]} in this batch; it is added once."
                outcomes.append(UploadOutcome(filename, error=error))
                continue
            first[sha] = _base_name(filename)
            try:
                report = check_upload(filename, data, settings, parser)
                path = store_report(settings.corpus_dir, filename, data)
            except ReportError as error:
                outcomes.append(UploadOutcome(filename, error=str(error)))
            else:
                outcomes.append(UploadOutcome(filename, report.doc_id, path))
    return outcomes


def copy_of(corpus_dir: Path, data: bytes) -> Path | None:
    """The loaded report with exactly these bytes, if any: only files of the same size are read."""
    for path in report_paths(corpus_dir):
        if path.is_symlink():  # a link may lead outside the folder, where nothing is read
            continue
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                return path
        except OSError:
            continue
    return None


def remove_report(corpus_dir: Path, index_dir: Path, doc_id: str) -> Path:
    """Move the report out of the corpus to `<index_dir>/removed/` (numbered if that name is taken) and
    return where it went. A report kept in both suffixes, by hand, has both moved; the first is returned."""
    corpus_dir = Path(corpus_dir)
    removed = Path(index_dir) / REMOVED
    with _locked(corpus_dir):
        # Only files listed in the folder are moved, so no doc_id ("../x", "/etc/x") can reach outside it.
        files = [p for p in report_paths(corpus_dir) if p.stem == doc_id]
        if not files:
            raise ReportError(f"No report {doc_id!r} is loaded in {corpus_dir}; choose one from the report list.")
        if len(files) == len(report_paths(corpus_dir)):
            raise ReportError(f"{doc_id} is the only report loaded and the assistant needs one; add another report first.")
        try:
            removed.mkdir(parents=True, exist_ok=True)
            moved = [Path(shutil.move(path, _free_name(removed, path.name))) for path in files]
        except OSError as error:
            raise ReportError(
                f"{files[0].name} cannot be moved to {removed} ({error.strerror or error}); check its permissions."
            ) from None
    return moved[0]


def _base_name(filename: str) -> str:
    """The file's own name, whichever separator its system used."""
    return re.split(r"[/\\]", filename)[-1].strip()


def _files_of(corpus_dir: Path, doc_id: str) -> list[Path]:
    # Case-blind, as on macOS and Windows "X.pdf" and "x.pdf" are the same file.
    return [p for p in report_paths(corpus_dir) if p.stem.casefold() == doc_id]


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _free_name(folder: Path, name: str) -> Path:
    """folder/name, or folder/stem-2.suffix, -3 ... when a report of that name was removed before."""
    path, stem, suffix = folder / name, Path(name).stem, Path(name).suffix
    number = 2
    while path.exists():
        path, number = folder / f"{stem}-{number}{suffix}", number + 1
    return path


@contextmanager
def _locked(corpus_dir: Path) -> Iterator[None]:
    """One change to the corpus at a time, across the page's threads and processes."""
    from filelock import FileLock

    if not corpus_dir.is_dir():
        raise ReportError(f"The corpus folder {corpus_dir} does not exist; create it and put reports (*.md, *.pdf) in it.")
    lock = FileLock(str(corpus_dir / LOCK))
    try:
        lock.acquire()
    except OSError as error:
        raise ReportError(
            f"The corpus folder {corpus_dir} cannot be changed ({error.strerror}); check its permissions."
        ) from None
    try:
        yield
    finally:
        lock.release()


def fsync_dir(path: Path) -> None:
    """Make a rename or new file in the folder survive a crash (the folder's entry, not only the file)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
