"""SHA-256 of files: how index files, model weights and exported models are recognised as unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path, block_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(block_size):
            digest.update(chunk)
    return digest.hexdigest()
