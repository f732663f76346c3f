"""The assistant: corpus + index + retrieval + reader behind one object with short verbs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa_app.answer.reader import FIGURES, HEADLINE_KINDS
from qa_app.answer.spans import answer_type
from qa_app.config import Settings
from qa_app.errors import InvalidQuestion, SettingsError
from qa_app.ingest.uploads import UploadOutcome, remove_report, store_uploads
from qa_app.records import Answer, Block, Hit, Opening, Report, ReportSummary, Scope
from qa_app.search.embedding import Embedder
from qa_app.search.index import IndexData, ensure_index
from qa_app.search.paragraphs import paragraph_request
from qa_app.search.phrasings import report_phrasing
from qa_app.search.questions import clean_question
from qa_app.search.reports import matching_reports, split_filters, summary
from qa_app.search.retrieval import Filters, Retriever
from qa_app.search.scope import place_of, report_label, resolve_scope
from qa_app.search.words import content_stems, stem, words

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
        self._facts: dict[str, Report] = {r.doc_id: r for r in data.reports}
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
        embedder = Embedder.from_settings(settings)
        data, status = ensure_index(settings, embedder, progress, rebuild)
        return cls(settings, embedder, data, status)

    def reloaded(self, progress: Callable[[str, float], None] | None = None) -> Assistant:
        """A new assistant over the corpus folder as it is now, sharing this one's model: only a report
        added or changed since is embedded (the others come from their segments). A person who added or
        removed a report asked for it, so the index is brought up to date even when auto_rebuild is off."""
        data, status = ensure_index(self.settings.replace(auto_rebuild=True), self.embedder, progress)
        return type(self)(self.settings, self.embedder, data, status)

    def search(self, query: str, top_k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        """Hybrid search, scoped to the reports the query names or the filters select; across many reports
        at most `hits_per_report` passages of each. Raises InvalidQuestion for empty or over-long queries.

        mode "dense" or "lexical" ranks by one retriever alone, for evaluation side by side.
        """
        query = clean_question(query, self.settings.max_question_chars)
        scope, filters = self.scope(query, filters)
        if scope is not None and not scope.doc_ids:
            return []
        per_report = self.settings.hits_per_report if _reports_in(scope, self._facts) > 1 else None
        query = (scope.query if scope else "") or query
        hits = self.retriever.search(query, self._vector(query), _top_k(top_k), filters, mode, per_report)
        return self._labelled(hits)

    def ask(self, question: str, top_k: int | None = None, filters: Filters | None = None) -> Answer:
        """An extractive answer with citations, or an abstention listing the closest passages.

        It reads the top `top_k` passages (default: the `top_k` setting, QA_TOP_K) of the reports the
        question names or the filters select; when neither narrows it to one report, of the best-supported one.
        """
        question = clean_question(question, self.settings.max_question_chars)
        k = _top_k(self.settings.top_k if top_k is None else top_k)
        scope, filters = self.scope(question, filters)
        if scope is not None and not scope.doc_ids:
            return Answer(question, None, None, 0.0, False, _nothing_loaded(scope), scope=scope)
        # "kids in care" is asked of the reports as "children looked after", without the words that chose them.
        asked = report_phrasing((scope.query if scope else "") or question)
        vector = self._vector(asked)
        if _reports_in(scope, self._facts) > 1:
            scope, filters = self._best_report(asked, vector, filters, scope)
        hits = self.retriever.search(asked, vector, k, filters)
        if answer_type(asked) in FIGURES and not filters.get("kind"):
            # Headline figures sit in statistic bullets and tables, which rank low among long findings
            # that mention the same words: the best of them are read too.
            figures = self.retriever.search(asked, vector, HEADLINE_PASSAGES, {**filters, "kind": sorted(HEADLINE_KINDS)})
            hits += [h for h in figures if h.block_id not in {x.block_id for x in hits}]
        answer = self.reader.read(asked, vector, self._labelled(hits), self._sentences)
        return replace(answer, question=question, scope=scope)

    def compare(self, topic: str, top_k: int = 20, filters: Filters | None = None) -> list[Hit]:
        """The best passage of each report on a topic ("IRO caseloads"), best first."""
        topic = clean_question(topic, self.settings.max_question_chars)
        scope, filters = self.scope(topic, filters)
        if scope is not None and not scope.doc_ids:
            return []
        topic = (scope.query if scope else "") or topic
        return self._labelled(self.retriever.search(topic, self._vector(topic), _top_k(top_k), filters, per_report=1))

    def scope(self, question: str, filters: Filters | None = None) -> tuple[Scope | None, dict[str, object]]:
        """The reports a question is about and the paragraph filters that select them.

        Filters the caller sets win over places the question names; None means every report.
        """
        report_filters, filters = split_filters(filters)
        if report_filters or filters.get("doc_id"):
            chosen = matching_reports(list(self._facts.values()), report_filters)
            wanted = filters.get("doc_id")
            if wanted:
                names = {wanted} if isinstance(wanted, str) else set(wanted)  # type: ignore[arg-type]
                chosen = [r for r in chosen if r.doc_id in names]
            label = "; ".join(self._label(r) for r in chosen[:3]) + (f" and {len(chosen) - 3} more" if len(chosen) > 3 else "")
            scope = Scope(tuple(r.doc_id for r in chosen), label or "no report matches the filters", source="filters")
        else:
            scope = resolve_scope(question, list(self._facts.values()))
        if scope is not None:
            filters = {**filters, "doc_id": list(scope.doc_ids)}
        return scope, filters

    def reports(self, filters: Filters | None = None) -> list[ReportSummary]:
        """Every report (or those the report-level filters select) with its facts and judgements."""
        report_filters, _ = split_filters(filters)
        return [summary(r) for r in matching_reports(list(self._facts.values()), report_filters)]

    def _best_report(self, question: str, vector: np.ndarray, filters: dict, scope: Scope | None) -> tuple[Scope, dict]:
        """Narrow a question over many reports to the one whose passages support it best: the sum of
        its three best passage scores among the top 30, so one lucky sentence does not pick the report."""
        hits = self.retriever.search(question, vector, 30, filters)
        support: dict[str, list[float]] = {}
        for hit in hits:
            support.setdefault(hit.doc_id, []).append(hit.score)
        ranked = sorted(support, key=lambda d: -sum(sorted(support[d], reverse=True)[:3]))
        if not ranked:
            return scope or Scope((), "no report"), filters
        best = ranked[0]
        chosen = Scope((best,), self._label(self._facts[best]), others=tuple(ranked[1:4]), source="best match")
        return chosen, {**filters, "doc_id": [best]}

    def _label(self, report: Report) -> str:
        return report_label(report, place_of(report).name)

    def _labelled(self, hits: list[Hit]) -> list[Hit]:
        """Hits carrying their report's authority and date, so a list across reports says where each is from."""
        out = []
        for hit in hits:
            facts = self._facts.get(hit.doc_id)
            out.append(replace(hit, authority=facts.authority, published=facts.published) if facts else hit)
        return out

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

    @property
    def skipped(self) -> dict[str, str]:
        """The corpus's files left out of the index, each with why (unreadable, not a report, ...)."""
        return self.data.manifest.skipped

    def report(self, doc_id: str) -> Report:
        """One report with its facts and every block, for reading it whole."""
        try:
            return self._facts[doc_id]
        except KeyError:
            raise KeyError(f"No report {doc_id!r} is loaded.") from None

    def open_paragraph(self, text: str, filters: Filters | None = None, reading: str | None = None) -> Opening | None:
        """The paragraph that "¶65", "para 65" or "paragraph 65 of the Norfolk report" asks for; None when the
        text is a question, not such a request.

        The report is the one the text names, else the filters' report, else the one being `reading`,
        else the only one loaded; with none of these the Opening says which words would choose one.
        """
        request = paragraph_request(text)
        if request is None:
            return None
        n = request.number
        doc_id = self._report_for_opening(request.report, filters, reading)
        if doc_id is None or doc_id not in self._facts:
            if request.report:
                scope = resolve_scope(request.report, list(self._facts.values()))
                missing = " or ".join(scope.missing) if scope and scope.missing else request.report
                return Opening(n, None, "", message=f"No report for {missing} is loaded, so ¶{n} cannot be opened.")
            example = self._label(max(self._facts.values(), key=lambda r: r.published or ""))
            return Opening(n, None, "", message=f"Say which report to open ¶{n} in, for example: ¶{n} of {example}.")
        label = self._label(self._facts[doc_id])
        numbered = [b.number for b in self._reports.get(doc_id, ()) if b.number is not None]
        block = next((b for b in self._reports.get(doc_id, ()) if b.number == n), None)
        if block is None:
            span = f"its paragraphs run from ¶{min(numbered)} to ¶{max(numbered)}" if numbered else "its paragraphs are not numbered"
            return Opening(n, doc_id, label, message=f"{label} has no ¶{n}; {span}.")
        return Opening(n, doc_id, label, block)

    def _report_for_opening(self, naming: str, filters: Filters | None, reading: str | None) -> str | None:
        if naming:
            scope = resolve_scope(naming, list(self._facts.values()))
            return scope.doc_ids[0] if scope and scope.doc_ids else None
        wanted = (filters or {}).get("doc_id")
        if isinstance(wanted, str) and wanted:
            return wanted
        if reading:
            return reading
        return next(iter(self._facts)) if len(self._facts) == 1 else None

    def documents(self) -> list[tuple[str, str]]:
        """(doc_id, title) of every report."""
        return [(doc_id, blocks[0].doc_title) for doc_id, blocks in self._reports.items()]

    def _vector(self, text: str) -> np.ndarray:
        return self.embedder.encode_query(text)

    def _sentences(self, hit: Hit) -> tuple[list[tuple[int, int]], np.ndarray]:
        spans, rows = self.data.sentence_rows[hit.block_id]
        return spans, self.data.sentence_vectors[rows]

    def add_reports(self, files: Sequence[tuple[str, bytes]]) -> list[UploadOutcome]:
        """Check each (filename, bytes) and write the good ones into the corpus folder, each on its own, so
        one bad file does not stop the others. The index notices them on `reloaded`."""
        return store_uploads(files, self.settings)

    def remove_report(self, doc_id: str) -> Path:
        """Move one report out of the corpus folder (under the index folder's removed/, never deleted) and
        return where it went; the index drops it on `reloaded`."""
        return remove_report(self.settings.corpus_dir, self.settings.index_dir, doc_id)


def matching_words(text: str, query: str) -> list[tuple[int, int]]:
    """Where the words of `text` that are among the query's content words (by stem) are, half-open spans."""
    wanted = set(content_stems(query))
    return [(m.start(), m.end()) for m in words(text) if stem(m.group()) in wanted]


def _reports_in(scope: Scope | None, facts: dict[str, Report]) -> int:
    return len(facts) if scope is None else len(scope.doc_ids)


def _nothing_loaded(scope: Scope) -> str:
    if scope.missing:
        return f"No report for {' or '.join(scope.missing)} is loaded; add it, or ask about a report in the list."
    return "No loaded report matches the filters; widen them, or ask about a report in the list."


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
