"""The embedding model run by PyTorch through sentence-transformers: the runtime for CUDA, and the
fallback where an ONNX export cannot be written. Imported only when chosen, as torch is slow to load."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class TorchEncoder:
    """A SentenceTransformer behind the `Encoder` protocol; fp16 on a GPU, where it uses the tensor cores."""

    runtime_sha256 = None  # the weights themselves run, so the weights' checksum says it all

    def __init__(self, model_path: str, device: str | None = None):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path, device=device)
        if str(self.model.device).startswith("cuda"):
            self.model.half()  # scripts/gpu_embed.py reports the cosine to CPU fp32
        self.dimension = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length) - 2
        self.device_name = str(self.model.device)

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        encoded = self.model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return [tuple(span) for span in encoded["offset_mapping"]]

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        # Characters stand in for word pieces: sentence-transformers sorts its batches the same way.
        return [len(t) for t in texts]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return vectors.astype(np.float32, copy=False)
