"""The persisted index: blocks, chunks, dense FAISS vectors, BM25 and sentence vectors, with a manifest.

Layout of `index/`: `CURRENT` names the live build and the SHA-256 of its manifest; each build is a
folder of its own. A build is written in full into a fresh folder, checksummed, and only then made
live by atomically replacing `CURRENT`, so a crash mid-build leaves the previous index usable.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from qa_app.config import Settings
from qa_app.errors import IndexUnavailable, ReportError, skipped_note
from qa_app.ingest.chunking import CHUNKER_VERSION, chunk_corpus
from qa_app.ingest.corpus import load_report, report_paths, unreadable_report
from qa_app.ingest.sentences import split_sentences
from qa_app.ingest.structure import PARSER_VERSION
from qa_app.ingest.uploads import fsync_dir
from qa_app.records import Block, Chunk, Report, paragraph_count
from qa_app.search.acronyms import find_acronyms, spell_out
from qa_app.search.checksums import file_sha256
from qa_app.search.embedding import Embedder
from qa_app.search.lexical import build_lexical, load_lexical
from qa_app.search.segments import (
    Segment,
    block_from_dict,
    read_jsonl,
    read_segment,
    remove_unused_segments,
    report_fields,
    segment_folder,
    segment_key,
    write_jsonl,
    write_segment,
)
from qa_app.search.vocabulary import common_words

FORMAT_VERSION = 6
POINTER = "CURRENT"
MANIFEST = "manifest.json"
COMMON_WORDS = "common_words.json"
REPORTS = "reports.jsonl"
BUILD_PREFIX = "build-"
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128

Progress = Callable[[str, float], None]


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


Verified = tuple[Path, Manifest]  # a build folder and its manifest, every checksum just checked


@dataclass
class IndexData:
    """A loaded index: everything search and reading need, in memory."""

    path: Path
    manifest: Manifest
    blocks: list[Block]
    chunks: list[Chunk]
    dense: object  # faiss.Index over chunk vectors, row i = chunks[i]
    sentences: object  # faiss.Index over sentence vectors, rows as sentence_vectors
    lexical: object  # bm25s.BM25 over chunk texts, doc i = chunks[i]
    sentence_rows: dict[str, tuple[list[tuple[int, int]], slice]]  # block id -> spans, rows
    sentence_vectors: np.ndarray
    common_words: frozenset[str]  # capitalised somewhere, mostly lower case: not names (`vocabulary`)
    reports: list[Report] = field(default_factory=list)  # each with its facts and its blocks, in doc_id order

    def sentence_block_ids(self) -> list[str]:
        """The block id of every sentence row, in row order."""
        owners = [""] * len(self.sentence_vectors)
        for block_id, (_, rows) in self.sentence_rows.items():
            owners[rows] = [block_id] * (rows.stop - rows.start)
        return owners


def corpus_fingerprint(corpus_dir: Path) -> dict[str, str]:
    """SHA-256 of every report file, by file name: a change to any report makes the index stale.

    Links that lead outside the corpus folder are not followed: nothing outside it is read.
    """
    root = Path(corpus_dir).resolve()
    return {
        p.name: _report_sha256(p)
        for p in report_paths(corpus_dir)
        if p.is_file() and p.resolve().is_relative_to(root)
    }


def _report_sha256(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as error:
        raise unreadable_report(path, error) from None


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
        embedding_runtime=embedder.runtime,
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


# ---------------------------------------------------------------- reading


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


def load_index(index_dir: Path) -> IndexData:
    """Load the live build after verifying every checksum; IndexUnavailable says what is wrong."""
    build, manifest = read_manifest(index_dir)
    verify_files(build, manifest)
    return _load_build(build, manifest)


def _load_build(build: Path, manifest: Manifest) -> IndexData:
    """Read a build whose checksums were verified; IndexUnavailable when it cannot be read (or is gone)."""
    import faiss

    try:
        blocks = [block_from_dict(d) for d in read_jsonl(build / "blocks.jsonl")]
        facts = read_jsonl(build / REPORTS)
        chunks = [Chunk(**d) for d in read_jsonl(build / "chunks.jsonl")]
        dense = faiss.read_index(str(build / "dense.faiss"))
        sentences = faiss.read_index(str(build / "sentences.faiss"))
        if manifest.dense_kind == "hnsw":
            dense.hnsw.efSearch = sentences.hnsw.efSearch = HNSW_EF_SEARCH
        lexical = load_lexical(build / "bm25")
        sentence_vectors = sentences.reconstruct_n(0, sentences.ntotal)  # the reader's dot products
        sentence_index = json.loads((build / "sentences.json").read_text(encoding="utf-8"))
        common = frozenset(json.loads((build / COMMON_WORDS).read_text(encoding="utf-8")))
    except Exception as exc:  # checksums passed, so this is a format we cannot read
        raise IndexUnavailable(f"The index in {build} cannot be read ({type(exc).__name__}).") from exc
    n_sentences = sum(len(s) for _, s in sentence_index)
    if dense.ntotal != len(chunks) or not sentence_vectors.shape[0] == sentences.ntotal == n_sentences:
        raise IndexUnavailable(f"The index in {build} is inconsistent (row counts differ).")
    return IndexData(
        path=build,
        manifest=manifest,
        blocks=blocks,
        chunks=chunks,
        dense=dense,
        sentences=sentences,
        lexical=lexical,
        sentence_rows=_sentence_rows(sentence_index),
        sentence_vectors=sentence_vectors,
        common_words=common,
        reports=_reports(facts, blocks),
    )


def _reports(facts: list[dict], blocks: list[Block]) -> list[Report]:
    by_doc: dict[str, list[Block]] = {}
    for block in blocks:
        by_doc.setdefault(block.doc_id, []).append(block)
    return [Report(**f, paragraphs=tuple(by_doc.get(f["doc_id"], ()))) for f in facts]


def _sentence_rows(sentence_index: list) -> dict[str, tuple[list[tuple[int, int]], slice]]:
    rows: dict[str, tuple[list[tuple[int, int]], slice]] = {}
    row = 0
    for block_id, spans in sentence_index:
        rows[block_id] = ([tuple(s) for s in spans], slice(row, row + len(spans)))
        row += len(spans)
    return rows


# ---------------------------------------------------------------- writing


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
    """One report chunked and embedded: windows and sentences, each with the report's acronyms spelled out."""
    blocks = list(report.paragraphs)
    chunks = chunk_corpus(blocks, settings, embedder)
    sentence_spans = tuple((b.id, tuple(split_sentences(b.text))) for b in blocks)
    by_id = {b.id: b for b in blocks}
    sentence_texts = [by_id[block_id].text[s:e] for block_id, spans in sentence_spans for s, e in spans]
    # A report defines its own acronyms; embedder and BM25 both see each window with them spelled out.
    acronyms = find_acronyms([b.text for b in blocks])
    chunk_texts = tuple(spell_out(c.text, acronyms) for c in chunks)
    total = len(chunk_texts) + len(sentence_texts)
    chunk_vectors = embedder.encode(chunk_texts, progress=lambda done, _: progress(done, total))
    sentence_vectors = embedder.encode(
        [spell_out(text, acronyms) for text in sentence_texts],
        progress=lambda done, _: progress(len(chunk_texts) + done, total),
    )
    return Segment(report, tuple(chunks), chunk_texts, sentence_spans, acronyms, chunk_vectors, sentence_vectors)


def build_index(paths: Sequence[Path], embedder: Embedder, settings: Settings, progress: Progress | None = None) -> Path:
    """Write a complete new build from the reports at `paths` and make it live; the previous build stays
    live until then. Reports already embedded under the same settings come from their segments; a report
    that cannot be read is skipped, and the manifest says why."""
    index_dir = Path(settings.index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda stage, fraction: None)
    shape = index_shape(settings, embedder)
    segments: list[Segment] = []
    corpus: dict[str, str] = {}
    skipped: dict[str, str] = {}
    keys: set[str] = set()
    started, embedded = time.monotonic(), 0
    for i, path in enumerate(paths):
        sha = _report_sha256(path)
        folder = segment_folder(index_dir, path.stem, segment_key(sha, shape))
        segment = read_segment(folder)
        if segment is None:
            try:
                parsed = load_report(path, settings.corpus_dir)
            except ReportError as error:
                corpus[path.name], skipped[path.name] = sha, str(error)
                continue
            stage = f"Embedding report {i + 1} of {len(paths)}{_eta(started, embedded, len(paths) - i)}"
            segment = make_segment(parsed, embedder, settings, lambda done, total: report(stage, (i + done / max(total, 1)) / len(paths)))
            folder = segment_folder(index_dir, path.stem, segment_key(parsed.sha256, shape))
            write_segment(folder, segment)
            embedded += 1
        corpus[path.name] = segment.report.sha256
        keys.add(folder.name)
        segments.append(segment)
        report(f"Read {i + 1} of {len(paths)} reports", (i + 1) / len(paths))
    if not segments:
        reasons = "; ".join(skipped.values()) or f"{settings.corpus_dir} holds no reports (*.md, *.pdf)"
        raise ReportError(f"No report in {settings.corpus_dir} could be read: {reasons}")
    build = _write_build(segments, embedder, settings, corpus, skipped, report)
    remove_unused_segments(index_dir, keep=keys)
    report("Index ready", 1.0)
    return build


def _eta(started: float, embedded: int, remaining: int) -> str:
    """" · about N min left", from the reports embedded so far (an upper bound: cached ones are quick)."""
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
        files = {
            str(p.relative_to(staging)): file_sha256(p) for p in sorted(staging.rglob("*")) if p.is_file()
        }
        manifest = replace(
            expected_manifest(settings, embedder, corpus, len(chunks)),
            dimension=int(chunk_vectors.shape[1]),
            files=files,
            skipped=skipped,
            counts={
                "reports": len(segments),
                "blocks": len(blocks),
                "chunks": len(chunks),
                "sentences": len(sentence_vectors),
            },
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )
        (staging / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        _fsync_tree(staging)
        staging.rename(build)
        _replace_pointer(index_dir, build.name, file_sha256(build / MANIFEST))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    remove_old_builds(index_dir, keep=build.name)
    return build


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


def _replace_pointer(index_dir: Path, build_name: str, manifest_sha: str) -> None:
    tmp = index_dir / f".{POINTER}.{uuid.uuid4().hex[:8]}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(f"{build_name} {manifest_sha}\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / POINTER)
    fsync_dir(index_dir)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    fsync_dir(root)


# ---------------------------------------------------------------- opening


def ensure_index(
    settings: Settings, embedder: Embedder, progress: Progress | None = None, rebuild: bool = False
) -> tuple[IndexData, str]:
    """Load the index, rebuilding it when missing, stale, damaged or asked to; returns it with a status."""
    from filelock import FileLock

    index_dir = Path(settings.index_dir)
    problem, intact = ("A rebuild was asked for.", None) if rebuild else _index_problem(settings, embedder)
    if problem is None:
        try:
            data = _load_intact(index_dir, intact)
            return data, _noting_skipped(f"Loaded the index in {index_dir} ({_counts(data)}).", data)
        except IndexUnavailable as exc:  # unreadable despite its checksums, or swapped away since: rebuilt alike
            problem = str(exc)
    if not (settings.auto_rebuild or rebuild):
        raise IndexUnavailable(f"{problem} Run: python -m qa_app index --rebuild")
    if not _writable(index_dir):
        return _load_read_only(index_dir, problem, intact)
    with FileLock(str(index_dir / ".lock")):
        # Another process may have finished the same build while this one waited for the lock.
        if not rebuild:
            problem, intact = _index_problem(settings, embedder)
        if problem is not None:
            build_index(report_paths(settings.corpus_dir), embedder, settings, progress)
            intact = None  # the new build is verified as it loads
    data = _load_intact(index_dir, intact)
    built = f"Built a new index in {index_dir} ({_counts(data)})"
    return data, _noting_skipped(f"{built}: {problem}" if problem else f"{built}.", data)


def _noting_skipped(status: str, data: IndexData) -> str:
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


def _load_intact(index_dir: Path, intact: Verified | None) -> IndexData:
    """The build just verified, else the live build, verified now."""
    return _load_build(*intact) if intact else load_index(index_dir)


def _load_read_only(index_dir: Path, problem: str, intact: Verified | None) -> tuple[IndexData, str]:
    try:
        data = _load_intact(index_dir, intact)
    except IndexUnavailable:
        raise IndexUnavailable(f"{problem} {index_dir} is read-only, so it cannot be rebuilt here.") from None
    return data, f"{problem} {index_dir} is read-only, so it cannot be rebuilt; answering from the existing index."


def _writable(index_dir: Path) -> bool:
    """Try a real write: permission bits say nothing on a read-only mount or to root."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        probe = index_dir / f".write-test-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def _counts(data: IndexData) -> str:
    counts = data.manifest.counts
    return f"{counts.get('reports', 0)} reports, {paragraph_count(data.blocks):,} paragraphs, {counts.get('chunks', 0)} chunks"
