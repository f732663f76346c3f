"""Per-report segments: each report's blocks, chunks and vectors, cached on disk under `index/segments/`.

Embedding is nearly all of an index build, so it is done once per report version: a segment is keyed by
the report file's SHA-256 and everything that shapes its vectors (parser, chunker, windows, model). Adding,
changing or removing a report re-embeds that report only, and a build killed half-way keeps the segments
it finished, so the next start resumes there. A segment is written into a staging folder and renamed into
place, so a half-written one is never read; its files' SHA-256 are checked on every read, so an altered
vector or paragraph is re-embedded, never served (`DamagedSegment`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_app.ingest.checksums import file_sha256
from qa_app.records import Block, Chunk, Report

SEGMENTS = "segments"
SEGMENT_FILES = ("report.json", "blocks.jsonl", "chunks.jsonl", "sentences.json", "chunk_vectors.npy", "sentence_vectors.npy")
CHECKSUMS = "checksums.json"  # SHA-256 of each of SEGMENT_FILES, written last


class DamagedSegment(Exception):
    """A cached segment whose files are not what was written (altered, truncated, or written by an older
    version without checksums): it is made again from the report."""


@dataclass(frozen=True)
class Segment:
    """One report as the index needs it: its blocks, windows, sentence spans and vectors."""

    report: Report
    chunks: tuple[Chunk, ...]
    chunk_texts: tuple[str, ...]  # the windows as embedded and indexed: acronyms spelled out
    sentence_spans: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]  # (block id, sentence spans)
    acronyms: dict[str, str]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray


def segment_key(report_sha256: str, shape: dict[str, object]) -> str:
    """The cache key of one report version under one index shape (parser, chunker, windows, model)."""
    text = json.dumps({"report": report_sha256, **shape}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def segment_folder(index_dir: Path, doc_id: str, key: str) -> Path:
    return Path(index_dir) / SEGMENTS / f"{doc_id}-{key}"


def write_segment(folder: Path, segment: Segment) -> None:
    """Write the segment into a staging folder, then rename it into place: all or nothing."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".tmp-{folder.name}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        facts = report_fields(segment.report)
        (staging / "report.json").write_text(json.dumps({**facts, "acronyms": segment.acronyms}), encoding="utf-8")
        write_jsonl(staging / "blocks.jsonl", (b.to_dict() for b in segment.report.paragraphs))
        write_jsonl(
            staging / "chunks.jsonl", ({**c.to_dict(), "indexed": t} for c, t in zip(segment.chunks, segment.chunk_texts))
        )
        (staging / "sentences.json").write_text(json.dumps(segment.sentence_spans), encoding="utf-8")
        np.save(staging / "chunk_vectors.npy", segment.chunk_vectors.astype(np.float32))
        np.save(staging / "sentence_vectors.npy", segment.sentence_vectors.astype(np.float32))
        sums = {name: file_sha256(staging / name) for name in SEGMENT_FILES}
        (staging / CHECKSUMS).write_text(json.dumps(sums), encoding="utf-8")
        if folder.exists():  # the same key written by an earlier, interrupted run
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_segment(folder: Path) -> Segment | None:
    """The cached segment, None when there is none, or DamagedSegment when its files fail their checksums
    or cannot be read (it is then made again)."""
    if not folder.exists():
        return None
    verify_segment(folder)
    try:
        facts = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        acronyms = facts.pop("acronyms")
        blocks = tuple(block_from_dict(d) for d in read_jsonl(folder / "blocks.jsonl"))
        rows = read_jsonl(folder / "chunks.jsonl")
        texts = tuple(row.pop("indexed") for row in rows)
        chunks = tuple(Chunk(**row) for row in rows)
        spans = tuple((b, tuple(tuple(s) for s in ss)) for b, ss in json.loads((folder / "sentences.json").read_text("utf-8")))
        chunk_vectors = np.load(folder / "chunk_vectors.npy")
        sentence_vectors = np.load(folder / "sentence_vectors.npy")
        report = Report(**facts, paragraphs=blocks)
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise DamagedSegment(f"{folder.name} cannot be read ({type(error).__name__})") from None
    if len(chunk_vectors) != len(chunks) or len(sentence_vectors) != sum(len(s) for _, s in spans):
        raise DamagedSegment(f"{folder.name} has row counts that differ")
    return Segment(report, chunks, texts, spans, acronyms, chunk_vectors, sentence_vectors)


def verify_segment(folder: Path) -> None:
    """Every file present with the SHA-256 recorded when the segment was written; DamagedSegment if not."""
    try:
        sums = json.loads((folder / CHECKSUMS).read_text(encoding="utf-8"))
        for name in SEGMENT_FILES:
            if file_sha256(folder / name) != sums[name]:
                raise DamagedSegment(f"{folder.name}/{name} was changed after it was written")
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise DamagedSegment(f"{folder.name} has no intact checksums ({type(error).__name__})") from None


def remove_unused_segments(index_dir: Path, keep: set[str]) -> None:
    """Drop the segments of reports no longer in the corpus (or of other versions), and crashed writes."""
    root = Path(index_dir) / SEGMENTS
    if not root.is_dir():
        return
    for path in root.iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def report_fields(report: Report) -> dict:
    """A report's record without its blocks (they are stored once, as blocks.jsonl)."""
    return {f.name: getattr(report, f.name) for f in dataclasses.fields(Report) if f.name != "paragraphs"}


def block_from_dict(d: dict) -> Block:
    """A Block from its to_dict() form (lists back to tuples)."""
    d = dict(d)
    d["cites"] = tuple(d.get("cites", ()))
    d["cited_by"] = tuple(d.get("cited_by", ()))
    return Block(**d)


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
