"""The bench's results as the table `python -m qa_app bench` prints."""

from __future__ import annotations

from dataclasses import replace

from qa_app.measure.bench_results import BenchResult, CorpusRow, SearchCost
from qa_app.measure.bench_scale import DEPTH


def format_bench(result: BenchResult) -> str:
    m = result.machine
    lines = [
        f"Machine: {m.cores} cores, {m.memory_bytes / 2**30:.1f} GiB, {m.cpu}; "
        f"Python {m.python}, torch {m.torch}, faiss {m.faiss}; {m.date}; "
        f"load average {m.load_average[0]:.1f} at start, {m.load_average_end:.1f} at end",
        f"Embedding: {m.embedding_runtime} on {m.embedding_device} (batch {m.embedding_batch_size}); "
        "baseline: PyTorch fp32 sentence-transformers on the CPU",
        "",
    ]
    counts = result.pipeline.counts
    lines.append(
        f"Pipeline on one report ({counts.blocks} blocks, {counts.chunks} chunks, "
        f"{counts.sentences} sentences; {counts.questions} gold questions), temporary index; ratio = time / baseline"
    )
    header = f"{'stage':<16}{'time':>10}{'p95':>10}{'baseline':>11}{'p95':>10}{'ratio':>8}  baseline is"
    lines += [header, "-" * len(header)]
    for name, s in result.pipeline.stages.items():
        value = f"{s.p50_ms:.1f} ms" if s.p50_ms is not None else _seconds(s.seconds)
        p95 = f"{s.p95_ms:.1f} ms" if s.p95_ms is not None else ""
        base = f"{s.baseline_p50_ms:.1f} ms" if s.baseline_p50_ms is not None else _seconds(s.baseline_s)
        base_p95 = f"{s.baseline_p95_ms:.1f} ms" if s.baseline_p95_ms is not None else ""
        ratio = f"{s.ratio:.2f}x" if s.ratio else ""
        lines.append(f"{name:<16}{value:>10}{p95:>10}{base:>11}{base_p95:>10}{ratio:>8}  {s.baseline}")
        if s.error is not None:
            lines.append(f"{'':<16}failed: {s.error}")
    cold = result.pipeline.stages["cold_start"]
    cold_rss, baseline_rss = cold.peak_rss_bytes or 0, cold.baseline_peak_rss_bytes or 0
    peak = result.peak_rss_bytes
    lines.append(
        f"Peak RSS: cold-start process {_mib(cold_rss)} (PyTorch "
        f"{_mib(baseline_rss)}, {cold_rss / max(baseline_rss, 1):.2f}x); "
        f"bench process {_mib(peak['pipeline'])} after the pipeline, {_mib(peak['bench'])} at the end"
    )
    if result.corpus:
        lines += _corpus_lines(result.corpus)
    gpu = result.gpu
    if gpu.throughput:
        rates = ", ".join(f"batch {b}: {r:.0f}/s" for b, r in gpu.throughput.items())
        lines.append(
            f"GPU embedding ({gpu.device}): {rates}; best batch {gpu.best_batch_size} (default {gpu.default_batch_size})"
        )
    else:
        lines.append(f"GPU embedding: {gpu.note}")
    if not result.scale:
        lines.append("Corpus sizes and scaling on synthetic corpora: run with --full")
        return "\n".join(lines)
    h = result.hnsw
    lines += [
        "",
        f"Scaling on synthetic corpora (vectors: real chunk/sentence embeddings mixed and noised; texts: recombined "
        f"report sentences; queries: gold questions; HNSW M={h.M} efConstruction={h.ef_construction} "
        f"efSearch={h.ef_search}; top {DEPTH} per query)",
    ]
    header = (
        f"{'chunks':>9} {'search':<6}{'build':>10}{'/embed':>8}{'memory':>11}{'p50':>10}{'p95':>10}{'/numpy':>8}{'recall@10':>11}"
    )
    lines += [header, "-" * len(header)]
    for row in result.scale:
        lines.append(_scale_line(row.size, "numpy", replace(row.costs["numpy"], ratio_to_numpy=1.0)))
        for kind in ("flat", "hnsw", "bm25"):
            lines.append(_scale_line(row.size, kind, row.costs[kind]))
        lines.append(f"{'':>9} embedding {row.size:,} chunks at the measured rate: {_seconds(row.embed_projected_s)}")
    rec = result.recommendation
    if rec is not None:
        lines += [
            "",
            f"Approximate search switch: Settings.approx_threshold = {result.approx_threshold:,} chunks; "
            f"measured recommendation {rec.size:,} ({rec.reason})."
            if rec.size is not None
            else rec.reason,
        ]
    return "\n".join(lines)


def _corpus_lines(rows: list[CorpusRow]) -> list[str]:
    lines = ["", "Corpus sizes (the app's runtime; ratio = value / one report's)"]
    header = f"{'reports':>8}{'build/report':>14}{'ratio':>8}{'search p50':>12}{'p95':>10}{'ratio':>8}{'ask p50':>10}{'p95':>10}{'ratio':>8}"
    lines += [header, "-" * len(header)]
    for row in rows:
        s, a = row.search, row.ask
        lines.append(
            f"{row.reports:>8}{_seconds(row.build_per_report_s):>14}{row.ratio_build_per_report:>7.2f}x"
            f"{s.p50_ms:>9.1f} ms{s.p95_ms:>7.1f} ms{s.ratio:>7.2f}x"
            f"{a.p50_ms:>7.1f} ms{a.p95_ms:>7.1f} ms{a.ratio:>7.2f}x"
        )
    for row in rows[1:]:
        lines.append(
            f"{row.reports:>8} reports: build {_seconds(row.build_s)} in a fresh process, peak RSS "
            f"{_mib(row.build_peak_rss_bytes or 0)}, index on disk {_mib(row.index_bytes or 0)}"
        )
    last = rows[-1]
    if last.add_one_s is not None and last.remove_one_s is not None:
        lines.append(
            f"{'':>8} one report removed: {_seconds(last.remove_one_s)}; added back: {_seconds(last.add_one_s)} "
            f"(peak RSS {_mib(last.add_one_peak_rss_bytes or 0)}); each in a fresh process, model load included"
        )
    return lines


def _scale_line(size: int, kind: str, r: SearchCost) -> str:
    if r.skipped is not None:
        return f"{size:>9,} {kind:<6}  not built: projected build {_seconds(r.projected_build_s or 0.0)} would overrun the time budget"
    build = _seconds(r.build_s) if r.build_s is not None else ""
    per_embed = f"{r.ratio_to_embedding:.3f}" if r.ratio_to_embedding is not None else ""
    memory = _mib(r.bytes or 0)
    recall_text = f"{r.recall:.3f}" if r.recall is not None else ""
    return (
        f"{size:>9,} {kind:<6}{build:>10}{per_embed:>8}{memory:>11}{r.p50_ms or 0.0:>8.2f}ms{r.p95_ms or 0.0:>8.2f}ms"
        f"{r.ratio_to_numpy or 0.0:>8.2f}{recall_text:>11}"
    )


def _seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.1f} s"


def _mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"
