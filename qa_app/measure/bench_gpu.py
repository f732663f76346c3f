"""Embedding throughput per batch size on a CUDA device, to choose the batch size a GPU build uses."""

from __future__ import annotations

import math
from collections.abc import Sequence

from qa_app.measure.bench_results import Gpu
from qa_app.measure.scoring import timed
from qa_app.search.embedding import Embedder

GPU_BATCH_SIZES = (64, 256, 1024)


def gpu_bench(embedder: Embedder, texts: Sequence[str]) -> Gpu:
    """Embedding throughput per batch size on a CUDA device; on the CPU only the device is reported."""
    import torch

    device = embedder.device_name
    if not (torch.cuda.is_available() and device.startswith("cuda")):
        return Gpu(device, note="no CUDA device: embedding ran on the CPU")
    repeated = list(texts) * max(1, math.ceil(4 * max(GPU_BATCH_SIZES) / max(len(texts), 1)))
    throughput: dict[int, float] = {}
    configured = embedder.batch_size
    try:
        for size in GPU_BATCH_SIZES:
            embedder.batch_size = size  # the loaded model: no reload, no re-hashing of the weights
            embedder.encode(repeated[:size])  # warm-up: CUDA kernels and allocator
            _, seconds = timed(embedder.encode, repeated)
            throughput[size] = len(repeated) / seconds
    finally:
        embedder.batch_size = configured
    best = max(throughput, key=lambda size: throughput[size])
    return Gpu(device, throughput, best_batch_size=best, default_batch_size=embedder.default_batch_size())
