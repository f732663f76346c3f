"""Corpus files a build leaves out, named: links that lead outside the corpus folder (never read) and
byte-for-byte copies of a report already read (a copy would answer twice for one inspection)."""

from __future__ import annotations

from pathlib import Path

# Recorded in place of a SHA-256 for a link out of the folder, so an unchanged link does not make the
# index stale on every start.
LINKED_OUT = "link outside the corpus folder"


def linked_out(path: Path, corpus_dir: Path) -> str | None:
    """Why the file is refused when it (a symlink) resolves outside the corpus folder; else None."""
    if Path(path).resolve().is_relative_to(Path(corpus_dir).resolve()):
        return None
    return f"{Path(path).name} is a link to a file outside the corpus folder; copy the report into the folder instead."


def copy_note(path: Path, original: str) -> str:
    return f"{Path(path).name} has the same contents as {original}; remove one of the two copies."
