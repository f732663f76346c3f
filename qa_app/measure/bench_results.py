"""The bench's results as typed records: what each job measured, read by the table and written as JSON.

Optional measurements that a run did not take are None and left out of `to_dict`, so the JSON carries
only what was measured, as it always has.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def measured(record: Any, always: tuple[str, ...] = ()) -> dict[str, Any]:
    """The record's fields as a dict, nested records too, leaving out those not measured (None)."""
    out: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if value is None and f.name not in always:
            continue
        out[f.name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Machine:
    """Where the bench ran; other work on the machine skews every timing, so the load is kept at both ends."""

    cores: int | None
    memory_bytes: int
    cpu: str
    python: str
    torch: str
    faiss: str
    date: str
    embedding_runtime: str
    embedding_device: str
    embedding_batch_size: int
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_average_end: float = 0.0

    def to_dict(self) -> dict:
        return measured(self)


@dataclass(frozen=True)
class Stage:
    """One pipeline stage, the app's way beside its baseline doing the same; ratio = time / baseline."""

    seconds: float
    baseline: str  # what the baseline is, in words
    baseline_s: float
    ratio: float | None
    p50_ms: float | None = None
    p95_ms: float | None = None
    baseline_p50_ms: float | None = None
    baseline_p95_ms: float | None = None
    bytes: int | None = None
    peak_rss_bytes: int | None = None
    baseline_peak_rss_bytes: int | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        return measured(self, always=("ratio",))


@dataclass(frozen=True)
class Counts:
    reports: int
    blocks: int
    chunks: int
    sentences: int
    questions: int

    def to_dict(self) -> dict:
        return measured(self)


@dataclass(frozen=True)
class Pipeline:
    """The pipeline on one report: what it held and each stage's timing, in the order they run."""

    counts: Counts
    stages: dict[str, Stage]

    def to_dict(self) -> dict:
        return measured(self)


@dataclass(frozen=True)
class Latency:
    """p50 and p95 of a call at one corpus size; ratio is p50 over one report's p50."""

    p50_ms: float
    p95_ms: float
    ratio: float

    def to_dict(self) -> dict:
        return measured(self)


@dataclass(frozen=True)
class CorpusRow:
    """Build, search and ask at one corpus size; the largest also updated by one report each way."""

    reports: int
    build_s: float
    search: Latency
    ask: Latency
    build_per_report_s: float
    ratio_build_per_report: float
    build_peak_rss_bytes: int | None = None
    index_bytes: int | None = None
    remove_one_s: float | None = None
    add_one_s: float | None = None
    add_one_peak_rss_bytes: int | None = None

    def to_dict(self) -> dict:
        return measured(self)


@dataclass(frozen=True)
class Gpu:
    """Embedding throughput (texts a second) per batch size on a CUDA device; on the CPU only a note."""

    device: str
    throughput: dict[int, float] = field(default_factory=dict)
    note: str | None = None
    best_batch_size: int | None = None
    default_batch_size: int | None = None

    def to_dict(self) -> dict:
        return measured(self)


@dataclass(frozen=True)
class SearchCost:
    """One way of searching at one size: its build, size and latency, or the build it would have needed."""

    skipped: str | None = None
    projected_build_s: float | None = None
    build_s: float | None = None
    load_s: float | None = None
    bytes: int | None = None
    rss_delta_bytes: int | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    recall: float | None = None  # recall@10 against exact search
    ratio_to_numpy: float | None = None
    ratio_to_embedding: float | None = None

    def to_dict(self) -> dict:
        return measured(self)


@dataclass(frozen=True)
class ScaleRow:
    """Every way of searching (numpy, flat, hnsw, bm25) at one synthetic corpus size, in chunks."""

    size: int
    embed_projected_s: float
    costs: dict[str, SearchCost]

    def to_dict(self) -> dict:
        return {"size": self.size, "embed_projected_s": self.embed_projected_s} | _plain(self.costs)


@dataclass(frozen=True)
class Recommendation:
    """Where to switch to approximate search, and why; size None when nothing was measured."""

    size: int | None
    reason: str
    budget_ms: float | None = None
    recall_target: float | None = None
    crossing: float | None = None

    def to_dict(self) -> dict:
        out = measured(self, always=("size",))
        return {"size": out.pop("size"), **{k: v for k, v in out.items() if k != "reason"}, "reason": self.reason}


@dataclass(frozen=True)
class Hnsw:
    M: int
    ef_construction: int
    ef_search: int

    def to_dict(self) -> dict:
        return measured(self)


@dataclass(frozen=True)
class BenchResult:
    """Everything one bench run measured."""

    machine: Machine
    pipeline: Pipeline
    corpus: list[CorpusRow]
    gpu: Gpu
    scale: list[ScaleRow]
    hnsw: Hnsw
    approx_threshold: int
    recommendation: Recommendation | None
    peak_rss_bytes: dict[str, int]  # "pipeline": after the pipeline, "bench": at the end

    def to_dict(self) -> dict:
        return measured(self, always=("recommendation",))
