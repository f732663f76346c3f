"""The pipeline on one report, each stage of the app's way timed beside a baseline doing the same: PyTorch
fp32 sentence-transformers on the CPU (the old path), or reading the index's files for loading it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa_app.config import Settings
from qa_app.measure.bench_process import cold_start, folder_bytes, read_all
from qa_app.measure.bench_results import Counts, Pipeline, Stage
from qa_app.measure.scoring import latency_ms, percentile, timed
from qa_app.search.embedding import Embedder


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


def stage(seconds: float, baseline_s: float, baseline: str) -> Stage:
    return Stage(seconds, baseline, baseline_s, seconds / baseline_s if baseline_s else None)


def paired(times: Sequence[float], baseline_times: Sequence[float], baseline: str) -> Stage:
    """p50 and p95 of the new path and of its baseline, the ratio of the medians."""
    both = latency_ms(times) | latency_ms(baseline_times, "baseline_p{}_ms")
    return replace(stage(percentile(times, 50), percentile(baseline_times, 50), baseline), **both)


def pipeline_bench(
    settings: Settings, embedder: Embedder, baseline: Embedder, questions: Sequence[str]
) -> tuple[Pipeline, Material]:
    """Stage timings of the real pipeline with `embedder`, each beside `baseline` (PyTorch fp32) doing the same.

    settings' folders must be scratch folders. Query-by-query stages alternate the two, so a burst of
    other work on the machine slows both alike.
    """
    from qa_app.assistant import Assistant
    from qa_app.ingest.chunking import chunk_corpus
    from qa_app.ingest.corpus import load_corpus, report_files
    from qa_app.search.index.build import build_index
    from qa_app.search.index.opening import load_index

    stages: dict[str, Stage] = {}
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
    _, read_s = timed(read_all, build)
    data, load_s = timed(load_index, settings.index_dir)
    stages["index_load"] = replace(stage(load_s, read_s, "reading the index files"), bytes=folder_bytes(build))

    fast = Assistant(settings, embedder, data, "benchmark")
    slow = Assistant(settings, baseline, data, "benchmark")
    for assistant in (fast, slow):
        assistant.ask(questions[0])  # warm-up: first calls allocate buffers and fill caches
    for name, call in (("search", lambda a, q: a.search(q, 10)), ("ask", lambda a, q: a.ask(q, 5))):
        pairs = [(timed(call, fast, q)[1], timed(call, slow, q)[1]) for q in questions]
        stages[name] = paired([f for f, _ in pairs], [b for _, b in pairs], "PyTorch fp32: the same calls")
    stages.update(reader_stages(settings, embedder, data, questions))

    cold = cold_start(settings, questions[0])
    stages["cold_start"] = replace(
        stage(cold.ask.seconds, cold.baseline.seconds, "new process to first search, PyTorch"),
        peak_rss_bytes=cold.ask.peak_rss_bytes,
        baseline_peak_rss_bytes=cold.baseline.peak_rss_bytes,
        error=cold.error,
    )

    sentence_vectors = data.sentence_vectors
    counts = Counts(len(reports), len(blocks), len(chunks), len(sentence_vectors), len(questions))
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
    return Pipeline(counts, stages), material


def reader_stages(settings: Settings, embedder: Embedder, store, questions: Sequence[str]) -> dict[str, Stage]:
    """The trained reader beside the sentence reader on the same passages: its own cost (`read`) and
    the whole ask, question by question in turn."""
    from qa_app.assistant import Assistant
    from qa_app.config import ReaderKind

    sentence = Assistant(settings.replace(reader=ReaderKind.SENTENCE), embedder, store, "benchmark")
    trained = Assistant(settings.replace(reader=ReaderKind.TRAINED), embedder, store, "benchmark")
    trained.ask(questions[0])  # loads and checks the span model
    queries = [sentence.parse(q) for q in questions]
    found = [(query.phrased, sentence.retriever.retrieve(query, 5)) for query in queries if not query.reaches_no_report]
    reads = [(timed(trained.reader.read, q, e.hits, e)[1], timed(sentence.reader.read, q, e.hits, e)[1]) for q, e in found]
    asks = [(timed(trained.ask, q, 5)[1], timed(sentence.ask, q, 5)[1]) for q in questions]
    return {
        "read_trained": paired([t for t, _ in reads], [s for _, s in reads], "the sentence reader, same passages"),
        "ask_trained": paired([t for t, _ in asks], [s for _, s in asks], "ask with the sentence reader"),
    }


def embed_one_by_one(embedder: Embedder, baseline: Embedder, texts: Sequence[str]) -> tuple[np.ndarray, list[float], list[float]]:
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
