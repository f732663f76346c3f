"""What the page does when it is used: ask, search, compare, open and read reports, refresh its menus.

Each handler takes the page's inputs and returns a named result (views.py); none raises for something a
person can fix, it shows a notice instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, quote

from qa_app.app.web.answers import copy_text, evidence_order, render_answer, render_opening, render_scope
from qa_app.app.web.guard import REPORTS_ROUTE
from qa_app.app.web.passages import citing_blocks, render_context, render_notice, render_passages
from qa_app.app.web.report_view import render_pane, render_report, report_link
from qa_app.app.web.reports import CHART_COLUMNS, REPORT_COLUMNS, judgement_counts, report_rows
from qa_app.app.web.slot import AssistantSlot
from qa_app.app.web.views import (
    KEEP,
    AnswerView,
    Change,
    CompareView,
    FiltersView,
    Menus,
    ReaderView,
    Refreshed,
    SearchView,
)
from qa_app.assistant import Assistant, names_paragraph
from qa_app.config import Settings
from qa_app.errors import NotReady, QAError
from qa_app.records import Hit

EXAMPLES = [
    "How many children were in care in Norfolk?",
    "Stoke-on-Trent 2015: what proportion of managers are not completing audits?",
    "What did inspectors say about Darlington's care leavers?",
    "Paragraph 65 of the Stoke-on-Trent 2015 report",
]
CONTEXT_RADIUS = 1
COMPARED = 30  # reports a comparison lists at most


def make_filters(
    doc_id: str | None, section: str | None, framework: str | None = None, overall: str | None = None
) -> dict[str, object] | None:
    """The assistant's filters from the menus; empty choices mean no filter."""
    filters: dict[str, object] = {}
    if doc_id:
        filters["doc_id"] = doc_id
    if section:
        filters["section"] = section
    if framework:
        filters["framework"] = framework
    if overall:
        filters["judgement"] = {"Overall effectiveness": overall}
    return filters or None


def section_choices(assistant: Assistant, doc_id: str | None) -> list[tuple[str, str]]:
    """The Section menu: every section of the chosen report (or of all), after "All sections"."""
    return [("All sections", "")] + [(s, s) for s in assistant.sections(doc_id or None) if s]


def pdf_href(path: str) -> str | None:
    """Where the page serves the report's original PDF: the guard serves report files by name only."""
    return REPORTS_ROUTE.lstrip("/") + quote(Path(path).name) if path.lower().endswith(".pdf") else None


def shown_of(hits: Sequence[Hit]) -> dict[str, Hit]:
    """The passages on the page by block id, which the pin buttons name."""
    return {h.block_id: h for h in hits}


class Workbench:
    """The page's handlers over the assistant in `slot` (which may still be loading)."""

    def __init__(self, slot: AssistantSlot, settings: Settings):
        self.slot = slot
        self.settings = settings

    def contexts_for(self, hits: Sequence[Hit]) -> dict[str, str]:
        """Each passage's paragraph with its neighbours and the recommendations that cite it, as HTML."""
        a = self.slot.current()
        out = {}
        for h in hits:
            citing = citing_blocks(a.report_blocks(h.doc_id), h.paragraph)
            out[h.block_id] = render_context(a.context(h.block_id, CONTEXT_RADIUS), h.block_id, citing)
        return out

    def reader(self, doc_id: str, paragraph: int | None = None, block_id: str = "") -> ReaderView:
        """The report view at a paragraph (or an unnumbered block), and the report menu of the view showing
        that report. The view is a pane naming the report, which the page fills from `report_pane`: a session
        holds an address, not the report (Gradio keeps every output of every session)."""
        self.slot.current().report(doc_id)  # an unknown report is said at once, in the view
        link = report_link(doc_id, paragraph, block_id)
        return ReaderView(Change.to(value=render_pane(link)), Change.to(value=doc_id))

    def report_pane(self, link: object) -> str:
        """The whole report a pane names ("?report=<doc_id>&p=<n>" or "&b=<block_id>"), rendered for the page
        to put in it, or a notice saying why it cannot be shown; the page calls it directly, nothing is kept
        per session."""
        params = parse_qs(str(link).lstrip("?"))
        try:
            report = self.slot.current().report((params.get("report") or [""])[0])
        except (NotReady, KeyError) as e:
            return render_notice(str(e).strip("'\""))
        focus, block = _number((params.get("p") or [""])[0]), (params.get("b") or [""])[0]
        return render_report(report, focus, pdf_href(report.path), block)

    def menus(self, a: Assistant, reading: str | None = None) -> Menus:
        """Every menu and list that names the loaded reports, refreshed after the reports change; the
        report view's menu shows `reading` when given."""
        import pandas as pd

        reports = a.reports()
        docs = [(r.label, r.doc_id) for r in sorted(reports, key=lambda r: r.label)]
        frameworks = [("All frameworks", "")] + [(f, f) for f in sorted({r.framework for r in reports if r.framework})]
        grades = [("Any overall judgement", "")] + [(g, g) for g in sorted({r.overall for r in reports if r.overall})]
        return Menus(
            status=self.slot.status(),
            report=Change.to(choices=[("All reports", ""), *docs]),
            section=Change.to(choices=section_choices(a, None), value=""),
            framework=Change.to(choices=frameworks),
            overall=Change.to(choices=grades),
            report_table=Change.to(value=pd.DataFrame(report_rows(reports), columns=REPORT_COLUMNS)),
            judgement_chart=Change.to(value=pd.DataFrame(judgement_counts(reports), columns=CHART_COLUMNS)),
            reading=Change.to(choices=docs, value=reading) if reading else Change.to(choices=docs),
            removable=Change.to(choices=docs, value=None),
        )

    # -- ask, search, compare

    def ask(
        self,
        question: str,
        doc_id: str | None,
        section: str | None,
        framework: str | None,
        overall: str | None,
        reading: str | None,
        chosen: str = "",
    ) -> AnswerView:
        """Answer under the menus' filters; `chosen` is a report picked for this one question ("Answer from
        another report"), shown as a removable chip and never left behind as a filter."""
        if not (question or "").strip():
            return AnswerView(render_notice("Type a question first, for example: " + EXAMPLES[0]))
        try:
            a = self.slot.current()
            filters = make_filters(chosen or doc_id, section, framework, overall)
            opening = a.open_paragraph(question, filters, reading or None)
            if opening is not None:
                opened = self.reader(opening.doc_id, opening.paragraph) if opening.block and opening.doc_id else ReaderView(KEEP)
                return AnswerView(render_opening(opening), report_view=opened.report_view, reading=opened.reading)
            if reading and not (chosen or doc_id) and names_paragraph(question) and a.scope(question, filters)[0] is None:
                filters = make_filters(reading, section, framework, overall)  # "paragraph 65" of the report being read
            answer = a.ask(question, top_k=self.settings.top_k, filters=filters)
        except (QAError, ValueError) as e:  # ValueError: filters the menus made that the corpus cannot take
            return AnswerView(render_notice(str(e)))
        passages = evidence_order(answer)
        others = answer.scope.others if answer.scope else ()
        labels = {r.doc_id: r.label for r in a.reports()}
        scope = replace(answer.scope, source="chosen") if chosen and answer.scope else answer.scope
        return AnswerView(
            answer_html=render_scope(scope, question) + render_answer(answer),
            evidence_html=render_passages(passages, answer.citations, self.contexts_for(passages)),
            copy_box=copy_text(answer, {h.doc_id: h.doc_title for h in answer.passages}),
            other_reports=Change.to(choices=[(labels.get(d, d), d) for d in others], value=None, visible=bool(others)),
            shown=shown_of(passages),
            last_answer=answer,
        )

    def other_report(
        self,
        question: str,
        chosen: str | None,
        section: str | None,
        framework: str | None,
        overall: str | None,
        reading: str | None,
    ) -> AnswerView:
        """Answer the same question from another report the scope offered, for this question only: the
        Report filter is left as it was, so the next question is scoped afresh."""
        if not chosen:
            return AnswerView.unchanged()
        return self.ask(question, None, section, framework, overall, reading, chosen=chosen)

    def compare(
        self, topic: str, doc_id: str | None, section: str | None, framework: str | None, overall: str | None
    ) -> CompareView:
        """The best passage of each report on a topic, under every filter the menus set."""
        if not (topic or "").strip():
            return CompareView(render_notice("Type a topic to compare, for example: IRO caseloads"))
        try:
            filters = make_filters(doc_id, section, framework, overall)
            hits = self.slot.current().compare(topic, top_k=COMPARED, filters=filters)
        except (QAError, ValueError) as e:
            return CompareView(render_notice(str(e)))
        return CompareView(render_passages(hits, contexts=self.contexts_for(hits), query=topic), shown_of(hits))

    def search(
        self, query: str, top_k: float, doc_id: str | None, section: str | None, framework: str | None, overall: str | None
    ) -> SearchView:
        if not (query or "").strip():
            return SearchView(render_notice("Type some words to search for, for example: early help"))
        try:
            a = self.slot.current()
            filters = make_filters(doc_id, section, framework, overall)
            scope, _ = a.scope(query, filters)
            hits = a.search(query, top_k=int(top_k), filters=filters)
        except (QAError, ValueError) as e:
            return SearchView(render_notice(str(e)))
        if scope is not None and not scope.doc_ids:
            missing = " or ".join(scope.missing)
            return SearchView(
                render_notice(f"No report for {missing} is loaded." if missing else "No loaded report matches the filters.")
            )
        marked = (scope.query if scope else "") or query
        return SearchView(render_passages(hits, contexts=self.contexts_for(hits), query=marked), shown_of(hits))

    def filters_changed(
        self, mode: str, question: str, query: str, top_k: float, topic: str, doc_id, section, framework, overall, reading
    ) -> FiltersView:
        """A filter changed: what was last asked, searched or compared is run again under the new filters."""
        if mode == "ask" and (question or "").strip():
            a = self.ask(question, doc_id, section, framework, overall, reading)
            return FiltersView(
                a.answer_html,
                a.evidence_html,
                a.copy_box,
                a.other_reports,
                a.report_view,
                a.reading,
                a.last_answer,
                shown=a.shown,
            )
        if mode == "search" and (query or "").strip():
            s = self.search(query, top_k, doc_id, section, framework, overall)
            return FiltersView(results_html=s.results_html, shown=s.shown)
        if mode == "compare" and (topic or "").strip():
            c = self.compare(topic, doc_id, section, framework, overall)
            return FiltersView(compare_html=c.compare_html, shown=c.shown)
        return FiltersView()

    # -- reading reports

    def view(self, doc_id: str, paragraph: int | None = None, block_id: str = "") -> ReaderView:
        """The report view at a paragraph or block, or a notice saying why the report cannot be shown."""
        try:
            return self.reader(doc_id, paragraph, block_id)
        except (NotReady, KeyError) as e:
            return ReaderView(Change.to(value=render_notice(str(e).strip("'\""))))

    def open(self, search: str) -> ReaderView:
        """A chip, ¶ link or pasted address ("?report=<doc_id>&p=<n>", "&b=<block_id>" for an unnumbered
        block): the report view at that paragraph or block."""
        params = {k: v[0] for k, v in parse_qs(search.lstrip("?")).items()}
        return self.view(params.get("report", ""), _number(params.get("p", "")), params.get("b", ""))

    def read(self, doc_id: str | None) -> Change:
        """The report chosen in the reading menu, from its start."""
        return self.view(doc_id).report_view if doc_id else KEEP

    def refresh(self, query: dict[str, str]) -> Refreshed:
        """Status line, menus and report list once the assistant is ready (the timer stops then); an
        address naming a report ("?report=<doc_id>&p=<n>") opens it at that paragraph without a click."""
        if self.slot.assistant is None:
            return Refreshed(Menus(status=self.slot.status()), KEEP, Change.to(active=self.slot.error is None))
        view, reading = KEEP, None
        if query.get("report"):
            opened = self.view(query["report"], _number(query.get("p", "")), query.get("b", ""))
            view, reading = opened.report_view, opened.reading.props.get("value")
        return Refreshed(self.menus(self.slot.assistant, reading), view, Change.to(active=False))

    def report_chosen(self, doc_id: str | None) -> Change:
        """The Section menu for the report chosen in the Report filter."""
        if self.slot.assistant is None:
            return KEEP
        return Change.to(choices=section_choices(self.slot.assistant, doc_id), value="")


def _number(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None
