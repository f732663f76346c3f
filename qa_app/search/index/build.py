"""Building the index: each report's segment (made or reused), assembled into one build folder of FAISS,
BM25 and record files that is made live only once complete, so a crash mid-build leaves the previous
index usable."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from qa_app.config import Settings
from qa_app.errors import IndexUnavailable, ReportError
from qa_app.ingest.checksums import file_sha256
from qa_app.ingest.chunking import CHUNKER_VERSION
from qa_app.ingest.corpus import ReportFile
from qa_app.ingest.sandbox import ReportParser
from qa_app.ingest.structure import PARSER_VERSION
from qa_app.records import Report
from qa_app.search.embedding import Embedder
from qa_app.search.index.files import fsync_tree, remove_old_builds, replace_pointer
from qa_app.search.index.manifest import (
    BUILD_PREFIX,
    COMMON_WORDS,
    HNSW_EF_CONSTRUCTION,
    HNSW_NEIGHBOURS,
    MANIFEST,
    REPORTS,
    dense_kind,
    expected_manifest,
    live_build,
)
from qa_app.search.lexical import build_lexical
from qa_app.search.screening import LINKED_OUT, copy_note, linked_out
from qa_app.search.segment_texts import segment_texts
from qa_app.search.segments import (
    DamagedSegment,
    Segment,
    read_segment,
    remove_unused_segments,
    report_fields,
    segment_folder,
    segment_key,
    write_jsonl,
    write_segment,
)
from qa_app.search.vocabulary import common_words

Progress = Callable[[str, float], None]


def index_shape(settings: Settings, embedder: Embedder) -> dict[str, object]:
    """Everything besides the report itself that shapes a report's blocks and vectors (the segment key)."""
    return {
        "parser": PARSER_VERSION,
        "chunker": CHUNKER_VERSION,
        "windows": [settings.chunk_tokens, settings.chunk_overlap],
        "model": embedder.source.model_id,
        "weights": embedder.source.weights_sha256,
        "export": embedder.runtime_sha256,  # None for PyTorch: a segment is reused only by what computed it
    }


def make_segment(report: Report, embedder: Embedder, settings: Settings, progress: Callable[[int, int], None]) -> Segment:
    """One report's windows and sentences (`segment_texts`), embedded."""
    texts = segment_texts(report, settings, embedder)
    n_chunks = len(texts.chunk_texts)
    total = n_chunks + len(texts.sentence_texts)
    chunk_vectors = embedder.encode(texts.chunk_texts, progress=lambda done, _: progress(done, total))
    sentence_vectors = embedder.encode(texts.sentence_texts, progress=lambda done, _: progress(n_chunks + done, total))
    return Segment(report, texts.chunks, texts.chunk_texts, texts.sentence_spans, texts.acronyms, chunk_vectors, sentence_vectors)


def build_index(
    files: Sequence[ReportFile],
    embedder: Embedder,
    settings: Settings,
    progress: Progress | None = None,
    reembed: bool = False,
) -> Path:
    """Write a complete new build from the corpus's report files and make it live; the previous build stays
    live until then. Reports already embedded under the same settings come from their segments (unless
    `reembed`); a damaged segment is made again and named in the manifest; a report that cannot be read,
    a copy of another or a link out of the corpus folder is skipped, and the manifest says why."""
    index_dir = Path(settings.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda stage, fraction: None)
    shape = index_shape(settings, embedder)
    files = list(files)
    segments: list[Segment] = []
    corpus: dict[str, str] = {}
    skipped: dict[str, str] = {}
    repaired: list[str] = []
    seen: dict[str, str] = {}  # report SHA-256 -> the file first read with it
    keys: set[str] = set()
    started, embedded = time.monotonic(), 0
    parser = ReportParser.from_settings(settings)  # one worker process for the whole build
    try:
        for i, file in enumerate(files):
            name = file.path.name
            if refusal := linked_out(file.path, file.corpus_dir):  # refused unread: not even checksummed
                corpus[name], skipped[name] = LINKED_OUT, refusal
                continue
            sha = file.sha256
            if sha in seen:
                corpus[name], skipped[name] = sha, copy_note(file.path, seen[sha])
                continue
            seen[sha] = name
            folder = segment_folder(index_dir, file.path.stem, segment_key(sha, shape))
            try:
                segment = None if reembed else read_segment(folder)
            except DamagedSegment:
                segment = None
                repaired.append(file.path.stem)
            if segment is None:
                try:
                    parsed = file.load(parser)
                except ReportError as error:
                    corpus[name], skipped[name] = sha, str(error)
                    continue
                stage = f"Embedding report {i + 1} of {len(files)}{_eta(started, embedded, len(files) - i)}"
                segment = make_segment(
                    parsed, embedder, settings, lambda done, total: report(stage, (i + done / max(total, 1)) / len(files))
                )
                folder = segment_folder(index_dir, file.path.stem, segment_key(parsed.sha256, shape))
                write_segment(folder, segment)
                embedded += 1
            corpus[name] = segment.report.sha256
            keys.add(folder.name)
            segments.append(segment)
            report(f"Read {i + 1} of {len(files)} reports", (i + 1) / len(files))
    finally:
        parser.close()
    if not segments:
        reasons = "; ".join(skipped.values()) or f"{settings.corpus_dir} holds no reports (*.md, *.pdf)"
        raise ReportError(f"No report in {settings.corpus_dir} could be read: {reasons}")
    build = _write_build(segments, embedder, settings, corpus, skipped, report, repaired)
    remove_unused_segments(index_dir, keep=keys)
    report("Index ready", 1.0)
    return build


def _eta(started: float, embedded: int, remaining: int) -> str:
    """ " · about N min left", from the reports embedded so far (an upper bound: cached ones are quick)."""
    if not embedded:
        return ""
    seconds = (time.monotonic() - started) / embedded * remaining
    return f" · about {max(1, round(seconds / 60))} min left" if seconds >= 60 else f" · about {max(1, round(seconds))} s left"


def _write_build(
    segments: Sequence[Segment],
    embedder: Embedder,
    settings: Settings,
    corpus: dict[str, str],
    skipped: dict[str, str],
    report: Progress,
    repaired: Sequence[str] = (),
) -> Path:
    """Assemble the segments into one build folder (FAISS, BM25, records, manifest) and make it live."""
    import faiss

    index_dir = Path(settings.index_dir)
    report("Indexing", 1.0)
    blocks = [b for s in segments for b in s.report.paragraphs]
    chunks = [c for s in segments for c in s.chunks]
    chunk_texts = [t for s in segments for t in s.chunk_texts]
    sentence_index = [(block_id, [list(span) for span in spans]) for s in segments for block_id, spans in s.sentence_spans]
    acronyms: dict[str, str] = {}
    for s in segments:  # queries are spelled out with every report's acronyms; the first report's words win
        for acronym, words in s.acronyms.items():
            acronyms.setdefault(acronym, words)
    chunk_vectors = np.concatenate([s.chunk_vectors for s in segments])
    sentence_vectors = np.concatenate([s.sentence_vectors for s in segments])

    build = index_dir / f"{BUILD_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    staging = index_dir / f".tmp-{build.name}"
    staging.mkdir()
    try:
        kind = dense_kind(len(chunks), settings.approx_threshold)
        faiss.write_index(make_dense_index(chunk_vectors, kind), str(staging / "dense.faiss"))
        faiss.write_index(make_dense_index(sentence_vectors, kind), str(staging / "sentences.faiss"))
        build_lexical(chunk_texts, staging / "bm25", acronyms)
        write_jsonl(staging / "blocks.jsonl", (b.to_dict() for b in blocks))
        write_jsonl(staging / "chunks.jsonl", (c.to_dict() for c in chunks))
        write_jsonl(staging / REPORTS, (report_fields(s.report) for s in segments))
        (staging / "sentences.json").write_text(json.dumps(sentence_index), encoding="utf-8")
        common = sorted(common_words(b.text for b in blocks))
        (staging / COMMON_WORDS).write_text(json.dumps(common), encoding="utf-8")
        files = {str(p.relative_to(staging)): file_sha256(p) for p in sorted(staging.rglob("*")) if p.is_file()}
        manifest = replace(
            expected_manifest(settings, embedder, corpus, len(chunks)),
            dimension=int(chunk_vectors.shape[1]),
            files=files,
            skipped=skipped,
            repaired=list(repaired),
            counts={
                "reports": len(segments),
                "blocks": len(blocks),
                "chunks": len(chunks),
                "sentences": len(sentence_vectors),
            },
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )
        (staging / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        fsync_tree(staging)
        staging.rename(build)
        replace_pointer(index_dir, build.name, file_sha256(build / MANIFEST))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if not _is_live(index_dir, build):  # renamed into place, but never made live
            shutil.rmtree(build, ignore_errors=True)
        raise
    remove_old_builds(index_dir, keep=build.name)
    return build


def _is_live(index_dir: Path, build: Path) -> bool:
    try:
        return live_build(index_dir)[0].name == build.name
    except IndexUnavailable:
        return False


def make_dense_index(vectors: np.ndarray, kind: str):
    """Exact inner product for small corpora; HNSW past the threshold, where exact search grows slow."""
    import faiss

    dim = vectors.shape[1]
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index
