"""What an index build was made from, and how the live build is found and checked: the manifest, the
`CURRENT` pointer and every file's checksum, so a stale or damaged index is recognised before use."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from qa_app.config import Settings
from qa_app.errors import IndexUnavailable
from qa_app.ingest.chunking import CHUNKER_VERSION
from qa_app.ingest.corpus import report_paths, report_sha256
from qa_app.ingest.structure import PARSER_VERSION
from qa_app.ingest.checksums import file_sha256
from qa_app.search.embedding import Embedder
from qa_app.search.screening import LINKED_OUT, linked_out

FORMAT_VERSION = 6
POINTER = "CURRENT"
MANIFEST = "manifest.json"
COMMON_WORDS = "common_words.json"
REPORTS = "reports.jsonl"
BUILD_PREFIX = "build-"
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


@dataclass(frozen=True)
class Manifest:
    """What an index was built from, so a stale or damaged one is recognised before use."""

    format_version: int
    model_id: str
    weights_sha256: str | None
    dimension: int
    normalized: bool
    parser_version: str
    chunker_version: str
    chunk_tokens: int
    chunk_overlap: int
    dense_kind: str  # "flat" (exact inner product) or "hnsw" (approximate)
    corpus: dict[str, str]  # report file name -> SHA-256
    files: dict[str, str] = field(default_factory=dict)  # index file (relative) -> SHA-256
    counts: dict[str, int] = field(default_factory=dict)
    built_at: str = ""
    skipped: dict[str, str] = field(default_factory=dict)  # report file name -> why it could not be read
    # What computed the vectors; older manifests, which lack these, were built by PyTorch.
    embedding_runtime: str = "torch"
    runtime_sha256: str | None = None  # SHA-256 of the ONNX export, like weights_sha256 for the weights
    repaired: list[str] = field(default_factory=list)  # reports whose cached segment was damaged and made again


Verified = tuple[Path, Manifest]  # a build folder and its manifest, every checksum just checked


def corpus_fingerprint(corpus_dir: Path) -> dict[str, str]:
    """SHA-256 of every report file, by file name: a change to any report makes the index stale.

    Links that lead outside the corpus folder are not followed: nothing outside it is read.
    """
    fingerprint = {}
    for p in report_paths(corpus_dir):
        if linked_out(p, corpus_dir):  # counted as a link, so an unchanged one does not make the index stale
            fingerprint[p.name] = LINKED_OUT
        elif p.is_file():
            fingerprint[p.name] = report_sha256(p)
    return fingerprint


def expected_manifest(settings: Settings, embedder: Embedder, corpus: dict[str, str], n_chunks: int = 0) -> Manifest:
    runtime_sha256 = embedder.runtime_sha256  # loads the model first: an "auto" runtime may fall back to PyTorch
    return Manifest(
        format_version=FORMAT_VERSION,
        model_id=embedder.source.model_id,
        weights_sha256=embedder.source.weights_sha256,
        dimension=0,
        normalized=True,
        parser_version=PARSER_VERSION,
        chunker_version=CHUNKER_VERSION,
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        dense_kind=dense_kind(n_chunks, settings.approx_threshold),
        corpus=corpus,
        embedding_runtime=str(embedder.runtime),
        runtime_sha256=runtime_sha256,
    )


def dense_kind(n_vectors: int, approx_threshold: int) -> str:
    return "hnsw" if n_vectors >= approx_threshold else "flat"


def stale_reason(found: Manifest, wanted: Manifest) -> str | None:
    """One sentence saying why an intact index no longer fits the corpus and settings, or None."""
    if found.format_version != wanted.format_version:
        return f"it was written by index format {found.format_version}, not {wanted.format_version}"
    if found.model_id != wanted.model_id or found.weights_sha256 != wanted.weights_sha256:
        return f"it was built with another model ({found.model_id})"
    if found.runtime_sha256 and wanted.runtime_sha256 and found.runtime_sha256 != wanted.runtime_sha256:
        # Another export of the same weights may compute other vectors. PyTorch and an export are
        # interchangeable (tests pin cosine >= 0.99), so an index built by either serves the other.
        return "it was built by another ONNX export of the model"
    if found.parser_version != wanted.parser_version:
        return f"it was built by report parser version {found.parser_version}, not {wanted.parser_version}"
    if found.chunker_version != wanted.chunker_version:
        return f"it was built by chunker version {found.chunker_version}, not {wanted.chunker_version}"
    if (found.chunk_tokens, found.chunk_overlap) != (wanted.chunk_tokens, wanted.chunk_overlap):
        return "it was built with other chunk window settings"
    if found.corpus != wanted.corpus:
        changed = sorted(set(found.corpus.items()) ^ set(wanted.corpus.items()))
        names = ", ".join(sorted({name for name, _ in changed}))
        return f"the corpus changed since it was built ({names})"
    return None


def live_build(index_dir: Path) -> tuple[Path, str]:
    """The live build folder and its manifest's recorded SHA-256; IndexUnavailable when there is none."""
    pointer = Path(index_dir) / POINTER
    try:
        name, manifest_sha = pointer.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        raise IndexUnavailable(f"There is no index in {index_dir}.") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise IndexUnavailable(f"The index pointer {pointer} is unreadable.") from None
    if not name.startswith(BUILD_PREFIX) or "/" in name or "\\" in name:
        raise IndexUnavailable(f"The index pointer {pointer} names no build.")
    return Path(index_dir) / name, manifest_sha


def read_manifest(index_dir: Path) -> tuple[Path, Manifest]:
    """The live build and its manifest, after checking the manifest against the pointer's checksum."""
    build, manifest_sha = live_build(index_dir)
    manifest_path = build / MANIFEST
    try:
        if file_sha256(manifest_path) != manifest_sha:
            raise IndexUnavailable(f"The index manifest {manifest_path} was changed after the build.")
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        return build, Manifest(**raw)
    except FileNotFoundError:
        raise IndexUnavailable(f"The index manifest {manifest_path} is missing.") from None
    except (OSError, ValueError, TypeError):
        raise IndexUnavailable(f"The index manifest {manifest_path} is unreadable.") from None


def verify_files(build: Path, manifest: Manifest) -> None:
    """Every index file is present with the checksum the manifest recorded."""
    for name, sha in manifest.files.items():
        path = build / name
        if not path.is_file():
            raise IndexUnavailable(f"The index file {path} is missing.")
        if file_sha256(path) != sha:
            raise IndexUnavailable(f"The index file {path} is damaged (checksum mismatch).")
