"""The web page and HTTP API: pure HTML rendering of records, and the Gradio app wired to an Assistant.

Everything shown on the page is built here as HTML from records, with every piece of text passed
through html.escape, so a question or report that contains markup is always shown as text.
"""

from __future__ import annotations

import os

# Before gradio is imported anywhere: it reads this at import time to decide on telemetry.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import html
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from qa_app.app.render import CONFIDENCE_WORDS, SHOWN_CANDIDATES, block_name, label_of, not_sure, short_section
from qa_app.config import Settings
from qa_app.errors import InvalidQuestion, QAError
from qa_app.records import Answer, Block, Citation, Hit, ReportSummary, Scope

if TYPE_CHECKING:  # the assistant pulls in torch; rendering must not need it
    import gradio as gr

    from qa_app.assistant import Assistant

EXAMPLES = [
    "How many children were placed at home on a care order?",
    "How long are early help cases open on average?",
    "What proportion of managers are not completing audits?",
    "What is the judgement for leadership, management and governance?",
]

CSS = """
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 14px 16px; margin: 6px 0; }
.qa-card.qa-abstain { border-left: 4px solid #b7791f; }
.qa-card.qa-answered { border-left: 4px solid #2f855a; }
.qa-card.qa-notice { border-left: 4px solid #718096; }
.qa-sentence { font-size: 1.1em; line-height: 1.5; margin: 0 0 8px 0; }
.qa-confidence { display: inline-block; font-size: 0.9em; padding: 1px 8px; border-radius: 10px;
  background: var(--background-fill-secondary); margin-right: 6px; }
.qa-chip { display: inline-block; font-size: 0.9em; padding: 1px 8px; margin: 2px 4px 2px 0; border-radius: 10px;
  border: 1px solid var(--border-color-primary); white-space: nowrap; }
.qa-passage { border-top: 1px solid var(--border-color-primary); padding: 10px 0; }
.qa-passage-head { font-size: 0.9em; color: var(--body-text-color); opacity: 0.8; margin-bottom: 4px; }
.qa-passage mark, .qa-context mark { background: #fdf3c4; color: inherit; padding: 0 1px; }
.qa-context { margin: 6px 0 0 12px; font-size: 0.95em; }
.qa-context p { margin: 6px 0; }
.qa-context .qa-focus { border-left: 3px solid #d69e2e; padding-left: 8px; }
.qa-context .qa-citing { border-left: 3px solid #3182ce; padding-left: 8px; }
.qa-message { margin: 0 0 8px 0; }
.qa-card.qa-unsure { border-left: 4px solid #3182ce; }
.qa-candidates { margin: 4px 0 8px 0; padding-left: 18px; }
.qa-candidates li { margin: 4px 0; }
.qa-where { font-size: 0.85em; opacity: 0.8; }
.qa-asked { margin: 0 0 6px 0; font-size: 0.9em; color: var(--body-text-color); opacity: 0.7; }
.qa-scope { margin: 0 0 6px 0; font-size: 0.95em; }
"""


# ---------------------------------------------------------------- pure rendering


def confidence_label(level: str | None) -> str:
    """The confidence level in words; a refusal has none."""
    return CONFIDENCE_WORDS.get(level or "", "")


def highlight(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Escaped text with half-open spans wrapped in tags; spans must nest or be disjoint."""
    opens: dict[int, list[tuple[int, str]]] = {}
    closes: dict[int, list[str]] = {}
    for start, end, tag in spans:
        start, end = max(0, start), min(len(text), end)
        if start >= end:
            continue
        opens.setdefault(start, []).append((end, tag))
        closes.setdefault(end, []).append(tag)
    out: list[str] = []
    cuts = sorted({0, len(text), *opens, *closes})
    for i, pos in enumerate(cuts):
        for tag in closes.get(pos, []):
            out.append(f"</{tag}>")
        # outer (longer) spans open first so tags nest properly
        for _end, tag in sorted(opens.get(pos, []), key=lambda o: -o[0]):
            out.append(f"<{tag}>")
        if i + 1 < len(cuts):
            out.append(html.escape(text[pos : cuts[i + 1]]))
    return "".join(out)


def _chip(record: Citation | Hit) -> str:
    label = html.escape(label_of(record))
    title = html.escape(record.section_path)
    return f'<span class="qa-chip" title="{title}">{label}</span>'


def answer_sentence_html(answer: Answer) -> str:
    """The answering sentence, escaped, with the short answer in bold."""
    if answer.citations:
        c = answer.citations[0]
        spans = []
        if c.answer_start is not None and c.answer_end is not None:
            spans.append((c.answer_start - c.quote_start, c.answer_end - c.quote_start, "strong"))
        return highlight(c.text[c.quote_start : c.quote_end], spans)
    sentence = answer.sentence or answer.answer or ""
    at = sentence.find(answer.answer) if answer.answer else -1
    spans = [(at, at + len(answer.answer), "strong")] if answer.answer and at >= 0 else []
    return highlight(sentence, spans)


def candidates_html(answer: Answer, limit: int = SHOWN_CANDIDATES) -> str:
    """The best candidate sentences, each with its report, ¶ (or what the block is) and page."""
    titles = {h.doc_id: h.doc_title for h in answer.passages}
    items = []
    for c in answer.citations[:limit]:
        where = html.escape(f"{titles.get(c.doc_id, c.doc_id)} · {label_of(c)}")
        items.append(f'<li>{html.escape(c.quote)}<br><span class="qa-where">{where}</span></li>')
    return f'<ul class="qa-candidates">{"".join(items)}</ul>' if items else ""


def render_answer(answer: Answer) -> str:
    """The answer card. High: the short answer bold in its sentence, with ¶ chips. Medium and Low: the best
    two or three candidate sentences with where each is, and no answer asserted. A refusal: the message
    and the closest sentences."""
    asked = f'<p class="qa-asked">{html.escape(answer.question)}</p>'
    level = answer.confidence_level
    if level is None:
        message = f'<p class="qa-message">{html.escape(answer.message)}</p>'
        closest = ""
        if answer.citations:
            closest = "<p><em>The closest passages:</em></p>" + candidates_html(answer)
        elif answer.passages:
            closest = "<p><em>The closest passages are listed under Evidence.</em></p>"
        return f'<div class="qa-card qa-abstain">{asked}{message}{closest}</div>'
    badge = f'<span class="qa-confidence">{confidence_label(level)}</span>'
    if level != "high":
        message = f'<p class="qa-message">{html.escape(not_sure(level).capitalize())}</p>'
        return f'<div class="qa-card qa-unsure">{asked}{badge}{message}{candidates_html(answer)}</div>'
    chips = "".join(_chip(c) for c in answer.citations)
    return (
        f'<div class="qa-card qa-answered">{asked}'
        f'<p class="qa-sentence">{answer_sentence_html(answer)}</p>'
        f"{badge}{chips}"
        "</div>"
    )


def render_scope(scope: Scope | None) -> str:
    """ "Answering from: Norfolk, 2022 inspection", with a word on how it was chosen; "" for one report."""
    if scope is None or not scope.doc_ids:
        return ""
    how = {"best match": " (the report that supports it best)", "filters": " (the filters)"}.get(scope.source, "")
    missing = f" No report for {html.escape(' or '.join(scope.missing))} is loaded." if scope.missing else ""
    others = " Other reports can be chosen below." if scope.others else ""
    return f'<p class="qa-scope">Answering from: <strong>{html.escape(scope.label)}</strong>{how}.{missing}{others}</p>'


def report_of(hit: Hit | Citation) -> str:
    """ "Norfolk, 2022" for a passage among many reports; "" when its report states no authority."""
    if not hit.authority:
        return ""
    return f"{hit.authority}, {hit.published[:4]}" if hit.published else hit.authority
def evidence_order(answer: Answer) -> list[Hit]:
    """The answer's passages in the order of its citations (so chips and evidence agree), then the rest."""
    by_id = {h.block_id: h for h in answer.passages}
    cited = [by_id[c.block_id] for c in answer.citations if c.block_id in by_id]
    cited = list({h.block_id: h for h in cited}.values())
    seen = {h.block_id for h in cited}
    return cited + [h for h in answer.passages if h.block_id not in seen]


def render_notice(message: str) -> str:
    """A plain message in place of an answer (empty question, index still building, ...)."""
    return f'<div class="qa-card qa-notice"><p class="qa-message">{html.escape(message)}</p></div>'


def render_context(blocks: Sequence[Block], focus_id: str, citing: Sequence[Block] = ()) -> str:
    """A paragraph with its neighbours, and the recommendations that cite it."""
    rows = []
    for b in blocks:
        number = f"<strong>{b.number}.</strong> " if b.number is not None else ""
        cls = ' class="qa-focus"' if b.id == focus_id else ""
        rows.append(f"<p{cls}>{number}{html.escape(b.text)}</p>")
    for b in citing:
        what = "recommendation" if b.kind == "recommendation" else short_section(b.section_path) or "paragraph"
        label = html.escape(what)
        number = f" {b.number}" if b.number is not None else ""
        rows.append(f'<p class="qa-citing"><em>Cited by {label}{number}:</em> {html.escape(b.text)}</p>')
    return f'<div class="qa-context">{"".join(rows)}</div>'


def render_passage(hit: Hit, quote: tuple[int, int] | None = None, context_html: str = "") -> str:
    """One passage: ¶ number, section path, judgement, the supporting sentence (or best window) marked."""
    start, end = quote if quote else (hit.window_start, hit.window_end)
    number = html.escape(block_name(hit.paragraph, hit.kind))
    numbered_page = hit.paragraph is not None and hit.page is not None
    if numbered_page:
        number += f", p. {hit.page}"
    head = " · ".join(
        ([html.escape(report_of(hit))] if report_of(hit) else [])
        + [f"<strong>{number}</strong>", html.escape(hit.section_path)]
        + ([html.escape(hit.judgement)] if hit.judgement else [])
        + ([f"p. {hit.page}"] if hit.page is not None and not numbered_page else [])
    )
    details = ""
    if context_html:
        what = f"¶{hit.paragraph}" if hit.paragraph is not None else "this passage"
        details = f"<details><summary>Open {what} in context</summary>{context_html}</details>"
    return (
        f'<div class="qa-passage" data-block="{html.escape(hit.block_id)}">'
        f'<div class="qa-passage-head">{head}</div>'
        f"<div>{highlight(hit.text, [(start, end, 'mark')])}</div>{details}</div>"
    )


def render_passages(
    hits: Sequence[Hit],
    citations: Sequence[Citation] = (),
    contexts: dict[str, str] | None = None,
) -> str:
    """The evidence list; a hit that a citation quotes has that sentence marked rather than its window."""
    if not hits:
        return render_notice("No passages matched. Try other words or clear the filters.")
    quotes = {(c.doc_id, c.paragraph, c.text): (c.quote_start, c.quote_end) for c in citations}
    contexts = contexts or {}
    return "".join(
        render_passage(h, quotes.get((h.doc_id, h.paragraph, h.text)), contexts.get(h.block_id, ""))
        for h in hits
    )


def copy_text(answer: Answer, titles: dict[str, str] | None = None) -> str:
    """The answer and its citations as plain text, ready to paste into a note."""
    titles = titles or {}
    if answer.confidence_level is None:
        return f"{answer.question}\n{answer.message}"
    if answer.confidence_level != "high":
        lines = [answer.question, f"{confidence_label(answer.confidence_level)}: {not_sure(answer.confidence_level)}"]
        for c in answer.citations[:SHOWN_CANDIDATES]:
            lines.append(f"- {c.quote} — {titles.get(c.doc_id, c.doc_id)}, {label_of(c)}")
        return "\n".join(lines)
    sentence = answer.citations[0].quote if answer.citations else (answer.sentence or answer.answer or "")
    lines = [answer.question, f"{sentence} ({confidence_label(answer.confidence_level)})"]
    if answer.citations:  # the first citation is the one the sentence is quoted from
        c = answer.citations[0]
        lines.append(f"— {titles.get(c.doc_id, c.doc_id)}, {label_of(c)}")
    return "\n".join(lines)


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


REPORT_COLUMNS = ["Report", "Authority", "Framework", "Published", "Overall effectiveness", "Paragraphs", "Pages"]


def report_rows(reports: Sequence[ReportSummary]) -> list[list[object]]:
    """The report list as table rows, newest first."""
    ordered = sorted(reports, key=lambda r: r.published or "", reverse=True)
    return [
        [r.doc_id, r.authority or "", r.framework or "", r.published or "", r.overall or "", r.paragraphs, r.pages or ""]
        for r in ordered
    ]


def judgement_counts(reports: Sequence[ReportSummary]) -> list[dict[str, object]]:
    """Reports counted by publication year, framework and overall judgement: the chart above the list."""
    counts: dict[tuple[str, str, str], int] = {}
    for r in reports:
        key = ((r.published or "")[:4] or "unknown", r.framework or "unknown", r.overall or "not graded")
        counts[key] = counts.get(key, 0) + 1
    return [{"year": y, "framework": f, "overall": o, "reports": n} for (y, f, o), n in sorted(counts.items())]


def citing_blocks(blocks: Iterable[Block], paragraph: int | None) -> list[Block]:
    """Blocks (usually recommendations) that refer to the numbered paragraph."""
    if paragraph is None:
        return []
    return [b for b in blocks if paragraph in b.cites]


def section_choices(assistant: Assistant, doc_id: str | None) -> list[tuple[str, str]]:
    """The Section menu: every section of the chosen report (or of all), after "All sections"."""
    return [("All sections", "")] + [(s, s) for s in assistant.sections(doc_id or None) if s]


def error_payload(message: str, status: int) -> dict[str, object]:
    """What the HTTP API returns instead of a result: an HTTP-style status and one sentence."""
    return {"error": message, "status": status}


# ---------------------------------------------------------------- the assistant, possibly still loading


class AssistantSlot:
    """The assistant, or how far its loading has got, so the page can come up before the index is ready."""

    def __init__(self, assistant: Assistant | None = None):
        self._lock = threading.Lock()
        self.assistant = assistant
        self.message = "Loading the index"
        self.fraction = 0.0
        self.error: str | None = None

    def progress(self, message: str, fraction: float) -> None:
        with self._lock:
            self.message, self.fraction = message, fraction

    def ready(self, assistant: Assistant) -> None:
        with self._lock:
            self.assistant = assistant

    def failed(self, message: str) -> None:
        with self._lock:
            self.error = message

    def status(self) -> str:
        if self.assistant is not None:
            return f"Ready. {self.assistant.status}"
        if self.error:
            return f"The index could not be loaded: {self.error}"
        return f"Building the index: {self.message} ({self.fraction:.0%}). Questions can be asked when it is ready."


class NotReady(QAError):
    """The index is still being built (or failed to load)."""


# ---------------------------------------------------------------- the Gradio app

# Every call that runs the model shares one concurrency group: the work is CPU-bound numpy/torch on a
# small machine, so more than ASSISTANT_CONCURRENCY at once only makes each one slower.
ASSISTANT_CONCURRENCY = 2
QUEUE_MAX_SIZE = 32  # past this, callers are told the queue is full at once instead of waiting minutes
CONTEXT_RADIUS = 1


def build_app(assistant: Assistant | AssistantSlot, settings: Settings | None = None) -> gr.Blocks:
    """The page (ask, search, filters, evidence in context) and the named API endpoints ask/search/context."""
    import gradio as gr

    settings = settings or Settings.load()
    slot = assistant if isinstance(assistant, AssistantSlot) else AssistantSlot(assistant)

    def current() -> Assistant:
        if slot.assistant is None:
            raise NotReady(slot.status())
        return slot.assistant

    def contexts_for(hits: Sequence[Hit]) -> dict[str, str]:
        a = current()
        out = {}
        for h in hits:
            citing = citing_blocks(a.report_blocks(h.doc_id), h.paragraph)
            out[h.block_id] = render_context(a.context(h.block_id, CONTEXT_RADIUS), h.block_id, citing)
        return out

    # -- page handlers: return HTML; never raise for things a person can fix

    def on_ask(question: str, doc_id: str | None, section: str | None, framework: str | None, overall: str | None):
        hidden = gr.update(choices=[], value=None, visible=False)
        if not (question or "").strip():
            return render_notice("Type a question first, for example: " + EXAMPLES[0]), "", "", hidden
        try:
            a = current()
            filters = make_filters(doc_id, section, framework, overall)
            answer = a.ask(question, top_k=settings.top_k, filters=filters)
        except (QAError, ValueError) as e:  # ValueError: filters the menus made that the corpus cannot take
            return render_notice(str(e)), "", "", hidden
        passages = evidence_order(answer)
        evidence = render_passages(passages, answer.citations, contexts_for(passages))
        titles = {h.doc_id: h.doc_title for h in answer.passages}
        others = answer.scope.others if answer.scope else ()
        labels = {r.doc_id: r.label for r in a.reports()}
        choices = gr.update(choices=[(labels.get(d, d), d) for d in others], value=None, visible=bool(others))
        return render_scope(answer.scope) + render_answer(answer), evidence, copy_text(answer, titles), choices

    def on_other_report(question: str, doc_id: str | None, section: str | None, framework: str | None, overall: str | None):
        """Answer the same question from another report the scope offered; that report becomes the filter."""
        if not doc_id:
            return gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
        return (gr.update(value=doc_id), *on_ask(question, doc_id, section, framework, overall))

    def on_compare(topic: str, framework: str | None, overall: str | None):
        if not (topic or "").strip():
            return render_notice("Type a topic to compare, for example: IRO caseloads")
        try:
            hits = current().compare(topic, top_k=30, filters=make_filters(None, None, framework, overall))
        except (QAError, ValueError) as e:
            return render_notice(str(e))
        return render_passages(hits, contexts=contexts_for(hits))

    def on_search(query: str, top_k: float, doc_id: str | None, section: str | None, framework: str | None, overall: str | None):
        if not (query or "").strip():
            return render_notice("Type some words to search for, for example: early help")
        try:
            a = current()
            filters = make_filters(doc_id, section, framework, overall)
            scope, _ = a.scope(query, filters)
            hits = a.search(query, top_k=int(top_k), filters=filters)
        except (QAError, ValueError) as e:
            return render_notice(str(e))
        if scope is not None and not scope.doc_ids:
            missing = " or ".join(scope.missing)
            return render_notice(f"No report for {missing} is loaded." if missing else "No loaded report matches the filters.")
        return render_passages(hits, contexts=contexts_for(hits))

    def on_refresh(doc_id: str | None):
        """Status line, the filter menus and the report list once the assistant is ready; stops the timer then."""
        if slot.assistant is None:
            waiting = gr.update()
            return slot.status(), waiting, waiting, waiting, waiting, waiting, waiting, gr.Timer(active=slot.error is None)
        a = slot.assistant
        reports = a.reports()
        docs = [("All reports", "")] + [(r.label, r.doc_id) for r in sorted(reports, key=lambda r: r.label)]
        frameworks = [("All frameworks", "")] + [(f, f) for f in sorted({r.framework for r in reports if r.framework})]
        grades = [("Any overall judgement", "")] + [(g, g) for g in sorted({r.overall for r in reports if r.overall})]
        import pandas as pd

        return (
            slot.status(),
            gr.update(choices=docs, value=doc_id or ""),
            gr.update(choices=section_choices(a, doc_id), value=""),
            gr.update(choices=frameworks),
            gr.update(choices=grades),
            gr.update(value=pd.DataFrame(report_rows(reports), columns=REPORT_COLUMNS)),
            gr.update(value=pd.DataFrame(judgement_counts(reports), columns=["year", "framework", "overall", "reports"])),
            gr.Timer(active=False),
        )

    def on_report(doc_id: str | None):
        if slot.assistant is None:
            return gr.update()
        return gr.update(choices=section_choices(slot.assistant, doc_id), value="")

    # -- API endpoints: the records' JSON, or an error payload with an HTTP-style status

    def ask(question: str, top_k: int = 5, filters: dict | None = None) -> dict:
        """Answer a question from the reports. Returns Answer.to_dict(); on bad input {"error": ..., "status": 400}."""
        try:
            return current().ask(question, top_k=top_k, filters=filters).to_dict()
        except NotReady as e:
            return error_payload(str(e), 503)
        except (InvalidQuestion, ValueError, KeyError) as e:
            return error_payload(str(e), 400)

    def search(query: str, top_k: int = 10, filters: dict | None = None) -> list[dict] | dict:
        """Passages for a keyword or natural-language query: a list of Hit.to_dict(), best first."""
        try:
            return [h.to_dict() for h in current().search(query, top_k=top_k, filters=filters)]
        except NotReady as e:
            return error_payload(str(e), 503)
        except (InvalidQuestion, ValueError, KeyError) as e:
            return error_payload(str(e), 400)

    def reports(filters: dict | None = None) -> list[dict] | dict:
        """Every report (or those the report-level filters select) with its facts: a list of ReportSummary.to_dict()."""
        try:
            return [r.to_dict() for r in current().reports(filters)]
        except NotReady as e:
            return error_payload(str(e), 503)
        except (ValueError, KeyError) as e:
            return error_payload(str(e), 400)

    def compare(topic: str, top_k: int = 20, filters: dict | None = None) -> list[dict] | dict:
        """The best passage of each report on a topic, best first: a list of Hit.to_dict()."""
        try:
            return [h.to_dict() for h in current().compare(topic, top_k=top_k, filters=filters)]
        except NotReady as e:
            return error_payload(str(e), 503)
        except (InvalidQuestion, ValueError, KeyError) as e:
            return error_payload(str(e), 400)

    def context(block_id: str, radius: int = 1) -> list[dict] | dict:
        """A block (e.g. a hit's block_id) with its neighbours in reading order: a list of Block.to_dict()."""
        try:
            return [b.to_dict() for b in current().context(block_id, radius)]
        except NotReady as e:
            return error_payload(str(e), 503)
        except (KeyError, ValueError):
            return error_payload(f"No block {block_id!r}; use a block_id from a search or ask result.", 404)

    limits: dict[str, Any] = {"concurrency_limit": ASSISTANT_CONCURRENCY, "concurrency_id": "assistant"}

    with gr.Blocks(title="Inspection report assistant", analytics_enabled=False) as demo:
        gr.Markdown("## Inspection report assistant\nAsk a question about the inspection reports, or search them.")
        status = gr.Markdown(slot.status(), elem_id="qa-status")
        with gr.Row():
            report = gr.Dropdown([("All reports", "")], value="", label="Report", scale=2)
            section = gr.Dropdown([("All sections", "")], value="", label="Section", scale=2)
            framework = gr.Dropdown([("All frameworks", "")], value="", label="Framework", scale=1)
            overall = gr.Dropdown([("Any overall judgement", "")], value="", label="Overall judgement", scale=1)
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row():
                    question = gr.Textbox(
                        label="Question",
                        placeholder="e.g. " + EXAMPLES[0],
                        lines=1,
                        max_length=settings.max_question_chars,
                        elem_id="qa-question",
                        scale=5,
                        autofocus=True,
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                gr.Examples(EXAMPLES, inputs=[question], label="Examples")
                answer_html = gr.HTML(elem_id="qa-answer", js_on_load=None)
                other_reports = gr.Radio([], label="Answer from another report", visible=False, elem_id="qa-other-reports")
                copy_box = gr.Textbox(
                    label="Answer with citation, as text",
                    lines=3,
                    interactive=False,
                    buttons=["copy"],
                    elem_id="qa-copy",
                )
                gr.Markdown("### Evidence")
                evidence_html = gr.HTML(elem_id="qa-evidence", js_on_load=None)
            with gr.Tab("Search passages", id="search"):
                with gr.Row():
                    query = gr.Textbox(label="Search", placeholder="e.g. early help", elem_id="qa-query", scale=5)
                    top_k = gr.Slider(1, 30, value=10, step=1, label="Passages", scale=1)
                    search_button = gr.Button("Search", variant="primary", scale=1, elem_id="qa-search")
                results_html = gr.HTML(elem_id="qa-results", js_on_load=None)
            with gr.Tab("Compare reports", id="compare"):
                with gr.Row():
                    topic = gr.Textbox(label="Topic", placeholder="e.g. IRO caseloads", elem_id="qa-topic", scale=5)
                    compare_button = gr.Button("Compare", variant="primary", scale=1, elem_id="qa-compare")
                compare_html = gr.HTML(elem_id="qa-compare-results", js_on_load=None)
            with gr.Tab("Reports", id="reports"):
                judgement_chart = gr.BarPlot(
                    x="year", y="reports", color="overall", label="Overall judgements by year", elem_id="qa-chart"
                )
                report_table = gr.Dataframe(
                    headers=REPORT_COLUMNS, interactive=False, label="Reports loaded", elem_id="qa-reports"
                )

        filters_in = [report, section, framework, overall]
        ask_io = dict(fn=on_ask, inputs=[question, *filters_in], outputs=[answer_html, evidence_html, copy_box, other_reports])
        question.submit(**ask_io, api_visibility="private", **limits)
        ask_button.click(**ask_io, api_visibility="private", **limits)
        search_io = dict(fn=on_search, inputs=[query, top_k, *filters_in], outputs=[results_html])
        query.submit(**search_io, api_visibility="private", **limits)
        search_button.click(**search_io, api_visibility="private", **limits)
        other_reports.input(
            on_other_report,
            inputs=[question, other_reports, section, framework, overall],
            outputs=[report, answer_html, evidence_html, copy_box, other_reports],
            api_visibility="private",
            **limits,
        )
        compare_io = dict(fn=on_compare, inputs=[topic, framework, overall], outputs=[compare_html])
        topic.submit(**compare_io, api_visibility="private", **limits)
        compare_button.click(**compare_io, api_visibility="private", **limits)

        timer = gr.Timer(1.0, active=slot.assistant is None)
        refresh_outputs = [status, report, section, framework, overall, report_table, judgement_chart, timer]
        refresh_io = dict(fn=on_refresh, inputs=[report], outputs=refresh_outputs)
        timer.tick(**refresh_io, api_visibility="private", queue=False)
        demo.load(**refresh_io, api_visibility="private", queue=False)
        report.change(on_report, inputs=[report], outputs=[section], api_visibility="private", queue=False)

        gr.api(ask, api_name="ask", **limits)
        gr.api(search, api_name="search", **limits)
        gr.api(context, api_name="context", **limits)
        gr.api(reports, api_name="reports", **limits)
        gr.api(compare, api_name="compare", **limits)

    demo.queue(default_concurrency_limit=ASSISTANT_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo


def launch(demo: gr.Blocks, settings: Settings, *, block: bool = True) -> None:
    """Serve on settings.host:port: no share link, no telemetry, login when both a username and a password are set."""
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=settings.auth,
        css=CSS,
        footer_links=["api"],
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        prevent_thread_lock=not block,
        show_error=False,
    )
