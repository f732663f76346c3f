"""The web page and HTTP API: pure HTML rendering of records, and the Gradio app wired to an Assistant.

Everything shown on the page is built here as HTML from records, with every piece of text passed
through html.escape, so a question or report that contains markup is always shown as text.
"""

from __future__ import annotations

import os

# Before gradio is imported anywhere: it reads this at import time to decide on telemetry.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import html
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

# Handlers that take a gr.Request are found by their type hints, which must resolve in this module.
import gradio as gr

from qa_app.app import guard
from qa_app.app.access import caller_of, corpus_change_refusal, session_token, token_refusal
from qa_app.app.api_args import check_filters, check_radius, check_text
from qa_app.app.assets import CSS, HEAD
from qa_app.app.collection import (
    EvidenceItem,
    add_item,
    download_links,
    item_from_citation,
    item_from_hit,
    remove_item,
    render_collection,
)
from qa_app.app.redact import hide_paths
from qa_app.app.render import CONFIDENCE_WORDS, SHOWN_CANDIDATES, block_name, label_of, not_sure, short_section
from qa_app.app.report_view import render_paragraph_card, render_report, report_link
from qa_app.app.upload_folder import discard, sweep
from qa_app.config import Settings
from qa_app.errors import InvalidQuestion, QAError
from qa_app.ingest.uploads import remove_report, store_uploads
from qa_app.records import Answer, Block, Citation, Hit, Opening, ReportSummary, Scope
from qa_app.search.index import skipped_note
from qa_app.search.words import content_stems, stem, words

if TYPE_CHECKING:  # the assistant pulls in torch; rendering must not need it
    from qa_app.assistant import Assistant

EXAMPLES = [
    "How many children were in care in Norfolk?",
    "Stoke-on-Trent 2015: what proportion of managers are not completing audits?",
    "What did inspectors say about Darlington's care leavers?",
    "Paragraph 65 of the Stoke-on-Trent 2015 report",
]




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


def open_link(record: Citation | Hit, text: str, cls: str = "") -> str:
    """`text` (already HTML) as a link that opens the record's report at its paragraph: in place on the
    page by the page script, and as a plain link when copied or opened in a new tab."""
    href = html.escape(report_link(record.doc_id, record.paragraph))
    where = html.escape(f"Open {block_name(record.paragraph, record.kind)} in the report: {record.doc_id}")
    return f'<a class="{" ".join(["qa-open", cls]).strip()}" href="{href}" title="{where}">{text}</a>'


def _chip(record: Citation | Hit) -> str:
    return open_link(record, html.escape(label_of(record)), "qa-chip")


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
        where = open_link(c, html.escape(f"{titles.get(c.doc_id, c.doc_id)} · {label_of(c)}"))
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
    return f'<div class="qa-card qa-notice"><p class="qa-message">{html.escape(hide_paths(message))}</p></div>'


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


def match_strength(score: float) -> str:
    """How well a passage matches, in words. Hybrid scores are a logistic of how far the passage stands
    out from the other candidates (in standard deviations), so 0.9 is about two deviations above them."""
    if score >= 0.9:
        return "Strong match"
    return "Good match" if score >= 0.75 else "Weak match"


def query_word_spans(text: str, query: str) -> list[tuple[int, int, str]]:
    """Every word of `text` that is one of the query's content words (by stem), to mark in a search result."""
    wanted = set(content_stems(query))
    return [(m.start(), m.end(), "mark") for m in words(text) if stem(m.group()) in wanted]


def pin_button(hit: Hit, quote: tuple[int, int]) -> str:
    """The button that pins this passage, with the sentence it quotes, to the collection."""
    what = html.escape(f"{block_name(hit.paragraph, hit.kind)} of {report_of(hit) or hit.doc_id}")
    value = html.escape(f"{hit.block_id}|{quote[0]}|{quote[1]}")
    return f'<button type="button" class="qa-pin" data-pin="{value}" aria-label="Pin {what} to the collection">Pin</button>'


def render_passage(hit: Hit, quote: tuple[int, int] | None = None, context_html: str = "", query: str = "") -> str:
    """One passage: where it is (a link to it in the report), the supporting sentence (or best window)
    marked, or with a `query` its words marked; how strong the match is; a pin button."""
    start, end = quote if quote else (hit.window_start, hit.window_end)
    number = html.escape(block_name(hit.paragraph, hit.kind))
    numbered_page = hit.paragraph is not None and hit.page is not None
    if numbered_page:
        number += f", p. {hit.page}"
    head = " · ".join(
        ([html.escape(report_of(hit))] if report_of(hit) else [])
        + [open_link(hit, f"<strong>{number}</strong>"), html.escape(hit.section_path)]
        + ([html.escape(hit.judgement)] if hit.judgement else [])
        + ([f"p. {hit.page}"] if hit.page is not None and not numbered_page else [])
    )
    marks = query_word_spans(hit.text, query) if query else [(start, end, "mark")]
    strength = (
        f'<span class="qa-strength">{match_strength(hit.score)} '
        f'<meter min="0" max="1" value="{hit.score:.2f}" aria-label="Match strength {hit.score:.2f}"></meter></span>'
    )
    details = ""
    if context_html:
        what = f"¶{hit.paragraph}" if hit.paragraph is not None else "this passage"
        details = f"<details><summary>Show {what} in context</summary>{context_html}</details>"
    return (
        f'<div class="qa-passage" data-block="{html.escape(hit.block_id)}">'
        f'<div class="qa-passage-head">{head}</div>'
        f"<div>{highlight(hit.text, marks)}</div>"
        f'<div class="qa-passage-tools">{strength}{pin_button(hit, (start, end))}</div>{details}</div>'
    )


def render_passages(
    hits: Sequence[Hit],
    citations: Sequence[Citation] = (),
    contexts: dict[str, str] | None = None,
    query: str = "",
) -> str:
    """The evidence list; a hit that a citation quotes has that sentence marked rather than its window,
    and search results (`query`) have the query's words marked. Says so when nothing matches."""
    if not hits:
        return render_notice("No passages matched. Try other words or clear the filters.")
    quotes = {(c.doc_id, c.paragraph, c.text): (c.quote_start, c.quote_end) for c in citations}
    contexts = contexts or {}
    notice = ""
    if query and content_stems(query) and not any(query_word_spans(h.text, query) for h in hits):
        notice = render_notice(
            "No passage contains any of these words. The passages below are only the closest in meaning."
        )
    return notice + "".join(
        render_passage(h, quotes.get((h.doc_id, h.paragraph, h.text)), contexts.get(h.block_id, ""), query)
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
        self.changing = False
        self.fraction = 0.0
        self.error: str | None = None

    def progress(self, message: str, fraction: float) -> None:
        with self._lock:
            self.message, self.fraction = message, fraction

    def ready(self, assistant: Assistant) -> None:
        with self._lock:
            self.assistant = assistant
            self.changing = False

    def change(self, message: str) -> None:
        """The reports are being changed; the current assistant answers until the new one is ready."""
        with self._lock:
            self.changing, self.message, self.fraction = True, message, 0.0

    def failed(self, message: str) -> None:
        with self._lock:
            self.error = message

    def status(self) -> str:
        """The status line; file paths in it are shown by name only, as any visitor sees it."""
        if self.assistant is not None:
            line = loaded_line(self.assistant.reports(), self.assistant.skipped, self.message if self.changing else "")
        elif self.error:
            line = f"The index could not be loaded: {self.error}"
        else:
            line = f"Building the index: {self.message} ({self.fraction:.0%}). Questions can be asked when it is ready."
        return hide_paths(line)


def loaded_line(reports: Sequence[ReportSummary], skipped: dict[str, str], changing: str = "") -> str:
    """The status line: "2 reports · 412 paragraphs · ready", what was left out, and any change under way."""
    n = len(reports)
    paragraphs = sum(r.paragraphs for r in reports)
    line = f"{n} report{'s' if n != 1 else ''} · {paragraphs:,} paragraphs · {'updating: ' + changing if changing else 'ready'}"
    return f"{line}. {skipped_note(skipped)}".rstrip(". ") if skipped else line


def render_opening(opening: Opening) -> str:
    """The answer card for "¶65 of the Norfolk report": the paragraph opened, or why it could not be."""
    if opening.block is None or opening.doc_id is None:
        return render_notice(opening.message)
    return render_paragraph_card(opening.label, opening.block, report_link(opening.doc_id, opening.paragraph))


class NotReady(QAError):
    """The index is still being built (or failed to load)."""


# ---------------------------------------------------------------- the Gradio app

# Every call that runs the model shares one concurrency group: the work is CPU-bound numpy/torch on a
# small machine, so more than ASSISTANT_CONCURRENCY at once only makes each one slower.
ASSISTANT_CONCURRENCY = 2
QUEUE_MAX_SIZE = 32  # past this, callers are told the queue is full at once instead of waiting minutes
CONTEXT_RADIUS = 1
UPLOADS = "uploads"  # under the index folder: where the browser's files wait before they are checked
PENDING_UPLOAD_S = 15 * 60  # an upload this recent may await its Add click; older ones are swept after a change


def uploads_folder(settings: Settings) -> Path:
    return Path(settings.index_dir).resolve() / UPLOADS


def build_app(assistant: Assistant | AssistantSlot, settings: Settings | None = None) -> gr.Blocks:
    """The workbench (ask, search, compare, the report beside them, a collection of evidence, the report
    list with adding and removing reports) and the named API endpoints."""
    settings = settings or Settings.load()
    # Gradio keeps uploads (and its component cache) here; read as components are made, so set first.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(uploads_folder(settings)))
    sweep(uploads_folder(settings))  # nothing is being processed yet: what is there was abandoned
    slot = assistant if isinstance(assistant, AssistantSlot) else AssistantSlot(assistant)
    changing = threading.Lock()  # one corpus change at a time; questions go on meanwhile
    page_key = secrets.token_bytes(32)  # signs each session's secret for corpus changes; new at each start

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

    def reader(doc_id: str, paragraph: int | None = None):
        """The report view at a paragraph, and the report menu of the view showing that report."""
        report = current().report(doc_id)
        pane = f'<div class="qa-reader" role="region" tabindex="0" aria-label="Report text">{render_report(report, paragraph, pdf_href(report.path))}</div>'
        return gr.update(value=pane), gr.update(value=doc_id)

    def pdf_href(path: str) -> str | None:
        """Where the page serves the report's original PDF (the corpus folder is the only one it serves)."""
        return guard.REPORTS_ROUTE.lstrip("/") + quote(Path(path).name) if path.lower().endswith(".pdf") else None

    def menus(a: Assistant, reading: str | None = None) -> tuple:
        """Every menu and list that names the loaded reports, refreshed after the reports change; the
        report view's menu shows `reading` when given."""
        import pandas as pd

        reports = a.reports()
        docs = [(r.label, r.doc_id) for r in sorted(reports, key=lambda r: r.label)]
        frameworks = [("All frameworks", "")] + [(f, f) for f in sorted({r.framework for r in reports if r.framework})]
        grades = [("Any overall judgement", "")] + [(g, g) for g in sorted({r.overall for r in reports if r.overall})]
        return (
            slot.status(),
            gr.update(choices=[("All reports", ""), *docs]),
            gr.update(choices=section_choices(a, None), value=""),
            gr.update(choices=frameworks),
            gr.update(choices=grades),
            gr.update(value=pd.DataFrame(report_rows(reports), columns=REPORT_COLUMNS)),
            gr.update(value=pd.DataFrame(judgement_counts(reports), columns=["year", "framework", "overall", "reports"])),
            gr.update(choices=docs, value=reading) if reading else gr.update(choices=docs),
            gr.update(choices=docs, value=None),
        )

    # -- page handlers: return HTML; never raise for things a person can fix

    def on_ask(question: str, doc_id: str | None, section: str | None, framework: str | None, overall: str | None, reading: str | None):
        hidden = gr.update(choices=[], value=None, visible=False)
        same = gr.update()
        if not (question or "").strip():
            notice = render_notice("Type a question first, for example: " + EXAMPLES[0])
            return notice, "", "", hidden, same, same, {}, None
        try:
            a = current()
            filters = make_filters(doc_id, section, framework, overall)
            opening = a.open_paragraph(question, filters, reading or None)
            if opening is not None:
                view, menu = reader(opening.doc_id, opening.paragraph) if opening.block else (same, same)
                return render_opening(opening), "", "", hidden, view, menu, {}, None
            answer = a.ask(question, top_k=settings.top_k, filters=filters)
        except (QAError, ValueError) as e:  # ValueError: filters the menus made that the corpus cannot take
            return render_notice(str(e)), "", "", hidden, same, same, {}, None
        passages = evidence_order(answer)
        evidence = render_passages(passages, answer.citations, contexts_for(passages))
        titles = {h.doc_id: h.doc_title for h in answer.passages}
        others = answer.scope.others if answer.scope else ()
        labels = {r.doc_id: r.label for r in a.reports()}
        choices = gr.update(choices=[(labels.get(d, d), d) for d in others], value=None, visible=bool(others))
        card = render_scope(answer.scope) + render_answer(answer)
        shown = {h.block_id: h for h in passages}
        return card, evidence, copy_text(answer, titles), choices, same, same, shown, answer

    def on_other_report(question: str, doc_id: str | None, section: str | None, framework: str | None, overall: str | None, reading: str | None):
        """Answer the same question from another report the scope offered; that report becomes the filter."""
        if not doc_id:
            return (gr.update(),) * 9
        return (gr.update(value=doc_id), *on_ask(question, doc_id, section, framework, overall, reading))

    def on_compare(topic: str, framework: str | None, overall: str | None):
        if not (topic or "").strip():
            return render_notice("Type a topic to compare, for example: IRO caseloads"), {}
        try:
            hits = current().compare(topic, top_k=30, filters=make_filters(None, None, framework, overall))
        except (QAError, ValueError) as e:
            return render_notice(str(e)), {}
        return render_passages(hits, contexts=contexts_for(hits), query=topic), {h.block_id: h for h in hits}

    def on_search(query: str, top_k: float, doc_id: str | None, section: str | None, framework: str | None, overall: str | None):
        if not (query or "").strip():
            return render_notice("Type some words to search for, for example: early help"), {}
        try:
            a = current()
            filters = make_filters(doc_id, section, framework, overall)
            scope, _ = a.scope(query, filters)
            hits = a.search(query, top_k=int(top_k), filters=filters)
        except (QAError, ValueError) as e:
            return render_notice(str(e)), {}
        if scope is not None and not scope.doc_ids:
            missing = " or ".join(scope.missing)
            return render_notice(f"No report for {missing} is loaded." if missing else "No loaded report matches the filters."), {}
        return render_passages(hits, contexts=contexts_for(hits), query=(scope.query if scope else "") or query), {
            h.block_id: h for h in hits
        }

    def on_filters(mode: str, question: str, query: str, top_k: float, topic: str, doc_id, section, framework, overall, reading):
        """A filter changed: what was last asked, searched or compared is run again under the new filters."""
        same = gr.update()
        answer_outputs, search_outputs, compare_outputs = (same,) * 8, (same,) * 2, (same,) * 2
        if mode == "ask" and (question or "").strip():
            answer_outputs = on_ask(question, doc_id, section, framework, overall, reading)
        elif mode == "search" and (query or "").strip():
            search_outputs = on_search(query, top_k, doc_id, section, framework, overall)
        elif mode == "compare" and (topic or "").strip():
            compare_outputs = on_compare(topic, framework, overall)
        shown = next((o[-1] for o in (search_outputs, compare_outputs) if o[-1] is not same), answer_outputs[6])
        return (*answer_outputs[:6], *answer_outputs[7:], search_outputs[0], compare_outputs[0], shown)

    def on_open(search: str):
        """A chip, ¶ link or pasted address ("?report=<doc_id>&p=<n>"): the report view at that paragraph."""
        params = parse_qs(search.lstrip("?"))
        doc_id = (params.get("report") or [""])[0]
        number = (params.get("p") or [""])[0]
        try:
            paragraph = int(number) if number.strip().isdigit() else None
            return reader(doc_id, paragraph)
        except (NotReady, KeyError) as e:
            return gr.update(value=render_notice(str(e).strip("'\""))), gr.update()

    def on_read(doc_id: str | None):
        if not doc_id:
            return gr.update()
        try:
            return reader(doc_id)[0]
        except (NotReady, KeyError) as e:
            return gr.update(value=render_notice(str(e).strip("'\"")))

    def on_refresh(doc_id: str | None, request: gr.Request):
        """Status line, menus and report list once the assistant is ready (the timer stops then); an
        address naming a report ("?report=<doc_id>&p=<n>") opens it at that paragraph without a click."""
        if slot.assistant is None:
            waiting = gr.update()
            return slot.status(), *(waiting,) * 9, gr.Timer(active=slot.error is None)
        view, reading = gr.update(), None
        query = dict(request.query_params) if request is not None else {}
        if query.get("report"):
            view, opened = on_open(f"report={query['report']}&p={query.get('p', '')}")
            reading = opened.get("value")
        return *menus(slot.assistant, reading), view, gr.Timer(active=False)

    def on_report(doc_id: str | None):
        if slot.assistant is None:
            return gr.update()
        return gr.update(choices=section_choices(slot.assistant, doc_id), value="")

    # -- the collection: this session's pinned evidence

    def collected(items: tuple[EvidenceItem, ...]):
        return items, render_collection(items), download_links(items), gr.update(label=f"Collection ({len(items)})")

    def on_pin(value: str, items: tuple[EvidenceItem, ...], shown: dict[str, Hit]):
        block_id, _, span = (value or "").partition("|")
        hit = shown.get(block_id)
        if hit is None:
            gr.Warning("That passage is no longer on the page; search for it again to pin it.")
            return collected(items)
        start, _, end = span.partition("|")
        quote = (int(start), int(end)) if start.isdigit() and end.isdigit() else None
        gr.Info(f"Pinned {block_name(hit.paragraph, hit.kind)} of {report_of(hit) or hit.doc_id}.")
        return collected(add_item(items, item_from_hit(hit, current().report(hit.doc_id), quote)))

    def on_pin_answer(answer: Answer | None, items: tuple[EvidenceItem, ...]):
        if answer is None or not answer.citations:
            gr.Warning("Ask a question first; an answer with a citation can be pinned.")
            return collected(items)
        c = answer.citations[0]
        item = item_from_citation(c, current().report(c.doc_id), answer.question, answer.answer if answer.answered else None)
        gr.Info("Pinned the answer.")
        return collected(add_item(items, item))

    def on_unpin(value: str, items: tuple[EvidenceItem, ...]):
        return collected(remove_item(items, int(value)) if (value or "").isdigit() and int(value) < len(items) else items)

    # -- adding and removing reports

    def change_reports(change: Callable[[], str], request: gr.Request, token: str | None) -> Iterator[tuple]:
        """Apply a change to the corpus folder, then bring the index up to date (only what changed is
        embedded) while the current assistant keeps answering; yields progress for the page."""
        same = (gr.update(),) * 9
        refusal = change_refusal(request, token)
        if refusal:
            yield render_notice(refusal), *same
            return
        if not changing.acquire(blocking=False):
            yield render_notice("Another change to the reports is under way; try again when it has finished."), *same
            return
        try:
            a = current()
            message = change()
            slot.change("checking the reports")
            done: dict[str, object] = {}
            worker = threading.Thread(target=lambda: done.update(result=_reloaded(a, slot)), daemon=True)
            worker.start()
            while worker.is_alive():
                worker.join(0.5)
                yield render_notice(f"{message} Updating the index: {slot.message} ({slot.fraction:.0%})."), slot.status(), *same[1:]
            result = done.get("result")
            if isinstance(result, QAError):
                slot.ready(a)
                yield render_notice(shown_text(f"{message} The index could not be updated: {result}")), *menus(a)
                return
            slot.ready(result)  # type: ignore[arg-type]
            yield render_notice(shown_text(f"{message} The index is up to date.")), *menus(result)  # type: ignore[arg-type]
        except QAError as e:
            yield render_notice(shown_text(str(e))), *same
        finally:
            changing.release()
            sweep(uploads_folder(settings), pending_s=PENDING_UPLOAD_S)

    def change_refusal(request: gr.Request, token: str | None) -> str | None:
        """Why this request may not change the corpus: see access.corpus_change_refusal; from the page, it
        must also carry its session's secret."""
        client = getattr(request, "client", None)
        headers = getattr(request, "headers", None) or {}
        caller = caller_of(settings, headers, client.host if client else None, getattr(request, "username", None))
        return corpus_change_refusal(settings, caller) or token_refusal(page_key, getattr(request, "session_hash", None), token)

    def on_session(request: gr.Request) -> str:
        """This session's secret for corpus changes, into the page's hidden box."""
        return session_token(page_key, request.session_hash)

    def shown_text(text: str) -> str:
        return hide_paths(text, (settings.corpus_dir, settings.index_dir))

    def on_add(files: list[str] | None, token: str | None, request: gr.Request):
        if not files:
            yield render_notice("Choose one or more reports (PDF or Markdown) to add first."), *(gr.update(),) * 9
            return
        try:
            yield from _on_add(files, token, request)
        finally:
            discard(uploads_folder(settings), files)  # added or refused, the upload has served its purpose

    def _on_add(files: list[str], token: str | None, request: gr.Request):

        def add() -> str:
            uploads = []
            for f in files:
                path = Path(f)
                if path.stat().st_size > settings.max_upload_bytes:
                    raise QAError(f"{path.name} is over the {settings.max_upload_mb:g} MB limit for one report.")
                uploads.append((path.name, path.read_bytes()))
            outcomes = store_uploads(uploads, settings)
            if not any(o.doc_id for o in outcomes):
                raise QAError(" ".join(o.error or "" for o in outcomes) + " Nothing was added.")
            return " ".join(f"Added {o.doc_id}." if o.doc_id else (o.error or "") for o in outcomes)

        yield from change_reports(add, request, token)

    def on_remove(doc_id: str | None, token: str | None, request: gr.Request):
        if not doc_id:
            yield render_notice("Choose the report to remove first."), *(gr.update(),) * 9
            return

        def remove() -> str:
            moved = remove_report(settings.corpus_dir, settings.index_dir, doc_id)
            return f"Removed {doc_id}; its file was kept as {moved}."

        yield from change_reports(remove, request, token)

    # -- API endpoints: the records' JSON, or an error payload with an HTTP-style status

    def ask(question: str, top_k: int = 5, filters: dict | None = None) -> dict:
        """Answer a question from the reports. Returns Answer.to_dict(); on bad input {"error": ..., "status": 400}."""
        try:
            args = check_text("question", question), check_filters(filters)
            return current().ask(args[0], top_k=top_k, filters=args[1]).to_dict()
        except NotReady as e:
            return error_payload(str(e), 503)
        except (InvalidQuestion, ValueError, KeyError) as e:
            return error_payload(str(e), 400)

    def search(query: str, top_k: int = 10, filters: dict | None = None) -> list[dict] | dict:
        """Passages for a keyword or natural-language query: a list of Hit.to_dict(), best first."""
        try:
            args = check_text("query", query), check_filters(filters)
            return [h.to_dict() for h in current().search(args[0], top_k=top_k, filters=args[1])]
        except NotReady as e:
            return error_payload(str(e), 503)
        except (InvalidQuestion, ValueError, KeyError) as e:
            return error_payload(str(e), 400)

    def reports(filters: dict | None = None) -> list[dict] | dict:
        """Every report (or those the report-level filters select) with its facts: a list of ReportSummary.to_dict()."""
        try:
            return [r.to_dict() for r in current().reports(check_filters(filters))]
        except NotReady as e:
            return error_payload(str(e), 503)
        except (ValueError, KeyError) as e:
            return error_payload(str(e), 400)

    def compare(topic: str, top_k: int = 20, filters: dict | None = None) -> list[dict] | dict:
        """The best passage of each report on a topic, best first: a list of Hit.to_dict()."""
        try:
            args = check_text("topic", topic), check_filters(filters)
            return [h.to_dict() for h in current().compare(args[0], top_k=top_k, filters=args[1])]
        except NotReady as e:
            return error_payload(str(e), 503)
        except (InvalidQuestion, ValueError, KeyError) as e:
            return error_payload(str(e), 400)

    def context(block_id: str, radius: int = 1) -> list[dict] | dict:
        """A block (e.g. a hit's block_id) with its neighbours in reading order: a list of Block.to_dict()."""
        try:
            check_text("block_id", block_id), check_radius(radius)
        except ValueError as e:
            return error_payload(str(e), 400)
        try:
            return [b.to_dict() for b in current().context(block_id, radius)]
        except NotReady as e:
            return error_payload(str(e), 503)
        except (KeyError, ValueError):
            return error_payload(f"No block {block_id!r}; use a block_id from a search or ask result.", 404)

    def paragraph(text: str, filters: dict | None = None) -> dict:
        """Open a paragraph by number ("¶65 of the Norfolk report"): Opening.to_dict(), with block null and a
        message when it cannot be opened; {"error": ..., "status": 400} when the text asks for no paragraph."""
        try:
            opening = current().open_paragraph(check_text("text", text), check_filters(filters))
        except NotReady as e:
            return error_payload(str(e), 503)
        except ValueError as e:
            return error_payload(str(e), 400)
        if opening is None:
            return error_payload("Name a paragraph by number, e.g. “¶65 of the Norfolk report”.", 400)
        return opening.to_dict()

    limits: dict[str, Any] = {"concurrency_limit": ASSISTANT_CONCURRENCY, "concurrency_id": "assistant"}
    private: dict[str, Any] = {"api_visibility": "private"}

    with gr.Blocks(title="Inspection report assistant", analytics_enabled=False) as demo:
        gr.Markdown("## Inspection report assistant\nAsk a question about the inspection reports, search them, and read them.")
        status = gr.Markdown(slot.status(), elem_id="qa-status")
        with gr.Row():
            report = gr.Dropdown([("All reports", "")], value="", label="Report", scale=2, elem_id="qa-filter-report")
            section = gr.Dropdown([("All sections", "")], value="", label="Section", scale=2, elem_id="qa-filter-section")
            framework = gr.Dropdown([("All frameworks", "")], value="", label="Framework", scale=1, elem_id="qa-filter-framework")
            overall = gr.Dropdown([("Any overall judgement", "")], value="", label="Overall judgement", scale=1, elem_id="qa-filter-overall")
        mode = gr.State("")
        shown = gr.State({})  # block_id -> Hit of the passages on the page, which the pin buttons name
        last_answer = gr.State(None)
        pins = gr.State(())
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
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
                        examples = gr.Examples(EXAMPLES, inputs=[question], label="Examples (click one to ask it)")
                        answer_html = gr.HTML(elem_id="qa-answer")
                        other_reports = gr.Radio([], label="Answer from another report", visible=False, elem_id="qa-other-reports")
                        with gr.Row():
                            copy_box = gr.Textbox(
                                label="Answer with citation, as text",
                                lines=3,
                                interactive=False,
                                buttons=["copy"],
                                elem_id="qa-copy",
                                scale=5,
                            )
                            pin_answer = gr.Button("Pin this answer", elem_id="qa-pin-answer", scale=1)
                        gr.Markdown("### Evidence")
                        evidence_html = gr.HTML(elem_id="qa-evidence")
                    with gr.Tab("Search passages", id="search"):
                        with gr.Row():
                            query = gr.Textbox(label="Search", placeholder="e.g. early help", elem_id="qa-query", scale=5)
                            top_k = gr.Slider(1, 30, value=10, step=1, label="Passages", scale=1, elem_id="qa-top-k")
                            search_button = gr.Button("Search", variant="primary", scale=1, elem_id="qa-search")
                        results_html = gr.HTML(elem_id="qa-results")
                    with gr.Tab("Compare reports", id="compare"):
                        with gr.Row():
                            topic = gr.Textbox(label="Topic", placeholder="e.g. IRO caseloads", elem_id="qa-topic", scale=5)
                            compare_button = gr.Button("Compare", variant="primary", scale=1, elem_id="qa-compare")
                        compare_html = gr.HTML(elem_id="qa-compare-results")
                    with gr.Tab("Collection (0)", id="collection") as collection_tab:
                        collection_html = gr.HTML(render_collection(()), elem_id="qa-collection")
                        exports_html = gr.HTML(download_links(()), elem_id="qa-exports")
                    with gr.Tab("Reports", id="reports"):
                        judgement_chart = gr.BarPlot(
                            x="year", y="reports", color="overall", label="Overall judgements by year", elem_id="qa-chart"
                        )
                        report_table = gr.Dataframe(
                            headers=REPORT_COLUMNS, interactive=False, label="Reports loaded", elem_id="qa-reports"
                        )
                        with gr.Accordion("Add or remove reports", open=False, elem_id="qa-manage"):
                            uploads = gr.File(
                                label=f"Reports to add (PDF or Markdown, up to {settings.max_upload_mb:g} MB each)",
                                file_count="multiple",
                                file_types=[".pdf", ".md"],
                                elem_id="qa-upload",
                            )
                            add_button = gr.Button("Add these reports", variant="primary", elem_id="qa-add")
                            with gr.Row():
                                removable = gr.Dropdown([], label="Report to remove", elem_id="qa-removable", scale=3)
                                remove_button = gr.Button("Remove this report", variant="stop", elem_id="qa-remove", scale=1)
                            change_html = gr.HTML(elem_id="qa-change")
            with gr.Column(scale=2, min_width=360):
                reading = gr.Dropdown([], label="Report to read", elem_id="qa-reading")
                report_view = gr.HTML(
                    render_notice("Choose a report to read, or open a citation (¶) to read it at that paragraph."),
                    elem_id="qa-report",
                )
        # What the page script hands over when a rendered link or button is used (see assets.SCRIPT).
        hidden: dict[str, Any] = {"visible": "hidden", "elem_classes": ["qa-hidden-control"]}
        open_target = gr.Textbox(label="Open this address", elem_id="qa-open-target", **hidden)
        open_go = gr.Button("Open", elem_id="qa-open-go", **hidden)
        pin_target = gr.Textbox(label="Pin this passage", elem_id="qa-pin-target", **hidden)
        pin_go = gr.Button("Pin", elem_id="qa-pin-go", **hidden)
        unpin_target = gr.Textbox(label="Remove this item", elem_id="qa-unpin-target", **hidden)
        unpin_go = gr.Button("Remove", elem_id="qa-unpin-go", **hidden)
        change_token = gr.Textbox(label="Session secret", elem_id="qa-change-token", **hidden)

        filters_in = [report, section, framework, overall]
        answer_out = [answer_html, evidence_html, copy_box, other_reports, report_view, reading, shown, last_answer]
        ask_io = dict(fn=on_ask, inputs=[question, *filters_in, reading], outputs=answer_out, **private, **limits)
        for trigger in (question.submit, ask_button.click, examples.load_input_event.then):
            trigger(**ask_io).then(lambda: "ask", outputs=[mode], **private, queue=False)
        search_io = dict(fn=on_search, inputs=[query, top_k, *filters_in], outputs=[results_html, shown], **private, **limits)
        for trigger in (query.submit, search_button.click):
            trigger(**search_io).then(lambda: "search", outputs=[mode], **private, queue=False)
        other_reports.input(
            on_other_report,
            inputs=[question, other_reports, section, framework, overall, reading],
            outputs=[report, *answer_out],
            **private,
            **limits,
        )
        compare_io = dict(fn=on_compare, inputs=[topic, framework, overall], outputs=[compare_html, shown], **private, **limits)
        for trigger in (topic.submit, compare_button.click):
            trigger(**compare_io).then(lambda: "compare", outputs=[mode], **private, queue=False)
        filter_outputs = [*answer_out[:6], last_answer, results_html, compare_html, shown]
        for menu in filters_in:
            menu.input(
                on_filters,
                inputs=[mode, question, query, top_k, topic, *filters_in, reading],
                outputs=filter_outputs,
                **private,
                **limits,
            )

        open_go.click(on_open, inputs=[open_target], outputs=[report_view, reading], **private, **limits)
        reading.input(on_read, inputs=[reading], outputs=[report_view], **private, **limits)
        collection_out = [pins, collection_html, exports_html, collection_tab]
        pin_go.click(on_pin, inputs=[pin_target, pins, shown], outputs=collection_out, **private, queue=False)
        pin_answer.click(on_pin_answer, inputs=[last_answer, pins], outputs=collection_out, **private, queue=False)
        unpin_go.click(on_unpin, inputs=[unpin_target, pins], outputs=collection_out, **private, queue=False)

        menus_out = [status, report, section, framework, overall, report_table, judgement_chart, reading, removable]
        add_button.click(on_add, inputs=[uploads, change_token], outputs=[change_html, *menus_out], **private).then(
            lambda: None, outputs=[uploads], **private, queue=False
        )
        remove_button.click(on_remove, inputs=[removable, change_token], outputs=[change_html, *menus_out], **private)
        demo.load(on_session, outputs=[change_token], **private, queue=False)

        timer = gr.Timer(1.0, active=slot.assistant is None)
        refresh_io = dict(fn=on_refresh, inputs=[report], outputs=[*menus_out, report_view, timer], **private, queue=False)
        timer.tick(**refresh_io)
        demo.load(**refresh_io)
        report.change(on_report, inputs=[report], outputs=[section], **private, queue=False)

        gr.api(ask, api_name="ask", **limits)
        gr.api(search, api_name="search", **limits)
        gr.api(context, api_name="context", **limits)
        gr.api(reports, api_name="reports", **limits)
        gr.api(compare, api_name="compare", **limits)
        gr.api(paragraph, api_name="paragraph", **limits)

    demo.queue(default_concurrency_limit=ASSISTANT_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo


def _reloaded(assistant: Assistant, slot: AssistantSlot) -> Assistant | QAError:
    """The assistant over the corpus as it is now, or the error that stopped the update."""
    try:
        return assistant.reloaded(progress=slot.progress)
    except QAError as e:
        return e


def launch(demo: gr.Blocks, settings: Settings, *, block: bool = True) -> None:
    """Serve on settings.host:port behind the guard (see guard.py): no share link (nor its hint), no telemetry,
    login when both a username and a password are set; of files, only reports are served."""
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        quiet=True,
        auth=settings.auth,
        css=CSS,
        head=HEAD,
        footer_links=["api"],
        max_file_size=settings.max_upload_bytes,
        state_session_capacity=settings.state_session_capacity,
        app_kwargs={"lifespan": guard.lifespan(settings, uploads_folder(settings))},
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        prevent_thread_lock=not block,
        show_error=False,
    )
