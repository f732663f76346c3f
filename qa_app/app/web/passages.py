"""Passages as HTML: search results, evidence and compare lists, each with where it is, its match strength,
a pin button and the paragraph in context.

Pure functions of records; every piece of text passes through html.escape, so a question or report that
contains markup is always shown as text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from qa_app.app.web.labels import block_name, short_section
from qa_app.app.web.redact import hide_paths
from qa_app.app.web.report_view import report_link
from qa_app.assistant import authority_place, matching_words
from qa_app.records import Block, Citation, Hit


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


def render_notice(message: str) -> str:
    """A plain message in place of an answer (empty question, index still building, ...); a file path in it
    is shown by name only."""
    return f'<div class="qa-card qa-notice"><p class="qa-message">{html.escape(hide_paths(message))}</p></div>'


def open_link(record: Citation | Hit, text: str, cls: str = "") -> str:
    """`text` (already HTML) as a link that opens the record's report at its paragraph: in place on the
    page by the page script, and as a plain link when copied or opened in a new tab."""
    href = html.escape(report_link(record.doc_id, record.paragraph, record.block_id))
    where = html.escape(f"Open {block_name(record.paragraph, record.kind)} in the report: {record.doc_id}")
    return f'<a class="{" ".join(["qa-open", cls]).strip()}" href="{href}" title="{where}">{text}</a>'


def report_of(hit: Hit | Citation) -> str:
    """ "Norfolk, 2022" for a passage among many reports, the authority named as its place in every report
    ("Norfolk", never "Norfolk County Council" beside it); "" when its report states no authority."""
    if not hit.authority:
        return ""
    place = authority_place(hit.authority)
    return f"{place}, {hit.published[:4]}" if hit.published else place


def citing_blocks(blocks: Iterable[Block], paragraph: int | None) -> list[Block]:
    """Blocks (usually recommendations) that refer to the numbered paragraph."""
    if paragraph is None:
        return []
    return [b for b in blocks if paragraph in b.cites]


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


# Match strength on the embedder's fixed cosine scale, calibrated on the gold sets (eval/*.jsonl, 156 passages
# that hold a gold answer's evidence, MiniLM): half of them are at 0.60 or more, nine in ten at 0.43 or more.
# Nonsense ("xylophone quantum") sits near 0.18. See docs/design.md, "Match strength".
STRONG_SIMILARITY = 0.60
GOOD_SIMILARITY = 0.43
STRENGTH_TIP = (
    "How close in meaning this passage is to your words, on a fixed scale: Strong is as close as half of the "
    "passages that answer our test questions, Good as close as nine in ten of them. It says nothing about "
    "whether the passage answers the question."
)


def match_strength(similarity: float | None) -> str:
    """How close a passage is in meaning, in words, from its absolute similarity (not its rank among the
    others, so a passage far in meaning is never Strong because the rest are further); a paragraph asked
    for by number has none and is an exact match."""
    if similarity is None:
        return "Exact match"
    if similarity >= STRONG_SIMILARITY:
        return "Strong match"
    return "Good match" if similarity >= GOOD_SIMILARITY else "Weak match"


def query_word_spans(text: str, query: str) -> list[tuple[int, int, str]]:
    """Every word of `text` that is one of the query's content words (by stem), to mark in a search result."""
    return [(start, end, "mark") for start, end in matching_words(text, query)]


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
    closeness = max(0.0, hit.similarity) if hit.similarity is not None else 1.0
    strength = (
        f'<span class="qa-strength" title="{html.escape(STRENGTH_TIP)}">{match_strength(hit.similarity)} '
        f'<meter min="0" max="1" low="{GOOD_SIMILARITY}" high="{STRONG_SIMILARITY}" optimum="1" value="{closeness:.2f}" '
        f'aria-label="Match strength {closeness:.2f}"></meter></span>'
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
    # A query's own content words are the words of it that match it: none, and there is nothing to mark.
    if query and matching_words(query, query) and not any(query_word_spans(h.text, query) for h in hits):
        notice = render_notice("No passage contains any of these words. The passages below are only the closest in meaning.")
    return notice + "".join(
        render_passage(h, quotes.get((h.doc_id, h.paragraph, h.text)), contexts.get(h.block_id, ""), query) for h in hits
    )
