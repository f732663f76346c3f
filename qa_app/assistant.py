"""The assistant: corpus + index + retrieval + reader behind one object with short verbs."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from .config import Settings
from .corpus import Block
from .embedding import Embedder
from .errors import InvalidQuestion
from .hits import Answer, Hit
from .index import IndexData, ensure_index
from .questions import clean_question
from .retrieval import Retriever

# filters: {"doc_id": str | list[str], "section": str (prefix of section_path),
#           "kind": str | list[str], "paragraph": int, "paragraph_range": [lo, hi] (inclusive)}
Filters = Mapping[str, object]
MAX_TOP_K = 100


class Assistant:
    """Search and ask over a folder of reports; every method is safe to call from many threads."""

    def __init__(self, settings: Settings, embedder: Embedder, data: IndexData, status: str):
        self.settings = settings
        self.embedder = embedder
        self.data = data
        self.status = status
        self.retriever = Retriever(
            data.blocks,
            data.chunks,
            data.dense,
            data.sentences,
            data.sentence_block_ids(),
            data.lexical,
            settings.dense_weight,
        )
        self.reader = _make_reader(settings)

    @classmethod
    def load(
        cls,
        settings: Settings | None = None,
        *,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        progress: Callable[[str, float], None] | None = None,
        rebuild: bool = False,
        **overrides: object,
    ) -> "Assistant":
        """Load the index (building or rebuilding it when missing, stale, damaged or asked to)."""
        settings = settings or Settings.load()
        paths = {"corpus_dir": corpus_dir, "index_dir": index_dir}
        changes = {k: Path(v) for k, v in paths.items() if v is not None}
        settings = settings.replace(**changes, **{k: v for k, v in overrides.items() if v is not None})
        embedder = Embedder(settings.model, settings.device, settings.embed_batch_size)
        data, status = ensure_index(settings, embedder, progress, rebuild)
        return cls(settings, embedder, data, status)

    def search(self, query: str, top_k: int = 10, filters: Filters | None = None) -> list[Hit]:
        """Hybrid search; raises InvalidQuestion for empty or over-long queries."""
        query = clean_question(query, self.settings.max_question_chars)
        return self.retriever.search(query, self._vector(query), _top_k(top_k), filters)

    def search_mode(self, query: str, top_k: int = 10, mode: str = "hybrid") -> list[Hit]:
        """Search ranked by one retriever ("dense", "lexical") or both ("hybrid"), for evaluation."""
        query = clean_question(query, self.settings.max_question_chars)
        return self.retriever.search(query, self._vector(query), _top_k(top_k), None, mode)

    def ask(self, question: str, top_k: int = 5, filters: Filters | None = None) -> Answer:
        """An extractive answer with citations, or an abstention listing the closest passages."""
        question = clean_question(question, self.settings.max_question_chars)
        vector = self._vector(question)
        hits = self.retriever.search(question, vector, _top_k(top_k), filters)
        return self.reader.read(question, vector, hits, self._sentences)

    def block(self, block_id: str) -> Block:
        try:
            return self.retriever.block(block_id)
        except KeyError:
            raise KeyError(f"No paragraph with id {block_id!r} in the index.") from None

    def context(self, block_id: str, radius: int = 1) -> list[Block]:
        """The block with its neighbours in reading order (same report)."""
        target = self.block(block_id)
        blocks = [b for b in self.data.blocks if b.doc_id == target.doc_id]
        at = next(i for i, b in enumerate(blocks) if b.id == block_id)
        return blocks[max(0, at - radius) : at + radius + 1]

    def sections(self, doc_id: str | None = None) -> list[str]:
        """Distinct section paths, in reading order, for filter menus."""
        seen: dict[str, None] = {}
        for b in self.data.blocks:
            if doc_id is None or b.doc_id == doc_id:
                seen.setdefault(b.section_path, None)
        return list(seen)

    def documents(self) -> list[tuple[str, str]]:
        """(doc_id, title) of every report."""
        seen: dict[str, str] = {}
        for b in self.data.blocks:
            seen.setdefault(b.doc_id, b.doc_title)
        return list(seen.items())

    def _vector(self, text: str) -> np.ndarray:
        return self.embedder.encode_query(text)

    def _sentences(self, hit: Hit) -> tuple[list[tuple[int, int]], np.ndarray]:
        spans, rows = self.data.sentence_rows[hit.block_id]
        return spans, self.data.sentence_vectors[rows]


def _top_k(top_k: int) -> int:
    if not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise InvalidQuestion(f"top_k must be a whole number from 1 to {MAX_TOP_K}.")
    return top_k


def _make_reader(settings: Settings):
    """The sentence reader by default; the transformers span reader when configured with a model."""
    if settings.reader == "transformers":
        from .neural_reader import TransformersReader

        if not settings.reader_model:
            raise ValueError("reader='transformers' needs reader_model: the path of a question-answering model.")
        return _NeuralAdapter(TransformersReader(settings.reader_model, device=settings.device))
    if settings.reader != "sentence":
        raise ValueError(f"Unknown reader {settings.reader!r}; use 'sentence' or 'transformers'.")
    from .reader import SentenceReader

    return SentenceReader()


class _NeuralAdapter:
    """Gives the span reader the sentence reader's call shape; it needs no embeddings."""

    def __init__(self, reader):
        self.reader = reader

    def read(self, question, question_vector, hits, sentence_data) -> Answer:
        return self.reader.read(question, hits)
