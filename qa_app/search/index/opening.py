"""Opening the index: load the live build when it is fresh and intact, else rebuild it under a lock (one
builder at a time, across processes), or answer from it read-only when the folder cannot be written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qa_app.config import Settings
from qa_app.errors import IndexUnavailable, QAError, UpdateFailed, failure_reason, skipped_note
from qa_app.ingest.corpus import report_files
from qa_app.records import paragraph_count
from qa_app.search.embedding import Embedder
from qa_app.search.index.build import Progress, build_index
from qa_app.search.index.files import writable
from qa_app.search.index.manifest import (
    Verified,
    corpus_fingerprint,
    expected_manifest,
    read_manifest,
    stale_reason,
    verify_files,
)
from qa_app.search.store.base import Opened
from qa_app.search.store.files import FileStore, load_build


def load_index(index_dir: Path) -> FileStore:
    """Load the live build after verifying every checksum; IndexUnavailable says what is wrong."""
    build, manifest = read_manifest(index_dir)
    verify_files(build, manifest)
    return load_build(build, manifest)


def ensure_index(
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None = None,
    rebuild: bool = False,
    serve_previous: bool = True,
) -> tuple[FileStore, Opened]:
    """Load the index, rebuilding it when missing, stale, damaged or asked to; returns it with what was done.

    A rebuild re-embeds every report. When a build fails (a full disk, a read-only folder, a bug), the
    previous build is served read-only if there is one and `serve_previous`; else IndexUnavailable says
    what failed, in one sentence.
    """
    from filelock import FileLock

    index_dir = Path(settings.index_dir)
    problem, intact = ("A rebuild was asked for.", None) if rebuild else _index_problem(settings, embedder)
    if problem is None:
        try:
            data = _load_intact(index_dir, intact)
            return data, Opened(_noting_skipped(f"Loaded the index in {index_dir} ({_counts(data)}).", data))
        except IndexUnavailable as exc:  # unreadable despite its checksums, or swapped away since: rebuilt alike
            problem = str(exc)
    if not (settings.auto_rebuild or rebuild):
        raise IndexUnavailable(f"{problem} Run: python -m qa_app index --rebuild")
    if not writable(index_dir):
        if not serve_previous:  # an update asked for: saying "up to date" over the old build would be false
            raise UpdateFailed("the index folder is read-only")
        return _load_read_only(index_dir, problem, intact)
    try:
        with FileLock(str(index_dir / ".lock")):
            # Another process may have finished the same build while this one waited for the lock.
            if not rebuild:
                problem, intact = _index_problem(settings, embedder)
            if problem is not None:
                build_index(list(report_files(settings.corpus_dir)), embedder, settings, progress, reembed=rebuild)
                intact = None  # the new build is verified as it loads
    except QAError:  # said for people already
        raise
    except Exception as error:  # the disk, the folder or a bug: the build was abandoned and cleaned up
        if not serve_previous:
            raise UpdateFailed(failure_reason(error)) from error
        return _load_previous(index_dir, failure_reason(error), intact)
    data = _load_intact(index_dir, intact)
    built = f"Built a new index in {index_dir} ({_counts(data)})"
    status = f"{built}: {problem}" if problem else f"{built}."
    line = _noting_skipped(f"{status} {repaired_note(data.manifest.repaired)}".rstrip(), data)
    return data, Opened(line, repaired=tuple(sorted(data.manifest.repaired)))


def _load_previous(index_dir: Path, reason: str, intact: Verified | None) -> tuple[FileStore, Opened]:
    """The last good build, when the new one could not be written; IndexUnavailable when there is none."""
    failed = f"The index in {index_dir} could not be updated ({reason})"
    try:
        data = _load_intact(index_dir, intact)
    except IndexUnavailable:
        raise IndexUnavailable(
            f"{failed}, and there is no earlier index to answer from; free some space or fix the folder, then start again."
        ) from None
    line = f"{failed}; answering from the previous index, read-only, until it can be rebuilt."
    return data, Opened(line, previous=UpdateFailed(reason).why)


def repaired_note(repaired: Sequence[str]) -> str:
    """One line naming the reports whose cached segment was altered or damaged and was embedded again."""
    if not repaired:
        return ""
    return f"Re-embedded {', '.join(sorted(repaired))}: the cached copy under segments/ was altered or damaged."


def _noting_skipped(status: str, data: FileStore) -> str:
    return f"{status} {skipped_note(data.manifest.skipped)}".rstrip()


def _index_problem(settings: Settings, embedder: Embedder) -> tuple[str | None, Verified | None]:
    """Why the index cannot be used as it is (one sentence), or None when fresh and intact; with the live
    build when its checksums passed, so a start loads what it checked instead of hashing every file again."""
    index_dir = Path(settings.index_dir)
    try:
        build, found = read_manifest(index_dir)
        verify_files(build, found)
    except IndexUnavailable as exc:
        return str(exc), None
    wanted = expected_manifest(settings, embedder, corpus_fingerprint(settings.corpus_dir))
    reason = stale_reason(found, wanted)
    return (f"The index in {index_dir} is out of date: {reason}." if reason else None), (build, found)


def _load_intact(index_dir: Path, intact: Verified | None) -> FileStore:
    """The build just verified, else the live build, verified now."""
    return load_build(*intact) if intact else load_index(index_dir)


def _load_read_only(index_dir: Path, problem: str, intact: Verified | None) -> tuple[FileStore, Opened]:
    try:
        data = _load_intact(index_dir, intact)
    except IndexUnavailable:
        raise IndexUnavailable(f"{problem} {index_dir} is read-only, so it cannot be rebuilt here.") from None
    line = f"{problem} {index_dir} is read-only, so it cannot be rebuilt; answering from the existing index."
    return data, Opened(line, previous="the index folder is read-only, so it could not be brought up to date")


def _counts(data: FileStore) -> str:
    counts = data.manifest.counts
    return f"{counts.get('reports', 0)} reports, {paragraph_count(data.blocks):,} paragraphs, {counts.get('chunks', 0)} chunks"
