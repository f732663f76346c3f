"""The assistant: corpus + index + retrieval + reader behind one object with short verbs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np

from qa_app.answer.reader import FIGURES, HEADLINE_KINDS
from qa_app.answer.spans import answer_type
from qa_app.config import Settings
from qa_app.errors import InvalidQuestion, SettingsError
from qa_app.records import Answer, Block, Hit
from qa_app.search.embedding import Embedder
from qa_app.search.index import IndexData, ensure_index
from qa_app.search.phrasings import report_phrasing
from qa_app.search.questions import clean_question
from qa_app.search.retrieval import Filters, Retriever

MAX_TOP_K = 100
HEADLINE_PASSAGES = 5  # statistic bullets and tables read beside the top passages for a figure


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
        self.reader = _make_reader(settings, data)
        # Each report's blocks in reading order, and where each block sits in its report: the page
        # opens paragraphs in context for every hit, so these look-ups must not scan the whole corpus.
        self._reports: dict[str, list[Block]] = {}
        self._position: dict[str, int] = {}
        for b in data.blocks:
            report = self._reports.setdefault(b.doc_id, [])
            self._position[b.id] = len(report)
            report.append(b)

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
    ) -> Assistant:
        """Load the index (building or rebuilding it when missing, stale, damaged or asked to)."""
        settings = settings or Settings.load()
        paths = {"corpus_dir": corpus_dir, "index_dir": index_dir}
        changes = {k: Path(v) for k, v in paths.items() if v is not None}
        settings = settings.replace(**changes, **{k: v for k, v in overrides.items() if v is not None})
        embedder = Embedder(settings.model, settings.device, settings.embed_batch_size)
        data, status = ensure_index(settings, embedder, progress, rebuild)
        return cls(settings, embedder, data, status)

    def search(self, query: str, top_k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        """Hybrid search; raises InvalidQuestion for empty or over-long queries.

        mode "dense" or "lexical" ranks by one retriever alone, for evaluation side by side.
        """
        query = clean_question(query, self.settings.max_question_chars)
        return self.retriever.search(query, self._vector(query), _top_k(top_k), filters, mode)

    def ask(self, question: str, top_k: int | None = None, filters: Filters | None = None) -> Answer:
        """An extractive answer with citations, or an abstention listing the closest passages.

        It reads the top `top_k` passages (default: the `top_k` setting, QA_TOP_K).
        """
        question = clean_question(question, self.settings.max_question_chars)
        query = report_phrasing(question)  # "kids in care" is asked of the reports as "children looked after"
        vector = self._vector(query)
        hits = self.retriever.search(query, vector, _top_k(self.settings.top_k if top_k is None else top_k), filters)
        if answer_type(query) in FIGURES and not (filters or {}).get("kind"):
            # Headline figures sit in statistic bullets and tables, which rank low among long findings
            # that mention the same words: the best of them are read too.
            figures = self.retriever.search(query, vector, HEADLINE_PASSAGES, {**(filters or {}), "kind": sorted(HEADLINE_KINDS)})
            hits += [h for h in figures if h.block_id not in {x.block_id for x in hits}]
        answer = self.reader.read(query, vector, hits, self._sentences)
        return answer if query == question else dataclasses.replace(answer, question=question)

    def block(self, block_id: str) -> Block:
        try:
            return self.retriever.block(block_id)
        except KeyError:
            raise KeyError(f"No paragraph with id {block_id!r} in the index.") from None

    def context(self, block_id: str, radius: int = 1) -> list[Block]:
        """The block with its neighbours in reading order (same report)."""
        target = self.block(block_id)
        at = self._position[block_id]
        return self._reports[target.doc_id][max(0, at - radius) : at + radius + 1]

    def report_blocks(self, doc_id: str) -> list[Block]:
        """Every block of one report, in reading order; [] for an unknown report."""
        return list(self._reports.get(doc_id, ()))

    def sections(self, doc_id: str | None = None) -> list[str]:
        """Distinct section paths, in reading order, for filter menus."""
        blocks = self.data.blocks if doc_id is None else self._reports.get(doc_id, ())
        return list(dict.fromkeys(b.section_path for b in blocks))

    def documents(self) -> list[tuple[str, str]]:
        """(doc_id, title) of every report."""
        return [(doc_id, blocks[0].doc_title) for doc_id, blocks in self._reports.items()]

    def _vector(self, text: str) -> np.ndarray:
        return self.embedder.encode_query(text)

    def _sentences(self, hit: Hit) -> tuple[list[tuple[int, int]], np.ndarray]:
        spans, rows = self.data.sentence_rows[hit.block_id]
        return spans, self.data.sentence_vectors[rows]


def _top_k(top_k: int) -> int:
    if not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise InvalidQuestion(f"top_k must be a whole number from 1 to {MAX_TOP_K}.")
    return top_k


def _make_reader(settings: Settings, data: IndexData):
    """The sentence reader by default; the transformers span reader when configured with a model."""
    if settings.reader == "transformers":
        from qa_app.answer.neural_reader import TransformersReader

        if not settings.reader_model:
            raise SettingsError("reader='transformers' needs reader_model: the path of a question-answering model.")
        return _NeuralAdapter(TransformersReader(settings.reader_model, device=settings.device))
    if settings.reader != "sentence":
        raise SettingsError(f"Unknown reader {settings.reader!r}; use 'sentence' or 'transformers'.")
    from qa_app.answer.reader import SentenceReader

    return SentenceReader(common_words=data.common_words)


class _NeuralAdapter:
    """Gives the span reader the sentence reader's call shape; of the index it needs only the sentence spans."""

    def __init__(self, reader):
        self.reader = reader

    def read(self, question, question_vector, hits, sentence_data) -> Answer:
        return self.reader.read(question, hits, lambda hit: sentence_data(hit)[0])
