"""The `Encoder` seam: what the index and the question path need of a loaded embedding model.

`TorchEncoder` (sentence-transformers) and `onnx_runtime.OnnxEncoder` implement it; `embedding.ENCODERS`
picks one by `Settings.embedding_runtime`, so another runtime or model family is one more entry there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """One loaded embedding model: encodes one batch of texts to L2-normalised float32 rows."""

    dimension: int
    max_tokens: int  # word pieces of text read, [CLS] and [SEP] left out; more is cut off
    device_name: str
    runtime_sha256: str | None  # SHA-256 of an exported graph, which may compute other vectors; else None

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character offsets of the model's word pieces, for chunking by the model's own measure."""
        ...

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Each text's length as the model reads it (word pieces, or characters as a cheap stand-in), so
        texts of similar length are batched together and little padding is computed."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One batch of texts as normalised float32 rows."""
        ...
