"""Benchmark: the cost of each pipeline stage on this machine, each beside a baseline measured in the same run.

The app's embedding runtime is set against PyTorch fp32 sentence-transformers (the old path), corpus
sizes against one report, approximate search against exact search, so numbers from a loaded or a
different machine compare as ratios. Every index is built in a temporary folder; the user's index/ is
never touched. By default it measures one report in about a minute; `full` adds the corpus sizes and
the scaling curve on synthetic corpora.
"""

from __future__ import annotations

import datetime
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_app.config import Settings
from qa_app.errors import QAError
from qa_app.measure.scoring import latency_ms, load_gold, percentile, timed
from qa_app.search.embedding import Embedder

DEPTH = 100  # dense neighbours the retriever asks for (Retriever.depth): what each search costs
RECALL_K = 10
RECALL_TARGET = 0.95  # approximate search must find this share of the exact top 10
EXACT_BUDGET_MS = 10.0  # dense search share of a query's latency budget
TIME_BUDGET_S = 600.0  # the whole bench; sizes whose builds would overrun it are projected, not built
GPU_BATCH_SIZES = (64, 256, 1024)
# Synthetic vectors: a real embedding, half of another, and Gaussian noise of this norm, renormalised.
# Clustered like text, unlike uniform random vectors (the pessimistic case for HNSW).
NOISE_NORM = 0.6
MAX_QUERIES = 100
CORPUS_SIZES = (1, 30)  # reports; the whole corpus is measured too


@dataclass
class Material:
    """What the pipeline stage hands to the scaling stage: real texts and vectors of the report."""

    sentences: list[str]
    chunk_texts: list[str]
    base_vectors: np.ndarray  # chunk and sentence embeddings
    query_vectors: np.ndarray  # gold question embeddings
    questions: list[str]
    chunks_per_s: float
    sentences_per_text: int


# ---------------------------------------------------------------- entry points


def run_bench(
    settings: Settings,
    sizes: Sequence[int],
    gold: str | Path = "eval/gold.jsonl",
    full: bool = False,
    time_budget_s: float = TIME_BUDGET_S,
    seed: int = 0,
) -> dict:
    """The pipeline on the corpus's first report, new runtime against PyTorch; with `full`, also corpus
    sizes up to the whole corpus and dense and BM25 search on synthetic corpora of `sizes` chunks."""
    from qa_app.ingest.corpus import report_paths
    from qa_app.search.index.manifest import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_NEIGHBOURS

    deadline = time.perf_counter() + time_budget_s
    load_at_start = os.getloadavg()
    questions = unscoped_questions([q.question for q in load_gold(gold)])[:MAX_QUERIES]
    reports = report_paths(settings.corpus_dir)
    if not reports:
        raise QAError(f"There are no reports in {settings.corpus_dir} to measure; put one there or pass --corpus.")
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        scratch = settings.replace(corpus_dir=_copy_reports(reports[:1], Path(tmp) / "corpus"), index_dir=Path(tmp) / "index")
        embedder = Embedder.from_settings(scratch)
        baseline = Embedder(settings.model, "cpu", settings.embed_batch_size, runtime="torch")
        pipeline, material = pipeline_bench(scratch, embedder, baseline, questions)
        corpus = corpus_bench(scratch, embedder, questions, reports, Path(tmp), pipeline) if full else []
    pipeline_peak = peak_rss_bytes()
    gpu = gpu_bench(embedder, material.chunk_texts) if full else {"device": embedder.device_name, "throughput": {}, "note": "run with --full"}
    scale = scale_bench(material, sizes, deadline, np.random.default_rng(seed)) if full else []
    # Other work on the machine skews every timing, so the load is reported at both ends.
    machine = machine_info(embedder) | {"load_average": load_at_start, "load_average_end": os.getloadavg()[0]}
    return {
        "machine": machine,
        "pipeline": pipeline,
        "corpus": corpus,
        "gpu": gpu,
        "scale": scale,
        "hnsw": {"M": HNSW_NEIGHBOURS, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": HNSW_EF_SEARCH},
        "approx_threshold": settings.approx_threshold,
        "recommendation": recommend_threshold(scale) if scale else None,
        "peak_rss_bytes": {"pipeline": pipeline_peak, "bench": peak_rss_bytes()},
    }


def unscoped_questions(questions: Sequence[str]) -> list[str]:
    """The questions that name no place: one that names a report the corpus lacks is answered "not loaded"
    without any search, and one that names a loaded report searches that report only, so neither measures
    a search of the whole corpus."""
    from qa_app.query.scope import gazetteer, named_places

    return [q for q in questions if not named_places(q, gazetteer())]


def _copy_reports(paths: Sequence[Path], folder: Path) -> Path:
    """A scratch corpus of these reports, so that every process of the bench sees the same corpus."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copyfile(path, folder / path.name)
    return folder


def machine_info(embedder: Embedder) -> dict:
    import faiss
    import psutil
    import torch

    return {
        "cores": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "faiss": faiss.__version__,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "embedding_runtime": embedder.runtime,
        "embedding_device": embedder.device_name,
        "embedding_batch_size": embedder.default_batch_size(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ---------------------------------------------------------------- pipeline on one report


def pipeline_bench(
    settings: Settings, embedder: Embedder, baseline: Embedder, questions: Sequence[str]
) -> tuple[dict, Material]:
    """Stage timings of the real pipeline with `embedder`, each beside `baseline` (PyTorch fp32) doing the same.

    settings' folders must be scratch folders. Query-by-query stages alternate the two, so a burst of
    other work on the machine slows both alike.
    """
    from qa_app.assistant import Assistant
    from qa_app.ingest.chunking import chunk_corpus
    from qa_app.ingest.corpus import load_corpus, report_files
    from qa_app.search.index.build import build_index
    from qa_app.search.index.opening import load_index

    stages: dict[str, dict] = {}
    _, first_s = timed(lambda: embedder.model)  # an ONNX export is built here, once per index folder
    _, baseline_model_s = timed(lambda: baseline.model)
    embedder = Embedder.from_settings(settings)  # a second start finds the export built
    _, model_s = timed(lambda: embedder.model)
    stages["first_load"] = stage(first_s, baseline_model_s, "PyTorch: load the model")
    stages["model_load"] = stage(model_s, baseline_model_s, "PyTorch: load the model")

    reports, parse_s = timed(load_corpus, settings.corpus_dir)
    blocks = [b for r in reports for b in r.paragraphs]
    chunks, chunk_s = timed(chunk_corpus, blocks, settings, embedder)
    baseline_chunk_s = timed(chunk_corpus, blocks, settings, baseline)[1]
    stages["ingestion"] = stage(parse_s + chunk_s, parse_s + baseline_chunk_s, "the same, PyTorch's tokenizer")

    query_vectors, query_times, baseline_times = embed_one_by_one(embedder, baseline, questions)
    stages["embed_question"] = paired(query_times, baseline_times, "PyTorch fp32")

    paths = list(report_files(settings.corpus_dir))
    base_settings = settings.replace(index_dir=Path(settings.index_dir).with_name("index-torch"))
    _, baseline_build_s = timed(build_index, paths, baseline, base_settings)
    build, build_s = timed(build_index, paths, embedder, settings)  # a scratch index: no segments to reuse
    stages["index_build"] = stage(build_s, baseline_build_s, "PyTorch fp32: the same build")
    _, read_s = timed(_read_all, build)
    data, load_s = timed(load_index, settings.index_dir)
    stages["index_load"] = stage(load_s, read_s, "reading the index files")
    stages["index_load"]["bytes"] = _folder_bytes(build)

    fast = Assistant(settings, embedder, data, "benchmark")
    slow = Assistant(settings, baseline, data, "benchmark")
    for assistant in (fast, slow):
        assistant.ask(questions[0])  # warm-up: first calls allocate buffers and fill caches
    for name, call in (("search", lambda a, q: a.search(q, 10)), ("ask", lambda a, q: a.ask(q, 5))):
        pairs = [(timed(call, fast, q)[1], timed(call, slow, q)[1]) for q in questions]
        stages[name] = paired([f for f, _ in pairs], [b for _, b in pairs], "PyTorch fp32: the same calls")

    cold = cold_start(settings, questions[0])
    stages["cold_start"] = stage(cold["ask_s"], cold["baseline_s"], "new process to first search, PyTorch")
    stages["cold_start"].update(peak_rss_bytes=cold["ask_rss"], baseline_peak_rss_bytes=cold["baseline_rss"])
    if cold["error"]:
        stages["cold_start"]["error"] = cold["error"]

    sentence_vectors = data.sentence_vectors
    counts = {
        "reports": len(reports),
        "blocks": len(blocks),
        "chunks": len(chunks),
        "sentences": len(sentence_vectors),
        "questions": len(questions),
    }
    sentence_texts = [b.text[s:e] for b in data.blocks for s, e in data.sentence_rows[b.id][0]]
    material = Material(
        sentences=sentence_texts,
        chunk_texts=[c.text for c in chunks],
        base_vectors=np.vstack([data.dense.reconstruct_n(0, data.dense.ntotal), sentence_vectors]),
        query_vectors=query_vectors,
        questions=list(questions),
        chunks_per_s=(len(chunks) + len(sentence_vectors)) / build_s,  # texts a second, as the build embeds them
        sentences_per_text=max(1, round(len(sentence_vectors) / max(len(chunks), 1))),
    )
    return {"counts": counts, "stages": stages}, material


def stage(seconds: float, baseline_s: float, baseline: str) -> dict:
    ratio = seconds / baseline_s if baseline_s else None
    return {"seconds": seconds, "baseline": baseline, "baseline_s": baseline_s, "ratio": ratio}


def paired(times: Sequence[float], baseline_times: Sequence[float], baseline: str) -> dict:
    """p50 and p95 of the new path and of its baseline, the ratio of the medians."""
    result = stage(percentile(times, 50), percentile(baseline_times, 50), baseline) | latency_ms(times)
    return result | latency_ms(baseline_times, "baseline_p{}_ms")


def embed_one_by_one(
    embedder: Embedder, baseline: Embedder, texts: Sequence[str]
) -> tuple[np.ndarray, list[float], list[float]]:
    """Each question embedded alone by both, alternately: vectors of `embedder`, and both's timings."""
    for e in (embedder, baseline):
        e.encode_query(texts[0])  # warm-up
    vectors, times, baseline_times = [], [], []
    for text in texts:
        vector, seconds = timed(embedder.encode_query, text)
        vectors.append(vector)
        times.append(seconds)
        baseline_times.append(timed(baseline.encode_query, text)[1])
    return np.vstack(vectors).astype(np.float32), times, baseline_times


# ---------------------------------------------------------------- corpus sizes


def corpus_bench(
    settings: Settings, embedder: Embedder, questions: Sequence[str], reports: Sequence[Path], scratch: Path, pipeline: dict
) -> list[dict]:
    """Build, search and ask p50/p95 at 1, 30 and all reports, each as a ratio to one report; at the largest
    size also the index's size on disk and the time to remove one report and to add it back.

    Builds run in a fresh process, as `python -m qa_app index` does, so each has its own peak memory.
    """
    from qa_app.assistant import Assistant
    from qa_app.search.index.opening import load_index

    one = pipeline["stages"]
    rows = [{"reports": 1, "build_s": one["index_build"]["seconds"], "search": one["search"], "ask": one["ask"]}]
    sizes = sorted({min(n, len(reports)) for n in (*CORPUS_SIZES, len(reports))} - {1})
    for n in sizes:
        sized = settings.replace(
            corpus_dir=_copy_reports(reports[:n], scratch / f"corpus-{n}"), index_dir=scratch / f"index-{n}"
        )
        build_s, build_rss, error = build_in_child(sized)
        if error:
            raise QAError(f"The {n}-report build failed: {error}")
        row = {"reports": n, "build_s": build_s, "build_peak_rss_bytes": build_rss, "index_bytes": _folder_bytes(sized.index_dir)}
        if n == sizes[-1]:
            row |= add_and_remove_one(sized, reports[n - 1])
        assistant = Assistant(sized, embedder, load_index(sized.index_dir), "benchmark")
        assistant.ask(questions[0])
        row["search"] = latency_ms([timed(assistant.search, q, 10)[1] for q in questions])
        row["ask"] = latency_ms([timed(assistant.ask, q, 5)[1] for q in questions])
        rows.append(row)
        shutil.rmtree(sized.index_dir, ignore_errors=True)
    for row in rows:
        row["build_per_report_s"] = row["build_s"] / row["reports"]
        row["ratio_build_per_report"] = row["build_per_report_s"] / rows[0]["build_s"]
        for name in ("search", "ask"):
            row[name] = {k: row[name][k] for k in ("p50_ms", "p95_ms")}
            row[name]["ratio"] = row[name]["p50_ms"] / rows[0][name]["p50_ms"]
    return rows


def build_in_child(settings: Settings) -> tuple[float, int, str | None]:
    """`python -m qa_app index` on these settings in a fresh process: wall time, peak RSS, error."""
    root = Path(__file__).resolve().parents[2]
    flags = ["--corpus", str(Path(settings.corpus_dir).resolve()), "--index", str(Path(settings.index_dir).resolve())]
    flags += ["--model", settings.model, "--embedding-runtime", settings.embedding_runtime]
    return run_child(["from qa_app.app.cli import main", "code = main(sys.argv[1:])"], [*flags, "index"], root)


def add_and_remove_one(settings: Settings, report: Path) -> dict:
    """Take one report out of a built index and put it back: the other reports' segments are reused."""
    copied = Path(settings.corpus_dir) / report.name
    held = copied.read_bytes()
    copied.unlink()
    remove_s, _, error = build_in_child(settings)
    copied.write_bytes(held)
    add_s, add_rss, add_error = build_in_child(settings)
    if error or add_error:
        raise QAError(f"Updating the index by one report failed: {error or add_error}")
    return {"remove_one_s": remove_s, "add_one_s": add_s, "add_one_peak_rss_bytes": add_rss}


def _read_all(folder: Path) -> int:
    return sum(len(p.read_bytes()) for p in Path(folder).rglob("*") if p.is_file())


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def peak_rss_bytes() -> int:
    """This process's resident-memory high-water mark."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


# ---------------------------------------------------------------- cold start


def cold_start(settings: Settings, question: str) -> dict:
    """Process start to first search results with the existing index, the app's runtime against PyTorch's.

    A search always embeds its query; some questions `ask` answers from the report's structure alone.
    """
    root = Path(__file__).resolve().parents[2]  # so `qa_app` imports as this package
    flags = ["--corpus", str(Path(settings.corpus_dir).resolve()), "--index", str(Path(settings.index_dir).resolve())]
    flags += ["--model", settings.model, "--reader", settings.reader]
    if settings.device:
        flags += ["--device", settings.device]
    if settings.reader_model:
        flags += ["--reader-model", settings.reader_model]
    main = ["from qa_app.app.cli import main", "code = main(sys.argv[1:])"]
    ask_s, ask_rss, ask_error = run_child(main, [*flags, "--embedding-runtime", settings.embedding_runtime, "search", question], root)
    base_s, base_rss, base_error = run_child(main, [*flags, "--embedding-runtime", "torch", "--device", "cpu", "search", question], root)
    return {"ask_s": ask_s, "ask_rss": ask_rss, "baseline_s": base_s, "baseline_rss": base_rss, "error": ask_error or base_error}


def run_child(statements: Sequence[str], argv: Sequence[str], cwd: Path) -> tuple[float, int, str | None]:
    """Wall time and peak RSS of a fresh `python -c` process running the statements.

    The child reports its own VmHWM: rusage of a child counts the parent's size at fork on Linux.
    """
    script = "; ".join(["import sys", *statements, f"print({_PEAK_MARK!r}, {_VMHWM_EXPR}, file=sys.stderr)", "sys.exit(code)"])
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, *argv], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    lines = done.stderr.strip().splitlines()
    peak = next((int(line.split()[1]) for line in reversed(lines) if line.startswith(_PEAK_MARK)), 0)
    error = f"exit {done.returncode}: {lines[-1] if lines else ''}" if done.returncode else None
    return seconds, peak, error


_PEAK_MARK = "peak_rss_bytes"
_VMHWM_EXPR = "[int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmHWM')][0]"


# ---------------------------------------------------------------- GPU


def gpu_bench(embedder: Embedder, texts: Sequence[str]) -> dict:
    """Embedding throughput per batch size on a CUDA device; on the CPU only the device is reported."""
    import torch

    device = embedder.device_name
    if not (torch.cuda.is_available() and device.startswith("cuda")):
        return {"device": device, "throughput": {}, "note": "no CUDA device: embedding ran on the CPU"}
    repeated = list(texts) * max(1, math.ceil(4 * max(GPU_BATCH_SIZES) / max(len(texts), 1)))
    throughput = {}
    configured = embedder.batch_size
    try:
        for size in GPU_BATCH_SIZES:
            embedder.batch_size = size  # the loaded model: no reload, no re-hashing of the weights
            embedder.encode(repeated[:size])  # warm-up: CUDA kernels and allocator
            _, seconds = timed(embedder.encode, repeated)
            throughput[size] = len(repeated) / seconds
    finally:
        embedder.batch_size = configured
    best = max(throughput, key=throughput.get)
    return {"device": device, "throughput": throughput, "best_batch_size": best, "default_batch_size": embedder.default_batch_size()}


# ---------------------------------------------------------------- scaling on synthetic corpora


def synthetic_vectors(base: np.ndarray, n: int, rng: np.random.Generator, noise: float = NOISE_NORM) -> np.ndarray:
    """n unit vectors around real embeddings: base[i] + base[j] / 2 + noise, renormalised."""
    dim = base.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    for begin in range(0, n, 100_000):
        end = min(n, begin + 100_000)
        rows = base[rng.integers(0, len(base), end - begin)] + 0.5 * base[rng.integers(0, len(base), end - begin)]
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        rows += rng.standard_normal((end - begin, dim), dtype=np.float32) * (noise / math.sqrt(dim))
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        out[begin:end] = rows
    return out


def synthetic_texts(sentences: Sequence[str], n: int, per_text: int, rng: np.random.Generator) -> list[str]:
    """n chunk-like texts, each `per_text` report sentences drawn at random."""
    picks = rng.integers(0, len(sentences), (n, per_text))
    return [" ".join(sentences[j] for j in row) for row in picks]


def scale_bench(material: Material, sizes: Sequence[int], deadline: float, rng: np.random.Generator) -> list[dict]:
    """Exact and HNSW dense search and BM25 at each size; builds that would overrun the deadline are projected."""
    rows: list[dict] = []
    measured: dict[str, tuple[int, float]] = {}  # kind -> (size, build seconds) of the last build
    for n in sorted(sizes):
        vectors = synthetic_vectors(material.base_vectors, n, rng)
        queries = material.query_vectors
        truth, numpy_times = numpy_search(vectors, queries)
        numpy_p50 = percentile(numpy_times, 50)
        embed_s = n / material.chunks_per_s
        row = {"size": n, "embed_projected_s": embed_s, "numpy": latency_ms(numpy_times) | {"bytes": vectors.nbytes}}
        # FAISS exact search is checked against NumPy as an oracle, then serves as truth for HNSW.
        row["flat"], flat_ids = dense_bench(vectors, queries, "flat", truth=truth)
        exact = flat_ids[:, :RECALL_K]
        for kind, grow in (("hnsw", _n_log_n), ("bm25", _linear)):
            projected = _project(measured.get(kind), n, grow)
            if projected is not None and time.perf_counter() + projected > deadline:
                row[kind] = {"skipped": "would overrun the time budget", "projected_build_s": projected}
                continue
            if kind == "hnsw":
                row[kind], _ = dense_bench(vectors, queries, "hnsw", truth=exact)
            else:
                row[kind] = bm25_bench(material, n, rng)
            measured[kind] = (n, row[kind]["build_s"])
        for kind in ("flat", "hnsw", "bm25"):
            if "p50_ms" in row[kind]:
                row[kind]["ratio_to_numpy"] = row[kind]["p50_ms"] / (1000 * numpy_p50)
            if "build_s" in row[kind]:
                row[kind]["ratio_to_embedding"] = row[kind]["build_s"] / embed_s
        rows.append(row)
        del vectors
    return rows


def numpy_search(vectors: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """The baseline: one matrix-vector product and a partial sort per query, as plain NumPy."""
    depth = min(DEPTH, len(vectors))
    ids, times = [], []
    for q in queries:
        started = time.perf_counter()
        scores = vectors @ q
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top])]
        times.append(time.perf_counter() - started)
        ids.append(top)
    return np.array(ids), times


def dense_bench(vectors: np.ndarray, queries: np.ndarray, kind: str, truth: np.ndarray) -> tuple[dict, np.ndarray]:
    """Build time, memory and single-query latency of the app's dense index; recall@10 against truth."""
    import faiss
    import psutil

    from qa_app.search.index.build import make_dense_index
    from qa_app.search.index.manifest import HNSW_EF_SEARCH

    process = psutil.Process()
    before = process.memory_info().rss
    index, build_s = timed(make_dense_index, vectors, kind)
    rss_delta = process.memory_info().rss - before
    if kind == "hnsw":
        index.hnsw.efSearch = HNSW_EF_SEARCH
    depth = min(DEPTH, len(vectors))
    index.search(queries[:1], depth)  # warm-up
    ids, times = [], []
    for q in queries:
        (_, found), seconds = timed(index.search, q.reshape(1, -1), depth)
        ids.append(found[0])
        times.append(seconds)
    ids = np.array(ids)
    result = {"build_s": build_s, "bytes": int(faiss.serialize_index(index).size), "rss_delta_bytes": rss_delta}
    return result | latency_ms(times) | {"recall": recall(ids, truth)}, ids


def recall(found: np.ndarray, truth: np.ndarray, k: int = RECALL_K) -> float:
    """Mean share of each query's true top k that the search found in its own top k."""
    k = min(k, truth.shape[1])
    shares = [len(set(f[:k].tolist()) & set(t[:k].tolist())) / k for f, t in zip(found, truth)]
    return float(np.mean(shares))


def bm25_bench(material: Material, n: int, rng: np.random.Generator) -> dict:
    """The app's BM25 build (tokenize, index, save), load and per-query scoring over recombined report sentences."""
    from qa_app.search.acronyms import find_acronyms, spell_out
    from qa_app.search.lexical import build_lexical, lexical_scores, load_lexical

    texts = synthetic_texts(material.sentences, n, material.sentences_per_text, rng)
    with tempfile.TemporaryDirectory(prefix="qa-bench-bm25-") as tmp:
        folder = Path(tmp) / "bm25"
        acronyms = find_acronyms(texts)
        _, build_s = timed(build_lexical, [spell_out(t, acronyms) for t in texts], folder, acronyms)
        size = _folder_bytes(folder)
        model, load_s = timed(load_lexical, folder)
    del texts
    lexical_scores(model, material.questions[0])  # warm-up
    times = [timed(lexical_scores, model, q)[1] for q in material.questions]
    return {"build_s": build_s, "load_s": load_s, "bytes": size} | latency_ms(times)


def _n_log_n(n: int) -> float:
    return n * math.log(max(n, 2))


def _linear(n: int) -> float:
    return float(n)


def _project(last: tuple[int, float] | None, n: int, grow: Callable[[int], float]) -> float | None:
    if last is None:
        return None
    size, seconds = last
    return seconds * grow(n) / grow(size)


# ---------------------------------------------------------------- the switch to approximate search


def recommend_threshold(rows: Sequence[dict], budget_ms: float = EXACT_BUDGET_MS, target: float = RECALL_TARGET) -> dict:
    """The size where exact search p50 reaches the budget, provided HNSW keeps recall@10 >= target.

    Exact search is a scan, so its cost per chunk is taken from the largest size measured, where
    fixed per-call overheads and timer noise weigh least.
    """
    if not rows:
        return {"size": None, "reason": "no sizes were measured"}
    largest = max(rows, key=lambda r: r["size"])
    per_chunk_ms = largest["flat"]["p50_ms"] / largest["size"]
    crossing = budget_ms / per_chunk_ms
    recalls = [(r["size"], r["hnsw"]["recall"]) for r in rows if "recall" in r.get("hnsw", {})]
    low = [s for s, value in recalls if value < target]
    reason = (
        f"exact search costs {1e6 * per_chunk_ms:.2f} ms per million chunks per query "
        f"({largest['flat']['p50_ms']:.1f} ms p50 at {largest['size']:,}), so it reaches {budget_ms:g} ms "
        f"at about {crossing:,.0f} chunks"
    )
    if recalls:
        reason += f"; HNSW recall@{RECALL_K} is {min(v for _, v in recalls):.3f} or better at the measured sizes"
    if low:
        reason += f", but below {target} at {', '.join(f'{s:,}' for s in low)}: raise efSearch before switching"
    return {"size": _round_down(crossing), "budget_ms": budget_ms, "recall_target": target, "crossing": crossing, "reason": reason}


def _round_down(value: float) -> int:
    """Two significant figures, rounded down: a threshold, not a measurement."""
    if value < 1:
        return 0
    step = 10 ** max(int(math.log10(value)) - 1, 0)
    return int(value // step * step)


# ---------------------------------------------------------------- the table


def format_bench(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"Machine: {m['cores']} cores, {m['memory_bytes'] / 2**30:.1f} GiB, {m['cpu']}; "
        f"Python {m['python']}, torch {m['torch']}, faiss {m['faiss']}; {m['date']}; "
        f"load average {m['load_average'][0]:.1f} at start, {m['load_average_end']:.1f} at end",
        f"Embedding: {m['embedding_runtime']} on {m['embedding_device']} (batch {m['embedding_batch_size']}); "
        "baseline: PyTorch fp32 sentence-transformers on the CPU",
        "",
    ]
    counts = result["pipeline"]["counts"]
    lines.append(
        f"Pipeline on one report ({counts['blocks']} blocks, {counts['chunks']} chunks, "
        f"{counts['sentences']} sentences; {counts['questions']} gold questions), temporary index; ratio = time / baseline"
    )
    header = f"{'stage':<16}{'time':>10}{'p95':>10}{'baseline':>11}{'p95':>10}{'ratio':>8}  baseline is"
    lines += [header, "-" * len(header)]
    for name, s in result["pipeline"]["stages"].items():
        value = f"{s['p50_ms']:.1f} ms" if "p50_ms" in s else _seconds(s["seconds"])
        p95 = f"{s['p95_ms']:.1f} ms" if "p95_ms" in s else ""
        base = f"{s['baseline_p50_ms']:.1f} ms" if "baseline_p50_ms" in s else _seconds(s["baseline_s"])
        base_p95 = f"{s['baseline_p95_ms']:.1f} ms" if "baseline_p95_ms" in s else ""
        ratio = f"{s['ratio']:.2f}x" if s["ratio"] else ""
        lines.append(f"{name:<16}{value:>10}{p95:>10}{base:>11}{base_p95:>10}{ratio:>8}  {s['baseline']}")
        if "error" in s:
            lines.append(f"{'':<16}failed: {s['error']}")
    cold = result["pipeline"]["stages"]["cold_start"]
    peak = result["peak_rss_bytes"]
    lines.append(
        f"Peak RSS: cold-start process {_mib(cold['peak_rss_bytes'])} (PyTorch "
        f"{_mib(cold['baseline_peak_rss_bytes'])}, {cold['peak_rss_bytes'] / max(cold['baseline_peak_rss_bytes'], 1):.2f}x); "
        f"bench process {_mib(peak['pipeline'])} after the pipeline, {_mib(peak['bench'])} at the end"
    )
    if result["corpus"]:
        lines += ["", "Corpus sizes (the app's runtime; ratio = value / one report's)"]
        header = f"{'reports':>8}{'build/report':>14}{'ratio':>8}{'search p50':>12}{'p95':>10}{'ratio':>8}{'ask p50':>10}{'p95':>10}{'ratio':>8}"
        lines += [header, "-" * len(header)]
        for row in result["corpus"]:
            s, a = row["search"], row["ask"]
            lines.append(
                f"{row['reports']:>8}{_seconds(row['build_per_report_s']):>14}{row['ratio_build_per_report']:>7.2f}x"
                f"{s['p50_ms']:>9.1f} ms{s['p95_ms']:>7.1f} ms{s['ratio']:>7.2f}x"
                f"{a['p50_ms']:>7.1f} ms{a['p95_ms']:>7.1f} ms{a['ratio']:>7.2f}x"
            )
        for row in result["corpus"][1:]:
            lines.append(
                f"{row['reports']:>8} reports: build {_seconds(row['build_s'])} in a fresh process, peak RSS "
                f"{_mib(row['build_peak_rss_bytes'])}, index on disk {_mib(row['index_bytes'])}"
            )
        last = result["corpus"][-1]
        if "add_one_s" in last:
            lines.append(
                f"{'':>8} one report removed: {_seconds(last['remove_one_s'])}; added back: {_seconds(last['add_one_s'])} "
                f"(peak RSS {_mib(last['add_one_peak_rss_bytes'])}); each in a fresh process, model load included"
            )
    gpu = result["gpu"]
    if gpu["throughput"]:
        rates = ", ".join(f"batch {b}: {r:.0f}/s" for b, r in gpu["throughput"].items())
        lines.append(f"GPU embedding ({gpu['device']}): {rates}; best batch {gpu['best_batch_size']} (default {gpu['default_batch_size']})")
    else:
        lines.append(f"GPU embedding: {gpu['note']}")
    if not result["scale"]:
        lines.append("Corpus sizes and scaling on synthetic corpora: run with --full")
        return "\n".join(lines)
    h = result["hnsw"]
    lines += [
        "",
        f"Scaling on synthetic corpora (vectors: real chunk/sentence embeddings mixed and noised; texts: recombined "
        f"report sentences; queries: gold questions; HNSW M={h['M']} efConstruction={h['ef_construction']} "
        f"efSearch={h['ef_search']}; top {DEPTH} per query)",
    ]
    header = (
        f"{'chunks':>9} {'search':<6}{'build':>10}{'/embed':>8}{'memory':>11}{'p50':>10}{'p95':>10}"
        f"{'/numpy':>8}{'recall@10':>11}"
    )
    lines += [header, "-" * len(header)]
    for row in result["scale"]:
        lines.append(_scale_line(row["size"], "numpy", row["numpy"] | {"ratio_to_numpy": 1.0}))
        for kind in ("flat", "hnsw", "bm25"):
            lines.append(_scale_line(row["size"], kind, row[kind]))
        lines.append(f"{'':>9} embedding {row['size']:,} chunks at the measured rate: {_seconds(row['embed_projected_s'])}")
    rec = result["recommendation"]
    lines += [
        "",
        f"Approximate search switch: Settings.approx_threshold = {result['approx_threshold']:,} chunks; "
        f"measured recommendation {rec['size']:,} ({rec['reason']})." if rec["size"] is not None else rec["reason"],
    ]
    return "\n".join(lines)


def _scale_line(size: int, kind: str, r: dict) -> str:
    if "skipped" in r:
        return f"{size:>9,} {kind:<6}  not built: projected build {_seconds(r['projected_build_s'])} would overrun the time budget"
    build = _seconds(r["build_s"]) if "build_s" in r else ""
    per_embed = f"{r['ratio_to_embedding']:.3f}" if "ratio_to_embedding" in r else ""
    memory = _mib(r["bytes"])
    recall_text = f"{r['recall']:.3f}" if "recall" in r else ""
    return (
        f"{size:>9,} {kind:<6}{build:>10}{per_embed:>8}{memory:>11}{r['p50_ms']:>8.2f}ms{r['p95_ms']:>8.2f}ms"
        f"{r['ratio_to_numpy']:>8.2f}{recall_text:>11}"
    )


def _seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.1f} s"


def _mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"
