"""The embedding model as an ONNX graph run by ONNX Runtime: exported once from the local weights, then loaded.

Chosen by measurement (README, Performance): on this CPU it gives the PyTorch path's vectors (cosine
1.0000) in about a third of the time, and needs neither torch nor sentence-transformers to answer a
question, so a new process starts in a fraction of the time. Exporting needs torch and `onnx`, once.
"""

from __future__ import annotations

import inspect
import json
import os
import threading
import uuid
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa_app.errors import QAError, SettingsError
from qa_app.ingest.checksums import file_sha256

# Part of the file name: a change to the exported graph (wrapper, opset) makes a new file, not a stale one.
EXPORT_VERSION = "1"
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "embedding"
CHECKSUM_SUFFIX = ".sha256"


class ExportUnwritable(QAError):
    """The export is missing and its folder cannot be written (a read-only index, say)."""


def export_file(cache_dir: Path, model_path: str, model_id: str, weights_sha256: str | None) -> Path:
    """Where the export of this model lives: named by model and weights, so other weights get another file."""
    weights = weights_sha256 or _local_weights_sha256(model_path)
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in Path(model_id).name)
    return Path(cache_dir) / f"{name}-{weights[:12]}-v{EXPORT_VERSION}.onnx"


def ensure_export(model_path: str, target: Path, before_export: Callable[[], None]) -> str:
    """The export's SHA-256; exported anew (after `before_export`, the weights check) when it is missing or
    differs from the checksum written beside it."""
    from filelock import FileLock

    sha = _intact_sha256(target)
    if sha is not None:
        return sha
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target.parent / ".export.lock")):
            sha = _intact_sha256(target)  # another process may have exported it while this one waited
            if sha is None:
                before_export()
                sha = _export_atomically(model_path, target)
    except OSError as exc:
        raise ExportUnwritable(
            f"The ONNX embedding model cannot be written to {target.parent} ({exc.strerror or exc}); "
            "make the index folder writable or set QA_EMBEDDING_RUNTIME=torch."
        ) from None
    return sha


def _intact_sha256(target: Path) -> str | None:
    """The file's SHA-256 when it matches the checksum written at export; None when missing or damaged."""
    try:
        recorded = target.with_name(target.name + CHECKSUM_SUFFIX).read_text(encoding="utf-8").strip()
        sha = file_sha256(target)
    except OSError:
        return None
    return sha if sha == recorded else None


def _export_atomically(model_path: str, target: Path) -> str:
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    try:
        export_model(model_path, partial)
        sha = file_sha256(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    checksum = target.with_name(target.name + CHECKSUM_SUFFIX)
    partial_checksum = checksum.with_name(f".{checksum.name}.{uuid.uuid4().hex[:8]}")
    partial_checksum.write_text(sha + "\n", encoding="utf-8")
    os.replace(partial_checksum, checksum)
    return sha


def export_model(model_path: str, target: Path) -> None:
    """Trace the transformer with mean pooling and L2 normalisation into one ONNX graph.

    Eager attention traces to plain MatMul and Softmax; SDPA's shape checks would be frozen at the
    example's size. The model is called with keyword arguments, as the exporter needs for BERT.
    """
    import torch
    from transformers import AutoModel

    check_exportable(model_path)
    transformer = AutoModel.from_pretrained(model_path, attn_implementation="eager").eval()
    wrapper = _mean_pooled(transformer)
    # BERT reads token types; MPNet, say, has none. The session's inputs tell the encoder what to feed.
    inputs = [name for name in INPUTS if name in inspect.signature(transformer.forward).parameters]
    example = torch.ones((2, 8), dtype=torch.long)
    examples = {"input_ids": example, "attention_mask": example, "token_type_ids": torch.zeros_like(example)}
    axes = {name: {0: "batch", 1: "tokens"} for name in inputs} | {OUTPUT: {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer notes about Python-side shape checks; the graph is checked in tests
        torch.onnx.export(
            wrapper,
            (),
            str(target),
            kwargs={name: examples[name] for name in inputs},
            input_names=inputs,
            output_names=[OUTPUT],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,  # the dynamo exporter needs onnxscript; the TorchScript one needs only onnx
        )


def _mean_pooled(transformer):
    """The transformer followed by sentence-transformers' Pooling(mean) and Normalize, so the graph ends in vectors."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self, transformer: torch.nn.Module):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            types = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            tokens = self.transformer(input_ids=input_ids, attention_mask=attention_mask, **types).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return MeanPooled(transformer).eval()


def check_exportable(model_path: str) -> None:
    """Refuse models whose sentence-transformers modules the export does not reproduce (only mean pooling is)."""
    folder = Path(model_path)
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        raise SettingsError(
            f"The ONNX runtime needs a local sentence-transformers model folder, and {model_path} is not one; "
            "set QA_EMBEDDING_RUNTIME=torch."
        )
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    kinds = {m["type"].rsplit(".", 1)[-1]: m.get("path", "") for m in modules}
    pooling_file = folder / kinds.get("Pooling", "") / "config.json"
    pooling = json.loads(pooling_file.read_text(encoding="utf-8")) if "Pooling" in kinds else {}
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if set(kinds) - {"Transformer", "Pooling", "Normalize"} or modes != ["pooling_mode_mean_tokens"]:
        raise SettingsError(
            f"The ONNX runtime reproduces mean-pooled models only, and {model_path} has modules {sorted(kinds)} "
            f"with pooling {modes}; set QA_EMBEDDING_RUNTIME=torch."
        )


def _local_weights_sha256(model_path: str) -> str:
    weights = Path(model_path) / "model.safetensors"
    if not weights.is_file():
        raise SettingsError(
            f"The ONNX runtime needs the model's weights at {weights}; set QA_EMBEDDING_RUNTIME=torch for hub models."
        )
    return file_sha256(weights)


class OnnxEncoder:
    """Tokenizer and ONNX Runtime sessions of one exported model, behind the `Encoder` protocol.

    A single text (a question) runs on one thread: waking a second costs more than it saves on so little
    work, most of all on a busy machine. Batches (an index build) get a session with every core, made
    on first use, so a process that only answers questions holds one copy of the model.
    """

    device_name = "cpu"

    def __init__(self, model_file: Path, model_path: str, runtime_sha256: str | None = None):
        from tokenizers import Tokenizer

        self.model_file = model_file
        self.runtime_sha256 = runtime_sha256  # the export's, as `ensure_export` checked it
        self.single = _session(model_file, threads=1)
        self._batch = None
        self._lock = threading.Lock()
        self.inputs = [i.name for i in self.single.get_inputs()]
        self.dimension = int(self.single.get_outputs()[0].shape[-1])
        self.max_tokens = _max_seq_length(Path(model_path)) - 2
        self.tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    @property
    def batch(self):
        with self._lock:
            if self._batch is None:
                self._batch = _session(self.model_file, threads=0)
            return self._batch

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return list(self.tokenizer.encode(text, add_special_tokens=False).offsets)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        return [min(len(e.ids), self.max_tokens + 2) for e in self.tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised vectors of one batch, padded to its longest text and cut at the model's length, as
        sentence-transformers does."""
        encodings = self.tokenizer.encode_batch(list(texts))
        limit = self.max_tokens + 2
        width = max(min(len(e.ids), limit) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            kept = _truncate(e.ids, limit)
            ids[row, : len(kept)] = kept
            mask[row, : len(kept)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        session = self.single if len(encodings) == 1 else self.batch
        (vectors,) = session.run([OUTPUT], {name: feeds[name] for name in self.inputs})
        return vectors.astype(np.float32, copy=False)


def _session(model_file: Path, threads: int):
    """An ONNX Runtime session on `threads` threads (0: one per core) that sleep, not spin, when idle.

    Spinning threads took the cores from other work and halved throughput on a shared 2-core machine
    (README, Performance); sleeping ones cost little when the machine is idle.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # warnings about unused initialisers are noise to a user
    return onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])


def _truncate(ids: Sequence[int], limit: int) -> list[int]:
    """Cut to `limit` pieces keeping the final [SEP], as the tokenizer's own truncation does."""
    return list(ids) if len(ids) <= limit else [*ids[: limit - 1], ids[-1]]


def _max_seq_length(folder: Path) -> int:
    """sentence-transformers' max_seq_length for the folder, as SentenceTransformer reads it."""
    try:
        return int(json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"])
    except (OSError, KeyError, ValueError):
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        return min(int(config.get("model_max_length", 512)), 512)
