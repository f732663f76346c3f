"""Bulk embedding on a GPU: texts prepared on the CPU machine, vectors carried back as .npy.

    python scripts/gpu_embed.py prepare --corpus corpus texts.jsonl     # here: what an index build embeds
    python scripts/gpu_embed.py embed texts.jsonl vectors.npy            # there: PyTorch fp16 on CUDA

`embed` prints the GPU time and texts a second, and the speed-up over PyTorch fp32 on the CPU measured
on a sample in the same run. Vectors are float32 rows in the order of the JSONL lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from qa_app.config import Settings  # noqa: E402
from qa_app.search.embedding import Embedder  # noqa: E402

CPU_SAMPLE = 2000  # texts embedded on the CPU for the baseline; enough for a stable rate


def prepare(corpus_dir: Path, out: Path) -> int:
    """Write every window and sentence text of the corpus as the index build embeds them (`segment_texts`:
    each report's own acronyms spelled out), report by report."""
    from qa_app.ingest.corpus import load_corpus
    from qa_app.search.segment_texts import segment_texts

    settings = Settings.load(corpus_dir=corpus_dir)
    embedder = Embedder.from_settings(settings)
    written = 0
    with open(out, "w", encoding="utf-8") as handle:
        for report in load_corpus(corpus_dir):
            texts = segment_texts(report, settings, embedder)
            for text in (*texts.chunk_texts, *texts.sentence_texts):
                handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
                written += 1
    return written


def embed(texts_file: Path, out: Path, device: str, batch_size: int) -> dict:
    """Embed the JSONL's texts on `device` (fp16, length-sorted batches) and time a CPU fp32 baseline sample."""
    import numpy as np
    import torch

    texts = [json.loads(line)["text"] for line in texts_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    gpu = Embedder(device=device, batch_size=batch_size, runtime="torch")
    gpu.encode(texts[: gpu.default_batch_size()])  # warm-up: CUDA kernels and the allocator
    torch.cuda.synchronize()
    started = time.perf_counter()
    vectors = gpu.encode(texts)
    torch.cuda.synchronize()
    gpu_s = time.perf_counter() - started
    np.save(out, vectors)

    cpu = Embedder(device="cpu", runtime="torch")
    sample = texts[:CPU_SAMPLE]
    cpu.encode(sample[:32])
    started = time.perf_counter()
    reference = cpu.encode(sample)
    cpu_rate = len(sample) / (time.perf_counter() - started)
    gpu_rate = len(texts) / gpu_s
    return {
        "texts": len(texts),
        "device": torch.cuda.get_device_name(0),
        "batch_size": gpu.default_batch_size(),
        "gpu_s": round(gpu_s, 2),
        "gpu_texts_per_s": round(gpu_rate),
        "cpu_fp32_texts_per_s": round(cpu_rate),
        "speed_up": round(gpu_rate / cpu_rate, 1),
        "cosine_to_cpu_min": float(np.min(np.sum(vectors[: len(sample)] * reference, axis=1))),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare", help="write the corpus's texts to embed as JSONL")
    prep.add_argument("--corpus", type=Path, default=Path("corpus"))
    prep.add_argument("out", type=Path)
    run = commands.add_parser("embed", help="embed a JSONL of texts on the GPU into .npy")
    run.add_argument("texts", type=Path)
    run.add_argument("out", type=Path)
    run.add_argument("--device", default="cuda")
    run.add_argument("--batch-size", type=int, default=0, help="0: the app's CUDA default")
    args = parser.parse_args()
    if args.command == "prepare":
        print(f"{prepare(args.corpus, args.out)} texts written to {args.out}")
    else:
        print(json.dumps(embed(args.texts, args.out, args.device, args.batch_size), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
