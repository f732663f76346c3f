"""The trained span model at question time: ONNX Runtime and a Rust tokenizer, no torch.

A question and each passage become overlapping windows of at most `max_length` tokens (only the passage
is cut), and the graph gives every token a start and an end logit. The folder holds model.onnx, its
SHA-256 in model.onnx.sha256 (checked at load: a swapped or damaged file is refused), and tokenizer.json.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from qa_app.errors import QAError
from qa_app.ingest.checksums import file_sha256

MODEL_FILE = "model.onnx"
CHECKSUM_FILE = MODEL_FILE + ".sha256"
# The reader the project ships (README, Quality): trained by `qa-app models train-reader`, card beside it.
SHIPPED = Path(__file__).resolve().parent / "reader_model"


@dataclass(frozen=True)
class Windows:
    """Token windows of (question, passage) pairs, padded to one width."""

    ids: np.ndarray  # [windows, tokens] int64
    mask: np.ndarray
    types: np.ndarray
    context: np.ndarray  # True where a token belongs to the passage
    offsets: tuple[tuple[tuple[int, int], ...], ...]  # each token's [start, end) in its passage
    owner: tuple[int, ...]  # which passage each window comes from


class SpanModel(Protocol):
    """What the span reader needs of a model: windows of text, and start/end logits for them."""

    def windows(self, question: str, passages: Sequence[str]) -> Windows: ...

    def logits(self, windows: Windows) -> tuple[np.ndarray, np.ndarray]: ...


def write_checksum(folder: Path) -> str:
    sha = file_sha256(folder / MODEL_FILE)
    (folder / CHECKSUM_FILE).write_text(sha + "\n", encoding="utf-8")
    return sha


class OnnxSpanModel:
    """Loads on first use; one ONNX session shared by every thread (onnxruntime's run is thread-safe)."""

    def __init__(self, folder: Path = SHIPPED, max_length: int = 256, stride: int = 96, batch_size: int = 16, threads: int = 0):
        self.folder = Path(folder)
        self.max_length = max_length
        self.stride = stride  # tokens shared by consecutive windows of one passage
        self.batch_size = batch_size
        self.threads = threads  # 0: onnxruntime's choice
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._session is None:
                model = self.folder / MODEL_FILE
                checksum = self.folder / CHECKSUM_FILE
                if not model.exists() or not checksum.exists():
                    raise QAError(
                        f"No trained reader in {self.folder}; run qa-app models train-reader, or set QA_READER=sentence."
                    )
                expected = checksum.read_text(encoding="utf-8").strip()
                if file_sha256(model) != expected:
                    raise QAError(
                        f"{model} does not match its checksum; restore it (git checkout) or retrain, or set QA_READER=sentence."
                    )
                import onnxruntime as ort
                from tokenizers import Tokenizer

                options = ort.SessionOptions()
                options.intra_op_num_threads = self.threads
                tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
                tokenizer.no_padding()
                tokenizer.enable_truncation(self.max_length, stride=self.stride, strategy="only_second")
                self._tokenizer = tokenizer
                self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
            return self._tokenizer, self._session

    def windows(self, question: str, passages: Sequence[str]) -> Windows:
        tokenizer, _ = self._load()
        rows, owners = [], []
        for i, encoding in enumerate(tokenizer.encode_batch([(question, p) for p in passages])):
            for window in (encoding, *encoding.overflowing):
                rows.append(window)
                owners.append(i)
        width = max((len(w.ids) for w in rows), default=0)

        def padded(values) -> np.ndarray:
            return np.array([list(v) + [0] * (width - len(v)) for v in values], dtype=np.int64).reshape(len(rows), width)

        return Windows(
            ids=padded(w.ids for w in rows),
            mask=padded(w.attention_mask for w in rows),
            types=padded(w.type_ids for w in rows),
            context=padded([int(s == 1) for s in w.sequence_ids] for w in rows).astype(bool),
            offsets=tuple(tuple(tuple(o) for o in w.offsets) for w in rows),
            owner=tuple(owners),
        )

    def logits(self, windows: Windows) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits for every token (-inf on padding). Windows run in groups of similar length,
        each cut to its own longest: a batch padded to the longest window of an ask spent half its time on
        padding (eval/gold.jsonl: 666 real tokens of 1,247 per ask)."""
        _, session = self._load()
        starts = np.full(windows.ids.shape, -np.inf, np.float32)
        ends = np.full(windows.ids.shape, -np.inf, np.float32)
        lengths = windows.mask.sum(axis=1)
        for group in length_groups(lengths, self.batch_size):
            width = int(lengths[group].max())
            feed = {
                "input_ids": windows.ids[group, :width],
                "attention_mask": windows.mask[group, :width],
                "token_type_ids": windows.types[group, :width],
            }
            start, end = session.run(["start_logits", "end_logits"], feed)
            starts[group, :width] = start
            ends[group, :width] = end
        return starts, ends


def length_groups(lengths: np.ndarray, batch_size: int, tolerance: float = 1.3) -> list[np.ndarray]:
    """Row indices in batches of at most `batch_size` whose longest is within `tolerance` of their shortest."""
    groups: list[list[int]] = []
    for row in np.argsort(lengths, kind="stable"):
        last = groups[-1] if groups else None
        if last is None or len(last) == batch_size or lengths[row] > tolerance * lengths[last[0]]:
            groups.append([int(row)])
        else:
            last.append(int(row))
    return [np.array(g) for g in groups]
