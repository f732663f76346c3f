"""Corpus sizes: build, search and ask at 1, 30 and all reports, each as a ratio to one report's."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from qa_app.config import Settings
from qa_app.errors import QAError
from qa_app.measure.bench_process import build_in_child, copy_reports, folder_bytes
from qa_app.measure.bench_results import CorpusRow, Latency, Pipeline, Stage
from qa_app.measure.scoring import latency_ms, timed
from qa_app.search.embedding import Embedder

CORPUS_SIZES = (1, 30)  # reports; the whole corpus is measured too


def corpus_bench(
    settings: Settings, embedder: Embedder, questions: Sequence[str], reports: Sequence[Path], scratch: Path, pipeline: Pipeline
) -> list[CorpusRow]:
    """Build, search and ask p50/p95 at 1, 30 and all reports, each as a ratio to one report; at the largest
    size also the index's size on disk and the time to remove one report and to add it back.

    Builds run in a fresh process, as `python -m qa_app index` does, so each has its own peak memory.
    """
    from qa_app.assistant import Assistant
    from qa_app.search.index import load_index

    one = pipeline.stages
    first = {"reports": 1, "build_s": one["index_build"].seconds, "search": _ms(one["search"]), "ask": _ms(one["ask"])}
    rows = [first]
    sizes = sorted({min(n, len(reports)) for n in (*CORPUS_SIZES, len(reports))} - {1})
    for n in sizes:
        sized = settings.replace(corpus_dir=copy_reports(reports[:n], scratch / f"corpus-{n}"), index_dir=scratch / f"index-{n}")
        build = build_in_child(sized)
        if build.error:
            raise QAError(f"The {n}-report build failed: {build.error}")
        row = {
            "reports": n,
            "build_s": build.seconds,
            "build_peak_rss_bytes": build.peak_rss_bytes,
            "index_bytes": folder_bytes(sized.index_dir),
        }
        if n == sizes[-1]:
            row |= add_and_remove_one(sized, reports[n - 1])
        assistant = Assistant(sized, embedder, load_index(sized.index_dir), "benchmark")
        assistant.ask(questions[0])
        row["search"] = latency_ms([timed(assistant.search, q, 10)[1] for q in questions])
        row["ask"] = latency_ms([timed(assistant.ask, q, 5)[1] for q in questions])
        rows.append(row)
        shutil.rmtree(sized.index_dir, ignore_errors=True)
    return [_row(row, first) for row in rows]


def _ms(stage: Stage) -> dict[str, float | None]:
    return {"p50_ms": stage.p50_ms, "p95_ms": stage.p95_ms}


def _row(row: dict, first: dict) -> CorpusRow:
    """A size's measurements with each as a ratio to one report's."""
    per_report = row["build_s"] / row["reports"]
    latencies = {
        name: Latency(row[name]["p50_ms"], row[name]["p95_ms"], row[name]["p50_ms"] / first[name]["p50_ms"])
        for name in ("search", "ask")
    }
    return CorpusRow(**(row | latencies), build_per_report_s=per_report, ratio_build_per_report=per_report / first["build_s"])


def add_and_remove_one(settings: Settings, report: Path) -> dict[str, float]:
    """Take one report out of a built index and put it back: the other reports' segments are reused."""
    copied = Path(settings.corpus_dir) / report.name
    held = copied.read_bytes()
    copied.unlink()
    removed = build_in_child(settings)
    copied.write_bytes(held)
    added = build_in_child(settings)
    if removed.error or added.error:
        raise QAError(f"Updating the index by one report failed: {removed.error or added.error}")
    return {"remove_one_s": removed.seconds, "add_one_s": added.seconds, "add_one_peak_rss_bytes": added.peak_rss_bytes}
