"""The folder where the browser's files wait before they are checked: emptied of everything not being
processed, so anonymous or abandoned uploads cannot fill the disk."""

from __future__ import annotations

import filecmp
import shutil
import tempfile
import time
from collections.abc import Collection
from pathlib import Path

from qa_app.config import Settings

UPLOADS = "uploads"  # under the index folder: where the browser's files wait before they are checked
# A file uploaded this recently may be waiting for its "Add" click; older ones were abandoned.
PENDING_S = 15 * 60
NOT_WRITABLE = (
    "The server cannot store uploaded reports now (its upload folder is not writable); "
    "ask whoever runs it to make index/uploads writable."
)


def uploads_folder(settings: Settings) -> Path:
    return Path(settings.index_dir).resolve() / UPLOADS


def sweep(folder: Path, keep: Collection[Path] = (), pending_s: float | None = None) -> int:
    """Delete everything in `folder` except `keep` and, with `pending_s`, what was uploaded that recently;
    returns how many entries went. Errors are skipped: a file another process holds goes next time."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    kept = {Path(p).resolve() for p in keep}
    cutoff = time.time() - pending_s if pending_s is not None else None
    removed = 0
    for entry in folder.iterdir():
        if _holds(entry, kept) or (cutoff is not None and _newest(entry) > cutoff):
            continue
        try:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def discard(folder: Path, files: Collection[str | Path]) -> None:
    """Delete these uploads once they were added or refused: each with the folder Gradio made for it, and
    the loose temporaries Gradio leaves in the folder itself (the upload route's copy of each file, and
    the empty placeholder its File box makes for each file an event reads)."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        return
    paths = [Path(f).resolve() for f in files]
    uploads = [p for p in paths if folder in p.parents and p.is_file()]  # never delete outside the folder
    loose = [p for p in folder.iterdir() if p.is_file() and not p.is_symlink()]
    spent = [p for p in loose if _size(p) == 0 or any(_same_file(p, u) for u in uploads)]
    for entry in (*spent, *{folder / u.relative_to(folder).parts[0] for u in uploads}):
        try:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        except OSError:
            continue


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone meanwhile
        return -1


def _same_file(a: Path, b: Path) -> bool:
    try:
        return _size(a) == _size(b) and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def writable_refusal(folder: Path) -> str | None:
    """NOT_WRITABLE unless a file can be created in `folder` (created if missing); checked by trying, as
    permission bits do not tell root or a full disk."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError:
        return NOT_WRITABLE


def _holds(entry: Path, kept: set[Path]) -> bool:
    resolved = entry.resolve()
    return any(k == resolved or resolved in k.parents for k in kept)


def _newest(entry: Path) -> float:
    try:
        if entry.is_dir() and not entry.is_symlink():
            return max([entry.lstat().st_mtime, *(p.lstat().st_mtime for p in entry.rglob("*"))])
        return entry.lstat().st_mtime
    except OSError:
        return 0.0
