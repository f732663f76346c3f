"""Writing the index safely: a build is staged, fsynced and renamed into place, the `CURRENT` pointer is
replaced atomically, and superseded or crashed builds are cleared away."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from qa_app.ingest.uploads import fsync_dir
from qa_app.search.index.manifest import BUILD_PREFIX, POINTER


def replace_pointer(index_dir: Path, build_name: str, manifest_sha: str) -> None:
    """Make `build_name` live: the pointer is written aside, fsynced, then renamed over the old one."""
    tmp = index_dir / f".{POINTER}.{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(f"{build_name} {manifest_sha}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, index_dir / POINTER)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(index_dir)


def fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    fsync_dir(root)


def remove_old_builds(index_dir: Path, keep: str) -> None:
    """Drop superseded builds and leftovers of crashed ones (never the live build)."""
    for path in Path(index_dir).iterdir():
        stale_build = path.name.startswith(BUILD_PREFIX) and path.name != keep
        crashed = path.name.startswith(".tmp-") and not _owned_by_live_process(path)
        if path.is_dir() and (stale_build or crashed):
            shutil.rmtree(path, ignore_errors=True)


def _owned_by_live_process(path: Path) -> bool:
    # A staging folder younger than a minute may belong to a build running right now elsewhere.
    try:
        return time.time() - path.stat().st_mtime < 60
    except FileNotFoundError:
        return False


def writable(index_dir: Path) -> bool:
    """Try a real write: permission bits say nothing on a read-only mount or to root."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        probe = index_dir / f".write-test-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False
