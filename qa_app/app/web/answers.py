"""Answers as HTML and as text to copy: the answer card at each confidence level, the scope line above it,
and the card of a paragraph opened by number.

Pure functions of records; every piece of text passes through html.escape.
"""

from __future__ import annotations

import html

from qa_app.app.web.labels import CONFIDENCE_WORDS, SHOWN_CANDIDATES, label_of, not_sure
from qa_app.app.web.passages import highlight, open_link, render_notice
from qa_app.app.web.report_view import render_paragraph_card, report_link
from qa_app.records import Answer, Citation, Hit, Opening, Scope


def confidence_label(level: str | None) -> str:
    """The confidence level in words; a refusal has none."""
    return CONFIDENCE_WORDS.get(level or "", "")


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
    chips: dict[str, str] = {}
    for c in answer.citations:  # two sentences of one passage are one chip, never two that read the same
        chips.setdefault(label_of(c), _chip(c))
    return (
        f'<div class="qa-card qa-answered">{asked}<p class="qa-sentence">{answer_sentence_html(answer)}</p>'
        f"{badge}{''.join(chips.values())}</div>"
    )


def render_scope(scope: Scope | None, question: str = "") -> str:
    """ "Answering from: Norfolk, 2022 inspection", with a word on how it was chosen; "" for one report.
    A report chosen for this one question is a chip whose × asks the `question` again without it."""
    if scope is None or not scope.doc_ids:
        return ""
    if scope.source == "chosen":
        label = html.escape(scope.label)
        remove = (
            f'<button type="button" class="qa-unscope" data-question="{html.escape(question)}" '
            f'aria-label="Stop answering from {label}" title="Ask again without choosing the report">×</button>'
        )
        return f'<p class="qa-scope">Answering from <span class="qa-scope-chip">{label} {remove}</span></p>'
    how = {"best match": " (the report that supports it best)", "filters": " (the filters)"}.get(scope.source, "")
    missing = f" No report for {html.escape(' or '.join(scope.missing))} is loaded." if scope.missing else ""
    others = " Other reports can be chosen below." if scope.others else ""
    return f'<p class="qa-scope">Answering from: <strong>{html.escape(scope.label)}</strong>{how}.{missing}{others}</p>'


def evidence_order(answer: Answer) -> list[Hit]:
    """The answer's passages in the order of its citations (so chips and evidence agree), then the rest."""
    by_id = {h.block_id: h for h in answer.passages}
    cited = [by_id[c.block_id] for c in answer.citations if c.block_id in by_id]
    cited = list({h.block_id: h for h in cited}.values())
    seen = {h.block_id for h in cited}
    return cited + [h for h in answer.passages if h.block_id not in seen]


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


def render_opening(opening: Opening) -> str:
    """The answer card for "¶65 of the Norfolk report": the paragraph opened, or why it could not be."""
    if opening.block is None or opening.doc_id is None:
        return render_notice(opening.message)
    return render_paragraph_card(opening.label, opening.block, report_link(opening.doc_id, opening.paragraph))
