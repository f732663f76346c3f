"""The assistant: parse → retrieve → read, over a corpus and its index, behind one object with short verbs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from qa_app.answer.registry import make_reader
from qa_app.config import Settings
from qa_app.errors import InvalidQuestion, ReportError
from qa_app.ingest.corpus import report_paths
from qa_app.ingest.uploads import UploadOutcome, remove_report, store_uploads
from qa_app.query.filters import Filters
from qa_app.query.paragraphs import paragraph_reference, paragraph_request
from qa_app.query.parse import Query, label_of, parse_query
from qa_app.query.report_filters import matching_reports, summary
from qa_app.query.scope import place_name, resolve_scope
from qa_app.records import Answer, Block, Hit, Opening, Report, ReportSummary, Scope
from qa_app.search.embedding import Embedder
from qa_app.search.retrieval import Retriever
from qa_app.search.store.base import Opened, SharedStore, Store
from qa_app.search.store.factory import open_store
from qa_app.search.store.postgres.open import segments_from_files
from qa_app.search.words import content_stems, stem, words

MAX_TOP_K = 100
FilterMapping = Mapping[str, object] | Filters  # what callers pass: {"section": ...} or checked Filters


class Assistant:
    """Search and ask over a folder of reports; every method is safe to call from many threads."""

    def __init__(self, settings: Settings, embedder: Embedder, store: Store, opened: Opened | str):
        self.settings = settings
        self.embedder = embedder
        self.store = store
        # What opening the store did; a plain line (a benchmark, a test) is an opening with nothing to note.
        self.opened = opened if isinstance(opened, Opened) else Opened(opened)
        self.status = self.opened.line
        self.retriever = Retriever(store, embedder.encode_query, settings.dense_weight)
        self.reader = make_reader(settings, store)
        self._facts: dict[str, Report] = {r.doc_id: r for r in store.reports}
        # Each report's blocks in reading order, and where each block sits in its report: the page
        # opens paragraphs in context for every hit, so these look-ups must not scan the whole corpus.
        self._reports: dict[str, list[Block]] = {}
        self._position: dict[str, int] = {}
        for b in store.blocks:
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
        store, opened = open_store(settings, embedder, progress, rebuild)
        return cls(settings, embedder, store, opened)

    @property
    def outdated(self) -> bool:
        """Whether another process changed the shared store's corpus since this assistant's snapshot."""
        return isinstance(self.store, SharedStore) and self.store.current_version() != self.store.version

    @property
    def shared(self) -> bool:
        """Whether the store is shared with other processes (a database): its changes are polled and followed."""
        return isinstance(self.store, SharedStore)

    def collection(self, user: str) -> list[dict]:
        """A signed-in person's saved evidence collection (items as dicts); [] when the store keeps none."""
        return self.store.collection(user) if isinstance(self.store, SharedStore) else []

    def keep_collection(self, user: str, items: list[dict]) -> None:
        """Save a signed-in person's collection, when the store keeps collections (a database)."""
        if isinstance(self.store, SharedStore):
            self.store.keep_collection(user, items)

    def reloaded(self, progress: Callable[[str, float], None] | None = None) -> Assistant:
        """A new assistant over the corpus folder as it is now, sharing this one's model: only a report
        added or changed since is embedded (the others come from their segments). A person who added or
        removed a report asked for it, so the index is brought up to date even when auto_rebuild is off.
        When the update fails, IndexUnavailable says why and this assistant goes on answering."""
        if isinstance(self.store, SharedStore):  # changed report by report already: read as it is now
            store = self.store.reopened()
            return type(self)(self.settings, self.embedder, store, f"Reloaded {len(store.reports)} reports from the database.")
        settings = self.settings.replace(auto_rebuild=True)
        store, opened = open_store(settings, self.embedder, progress, serve_previous=False)
        return type(self)(self.settings, self.embedder, store, opened)

    def parse(self, text: object, filters: FilterMapping | None = None) -> Query:
        """The question understood: cleaned, scoped and phrased as the reports write (`query.parse`)."""
        return parse_query(text, filters, self.store.reports, self.settings.max_question_chars)

    def search(self, query: str, top_k: int = 10, filters: FilterMapping | None = None, mode: str = "hybrid") -> list[Hit]:
        """Hybrid search, scoped to the reports the query names or the filters select; when paragraphs of
        more than one report pass the filters, at most `hits_per_report` passages of each. Raises
        InvalidQuestion for empty or over-long queries.

        mode "dense" or "lexical" ranks by one retriever alone, for evaluation side by side.
        """
        parsed = self.parse(query, filters)
        if parsed.reaches_no_report:
            return []
        many = parsed.many_reports and self.retriever.reaches_many(parsed.filters)
        per_report = self.settings.hits_per_report if many else None
        return self.retriever.search(parsed.text, _top_k(top_k), parsed.filters, mode, per_report)

    def ask(self, question: str, top_k: int | None = None, filters: FilterMapping | None = None) -> Answer:
        """An extractive answer with citations, or an abstention listing the closest passages.

        It reads the top `top_k` passages (default: the `top_k` setting, QA_TOP_K) of the reports the
        question names or the filters select; when neither narrows it to one report, of the best-supported one.
        """
        query = self.parse(question, filters)
        k = _top_k(self.settings.top_k if top_k is None else top_k)
        if query.reaches_no_report:
            return Answer(query.question, None, None, 0.0, False, query.why_no_report(), scope=query.scope)
        number, _ = paragraph_reference(query.question)
        if number is not None and query.scope is None and query.many_reports:
            # A paragraph number means nothing without its report: ask, as opening "¶65" does.
            return Answer(query.question, None, None, 0.0, False, self._which_report(number))
        evidence = self.retriever.retrieve(query, k)
        answer = self.reader.read(query.phrased, evidence.hits, evidence)
        return replace(answer, question=query.question, scope=evidence.scope)

    def compare(self, topic: str, top_k: int = 20, filters: FilterMapping | None = None) -> list[Hit]:
        """The best passage of each report on a topic ("IRO caseloads"), best first."""
        parsed = self.parse(topic, filters)
        if parsed.reaches_no_report:
            return []
        return self.retriever.search(parsed.text, _top_k(top_k), parsed.filters, per_report=1)

    def scope(self, question: str, filters: FilterMapping | None = None) -> tuple[Scope | None, Filters]:
        """The reports a question is about and the filters that select them; None means every report.

        Filters the caller sets win over places the question names.
        """
        query = self.parse(question, filters)
        return query.scope, query.filters

    def reports(self, filters: FilterMapping | None = None) -> list[ReportSummary]:
        """Every report (or those the report-level filters select) with its facts and judgements."""
        return [summary(r) for r in matching_reports(list(self._facts.values()), Filters.of(filters))]

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
        blocks = self.store.blocks if doc_id is None else self._reports.get(doc_id, ())
        return list(dict.fromkeys(b.section_path for b in blocks))

    @property
    def skipped(self) -> dict[str, str]:
        """The corpus's files left out of the index, each with why (unreadable, not a report, ...)."""
        return self.store.skipped

    def report(self, doc_id: str) -> Report:
        """One report with its facts and every block, for reading it whole."""
        try:
            return self._facts[doc_id]
        except KeyError:
            raise KeyError(f"No report {doc_id!r} is loaded.") from None

    def open_paragraph(self, text: str, filters: FilterMapping | None = None, reading: str | None = None) -> Opening | None:
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
            return Opening(n, None, "", message=self._which_report(n))
        label = label_of(self._facts[doc_id])
        numbered = [b.number for b in self._reports.get(doc_id, ()) if b.number is not None]
        block = next((b for b in self._reports.get(doc_id, ()) if b.number == n), None)
        if block is None:
            span = (
                f"its paragraphs run from ¶{min(numbered)} to ¶{max(numbered)}" if numbered else "its paragraphs are not numbered"
            )
            return Opening(n, doc_id, label, message=f"{label} has no ¶{n}; {span}.")
        return Opening(n, doc_id, label, block)

    def _which_report(self, n: int) -> str:
        example = label_of(max(self._facts.values(), key=lambda r: r.published or ""))
        return f"Say which report to open ¶{n} in, for example: ¶{n} of {example}."

    def _report_for_opening(self, naming: str, filters: FilterMapping | None, reading: str | None) -> str | None:
        if naming:
            scope = resolve_scope(naming, list(self._facts.values()))
            return scope.doc_ids[0] if scope and scope.doc_ids else None
        wanted = filters.get("doc_id") if isinstance(filters, Mapping) else None  # the page's one report
        if isinstance(wanted, str) and wanted:
            return wanted
        if reading:
            return reading
        return next(iter(self._facts)) if len(self._facts) == 1 else None

    def documents(self) -> list[tuple[str, str]]:
        """(doc_id, title) of every report."""
        return [(doc_id, blocks[0].doc_title) for doc_id, blocks in self._reports.items()]

    def add_reports(self, files: Sequence[tuple[str, bytes]]) -> list[UploadOutcome]:
        """Check each (filename, bytes) and write the good ones into the corpus folder, each on its own, so
        one bad file does not stop the others. The index notices them on `reloaded`; a shared store (a
        database) gets each stored report embedded and added, one transaction each, before this returns."""
        outcomes = store_uploads(files, self.settings)
        if isinstance(self.store, SharedStore):
            stored = [o.path for o in outcomes if o.doc_id and o.path]
            for file_name, segment in segments_from_files(stored, self.embedder, self.settings):
                self.store.add(segment, file_name)
        return outcomes

    def remove_report(self, doc_id: str) -> Path | None:
        """Move one report out of the corpus folder (under the index folder's removed/, never deleted) and
        return where it went; the index drops it on `reloaded`. A shared store drops it at once; a report
        another process added to it is removed from the store alone (None: no file here)."""
        if not isinstance(self.store, SharedStore):
            return remove_report(self.settings.corpus_dir, self.settings.index_dir, doc_id)
        if doc_id not in self._facts:
            raise ReportError(f"No report {doc_id!r} is loaded; choose one from the report list.")
        if len(self._facts) == 1:
            raise ReportError(f"{doc_id} is the only report loaded and the assistant needs one; add another report first.")
        here = any(p.stem == doc_id for p in report_paths(self.settings.corpus_dir))
        moved = remove_report(self.settings.corpus_dir, self.settings.index_dir, doc_id) if here else None
        self.store.remove(doc_id)
        return moved


def names_paragraph(question: str) -> bool:
    """Whether the question names a paragraph by number ("What is in paragraph 65?")."""
    return paragraph_reference(question)[0] is not None


def authority_place(authority: str) -> str:
    """The place an authority is, as every report of it is named ("Norfolk County Council" is Norfolk)."""
    return place_name(authority)


def matching_words(text: str, query: str) -> list[tuple[int, int]]:
    """Where the words of `text` that are among the query's content words (by stem) are, half-open spans."""
    wanted = set(content_stems(query))
    return [(m.start(), m.end()) for m in words(text) if stem(m.group()) in wanted]


def _top_k(top_k: int) -> int:
    if not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise InvalidQuestion(f"top_k must be a whole number from 1 to {MAX_TOP_K}.")
    return top_k
