"""Benchmark: the cost of each pipeline stage on this machine, each beside a baseline measured in the same run.

The app's embedding runtime is set against PyTorch fp32 sentence-transformers (the old path), corpus
sizes against one report, approximate search against exact search, so numbers from a loaded or a
different machine compare as ratios. Every index is built in a temporary folder; the user's index/ is
never touched. By default it measures one report in about a minute; `full` adds the corpus sizes and
the scaling curve on synthetic corpora.

One job a module: bench_pipeline (one report), bench_corpus (corpus sizes), bench_gpu, bench_scale
(synthetic corpora), bench_process (fresh processes), bench_results (the typed results), bench_table.
"""

from __future__ import annotations

import datetime
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa_app.config import Settings
from qa_app.errors import QAError
from qa_app.measure.bench_corpus import corpus_bench
from qa_app.measure.bench_gpu import gpu_bench
from qa_app.measure.bench_pipeline import pipeline_bench
from qa_app.measure.bench_process import copy_reports, peak_rss_bytes
from qa_app.measure.bench_results import BenchResult, Gpu, Hnsw, Machine
from qa_app.measure.bench_scale import recommend_threshold, scale_bench
from qa_app.measure.scoring import load_gold
from qa_app.search.embedding import Embedder

TIME_BUDGET_S = 600.0  # the whole bench; sizes whose builds would overrun it are projected, not built
MAX_QUERIES = 100


def run_bench(
    settings: Settings,
    sizes: Sequence[int],
    gold: str | Path = "eval/gold.jsonl",
    full: bool = False,
    time_budget_s: float = TIME_BUDGET_S,
    seed: int = 0,
) -> BenchResult:
    """The pipeline on the corpus's first report, new runtime against PyTorch; with `full`, also corpus
    sizes up to the whole corpus and dense and BM25 search on synthetic corpora of `sizes` chunks."""
    from qa_app.ingest.corpus import report_paths
    from qa_app.search.index import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_NEIGHBOURS

    deadline = time.perf_counter() + time_budget_s
    load_at_start = os.getloadavg()
    questions = unscoped_questions([q.question for q in load_gold(gold)])[:MAX_QUERIES]
    reports = report_paths(settings.corpus_dir)
    if not reports:
        raise QAError(f"There are no reports in {settings.corpus_dir} to measure; put one there or pass --corpus.")
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        scratch = settings.replace(corpus_dir=copy_reports(reports[:1], Path(tmp) / "corpus"), index_dir=Path(tmp) / "index")
        embedder = Embedder.from_settings(scratch)
        baseline = Embedder(settings.model, "cpu", settings.embed_batch_size, runtime="torch")
        pipeline, material = pipeline_bench(scratch, embedder, baseline, questions)
        corpus = corpus_bench(scratch, embedder, questions, reports, Path(tmp), pipeline) if full else []
    pipeline_peak = peak_rss_bytes()
    gpu = gpu_bench(embedder, material.chunk_texts) if full else Gpu(embedder.device_name, note="run with --full")
    scale = scale_bench(material, sizes, deadline, np.random.default_rng(seed)) if full else []
    return BenchResult(
        machine=machine_info(embedder, load_at_start),
        pipeline=pipeline,
        corpus=corpus,
        gpu=gpu,
        scale=scale,
        hnsw=Hnsw(HNSW_NEIGHBOURS, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH),
        approx_threshold=settings.approx_threshold,
        recommendation=recommend_threshold(scale) if scale else None,
        peak_rss_bytes={"pipeline": pipeline_peak, "bench": peak_rss_bytes()},
    )


def unscoped_questions(questions: Sequence[str]) -> list[str]:
    """The questions that name no place: one that names a report the corpus lacks is answered "not loaded"
    without any search, and one that names a loaded report searches that report only, so neither measures
    a search of the whole corpus."""
    from qa_app.search.scope import gazetteer, named_places

    return [q for q in questions if not named_places(q, gazetteer())]


def machine_info(embedder: Embedder, load_at_start: tuple[float, float, float]) -> Machine:
    """The machine and its load at the start and, now, at the end: other work skews every timing."""
    import faiss
    import psutil
    import torch

    return Machine(
        cores=os.cpu_count(),
        memory_bytes=psutil.virtual_memory().total,
        cpu=_cpu_model(),
        python=platform.python_version(),
        torch=torch.__version__,
        faiss=faiss.__version__,
        date=datetime.datetime.now().isoformat(timespec="seconds"),
        embedding_runtime=embedder.runtime,
        embedding_device=embedder.device_name,
        embedding_batch_size=embedder.default_batch_size(),
        load_average=load_at_start,
        load_average_end=os.getloadavg()[0],
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
