import time

import numpy as np
import pytest
from support import GOLD, STOKE_REPORT, write_report

from qa_app.config import Settings
from qa_app.measure.bench import run_bench, unscoped_questions
from qa_app.measure.bench_gpu import GPU_BATCH_SIZES, gpu_bench
from qa_app.measure.bench_pipeline import Material
from qa_app.measure.bench_results import ScaleRow, SearchCost
from qa_app.measure.bench_scale import recall, recommend_threshold, scale_bench, synthetic_texts, synthetic_vectors
from qa_app.measure.bench_table import format_bench

SENTENCES = [
    "The local authority has 550 children looked after.",
    "Caseloads of social workers are manageable.",
    "Care leavers receive a good service from personal advisers.",
    "Return home interviews are not always completed in time.",
]


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def material(rng: np.random.Generator) -> Material:
    return Material(
        sentences=SENTENCES,
        chunk_texts=SENTENCES,
        base_vectors=unit(rng.standard_normal((50, 32))),
        query_vectors=unit(rng.standard_normal((8, 32))),
        questions=["How many children were looked after?", "Are caseloads manageable?"],
        chunks_per_s=100.0,
        sentences_per_text=3,
    )


def scale_row(size: int, flat_ms: float, hnsw_recall: float) -> ScaleRow:
    return ScaleRow(size, 0.0, {"flat": SearchCost(p50_ms=flat_ms), "hnsw": SearchCost(recall=hnsw_recall)})


def test_synthetic_vectors_are_unit_length_and_stay_near_real_embeddings():
    rng = np.random.default_rng(0)
    base = unit(rng.standard_normal((20, 64)))
    vectors = synthetic_vectors(base, 1000, rng)
    assert vectors.shape == (1000, 64) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Clustered like text: every point is much closer to some real embedding than random unit vectors are.
    assert (vectors @ base.T).max(axis=1).min() > 0.5


def test_synthetic_texts_recombine_report_sentences():
    texts = synthetic_texts(SENTENCES, 10, 3, np.random.default_rng(0))
    assert len(texts) == 10
    for text in texts:
        assert sum(text.count(s) for s in SENTENCES) == 3


def test_recall_is_the_share_of_true_neighbours_found():
    truth = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    found = np.array([[4, 3, 2, 1], [5, 6, 0, 0]])
    assert recall(found, truth, k=4) == pytest.approx((1.0 + 0.5) / 2)
    assert recall(truth, truth, k=4) == 1.0


def test_scale_bench_checks_exact_search_against_numpy_and_reports_hnsw_recall():
    rows = scale_bench(material(np.random.default_rng(1)), [300, 1000], time.perf_counter() + 60, np.random.default_rng(2))
    assert [r.size for r in rows] == [300, 1000]
    for row in rows:
        assert row.costs["flat"].recall == 1.0
        assert 0.0 <= row.costs["hnsw"].recall <= 1.0
        for kind in ("flat", "hnsw", "bm25"):
            cost = row.costs[kind]
            assert cost.build_s > 0 and cost.bytes > 0
            assert 0 < cost.p50_ms <= cost.p95_ms
            assert cost.ratio_to_numpy > 0 and cost.ratio_to_embedding > 0


def test_builds_that_would_overrun_the_time_budget_are_projected_not_run():
    already_over = time.perf_counter()
    first, second = scale_bench(material(np.random.default_rng(1)), [200, 2000], already_over, np.random.default_rng(2))
    # The first size has nothing to project from, so it is measured; exact search always runs.
    assert first.costs["hnsw"].recall is not None and second.costs["flat"].recall == 1.0
    for kind in ("hnsw", "bm25"):
        assert second.costs[kind].skipped
        assert second.costs[kind].projected_build_s > first.costs[kind].build_s


def test_recommended_threshold_is_where_exact_search_reaches_the_budget():
    rows = [
        scale_row(n, flat_ms=n / 10_000 + (0.5 if n == 10_000 else 0.0), hnsw_recall=0.99) for n in (10_000, 100_000, 1_000_000)
    ]
    result = recommend_threshold(rows, budget_ms=10.0, target=0.95)
    # The per-chunk cost comes from the largest size; overhead at small sizes does not skew it.
    assert result.crossing == pytest.approx(100_000)
    assert result.size == 100_000
    assert "0.990" in result.reason


def test_recommendation_warns_when_hnsw_recall_is_too_low():
    rows = [scale_row(10_000, flat_ms=20.0, hnsw_recall=0.8)]
    assert "raise efSearch" in recommend_threshold(rows, target=0.95).reason


class FakeCudaEmbedder:
    """An embedder on a pretend GPU that records the batch size of every encode call."""

    device_name = "cuda:0"

    def __init__(self) -> None:
        self.batch_size = 0
        self.batch_sizes: list[int] = []

    def encode(self, texts):
        self.batch_sizes.append(self.batch_size)
        return np.zeros((len(texts), 4), dtype=np.float32)

    def default_batch_size(self) -> int:
        return self.batch_size or 256


def test_gpu_bench_times_each_batch_size_on_the_loaded_model_and_restores_its_own(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    embedder = FakeCudaEmbedder()
    result = gpu_bench(embedder, SENTENCES)
    assert sorted(result.throughput) == sorted(GPU_BATCH_SIZES)
    assert sorted(set(embedder.batch_sizes)) == sorted(GPU_BATCH_SIZES)
    assert embedder.batch_size == 0 and result.default_batch_size == 256


@pytest.mark.slow
def test_run_bench_on_the_report_measures_every_stage_with_a_baseline(tmp_path):
    # The report's opening and its first numbered findings (a seventh of it) and four gold questions keep this short.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    report = STOKE_REPORT.read_text(encoding="utf-8")
    findings = report.index("## Inspection findings")
    excerpt = report[: report.index("## Recommendations")] + report[findings : report.index("\n21. ", findings)]
    (corpus / "stoke-excerpt.md").write_text(excerpt, encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(GOLD.read_text(encoding="utf-8").splitlines(True)[:4]), encoding="utf-8")
    index_dir = tmp_path / "index"
    settings = Settings.load(env={}, corpus_dir=corpus, index_dir=index_dir)

    result = run_bench(settings, [2000], gold=gold)

    assert not index_dir.exists()  # a scratch index was used, never the configured one
    assert result.machine.cores >= 1 and result.machine.memory_bytes > 0
    assert result.machine.embedding_runtime == "onnx"
    stages = result.pipeline.stages
    timed_stages = ("model_load", "ingestion", "embed_question", "index_build", "index_load", "search", "ask")
    for name in (*timed_stages, "read_trained", "ask_trained", "cold_start"):
        assert stages[name].seconds > 0 and stages[name].ratio > 0, name
    # p50 and p95 of both paths, measured side by side; the trained reader's beside the sentence reader's
    for name in ("embed_question", "search", "ask", "read_trained", "ask_trained"):
        assert 0 < stages[name].p50_ms <= stages[name].p95_ms, name
        assert 0 < stages[name].baseline_p50_ms <= stages[name].baseline_p95_ms, name
    assert stages["cold_start"].error is None
    assert stages["cold_start"].peak_rss_bytes > 0 and stages["cold_start"].baseline_peak_rss_bytes > 0
    assert result.corpus == [] and result.scale == []  # the quick default
    assert "error" not in result.to_dict()["pipeline"]["stages"]["cold_start"]  # the JSON holds only what was measured
    table = format_bench(result)
    for header in ("Machine:", "cores", "GiB", "stage", "baseline", "ratio", "PyTorch fp32", "--full"):
        assert header in table


@pytest.mark.slow
def test_full_bench_measures_corpus_sizes_against_one_report(tmp_path):
    corpus = write_report(tmp_path / "corpus")
    write_report(corpus, name="second.md", title="Second council report")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(GOLD.read_text(encoding="utf-8").splitlines(True)[:3]), encoding="utf-8")
    settings = Settings.load(env={}, corpus_dir=corpus, index_dir=tmp_path / "index")

    result = run_bench(settings, [1000], gold=gold, full=True)

    assert [row.reports for row in result.corpus] == [1, 2]
    one, two = result.corpus
    assert one.ratio_build_per_report == 1.0 and one.search.ratio == 1.0
    assert two.build_per_report_s > 0 and two.ask.p50_ms > 0 and two.ask.ratio > 0
    assert two.build_peak_rss_bytes > 0 and two.index_bytes > 0  # the build ran in its own process
    assert two.remove_one_s > 0 and two.add_one_s > 0  # the largest size is updated by one report each way
    (row,) = result.scale
    assert row.costs["flat"].recall == 1.0 and 0.0 <= row.costs["hnsw"].recall <= 1.0
    table = format_bench(result)
    for header in ("Corpus sizes", "build/report", "index on disk", "added back", "recall@10", "approx_threshold"):
        assert header in table


def test_bench_times_only_questions_that_name_no_place():
    # One naming a place the corpus lacks would return "not loaded" without searching anything.
    questions = ["How many children were in care in Norfolk?", "How long are early help cases open?", "Stoke's audits?"]
    assert unscoped_questions(questions) == ["How long are early help cases open?"]


def test_results_as_json_keep_their_shape_and_leave_out_what_was_not_measured():
    row = ScaleRow(
        1000,
        2.5,
        {"numpy": SearchCost(p50_ms=1.0, p95_ms=2.0, bytes=64), "hnsw": SearchCost(skipped="too long", projected_build_s=9.0)},
    )
    assert row.to_dict() == {
        "size": 1000,
        "embed_projected_s": 2.5,
        "numpy": {"bytes": 64, "p50_ms": 1.0, "p95_ms": 2.0},
        "hnsw": {"skipped": "too long", "projected_build_s": 9.0},
    }
    assert recommend_threshold([]).to_dict() == {"size": None, "reason": "no sizes were measured"}
