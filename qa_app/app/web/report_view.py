"""The report view: a whole report as one HTML page in reading order, with a stable anchor for every
paragraph and page, so a citation can open the report at the paragraph it quotes.

Pure functions of the records; every piece of report text passes through html.escape, because reports
can contain markup.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from qa_app.app.web.labels import block_name, long_date
from qa_app.records import Block, Report

_HEADINGS = ("h3", "h4", "h5")  # section levels; deeper ones stay h5


def report_link(doc_id: str, paragraph: int | None = None, block_id: str = "") -> str:
    """The view's address, relative so that it works behind any host: "?report=<doc_id>&p=<n>" for a
    numbered paragraph, "?report=<doc_id>&b=<block_id>" for an unnumbered block (Statistics, a table)."""
    query: dict[str, object] = {"report": doc_id}
    if paragraph is not None:
        query["p"] = paragraph
    elif block_id:
        query["b"] = block_id
    return "?" + urlencode(query)


def render_pane(link: str) -> str:
    """The report view as a session holds it: an empty pane naming the report by its address, which the page
    fills from the server (assets.READER_SCRIPT), so no session keeps a whole report in its state."""
    return (
        f'<div class="qa-reader" role="region" tabindex="0" aria-label="Report text" data-src="{html.escape(link)}">'
        '<p class="qa-loading">Opening the report…</p></div>'
    )


def has_paragraph(report: Report, number: int) -> bool:
    """Whether the report has this numbered paragraph, so the caller can say when a focus was not found."""
    return any(b.number == number for b in report.paragraphs)


def missing_paragraph(report: Report, number: int) -> str:
    """Why an address's ¶ is not marked: "No ¶999 in this report; its paragraphs run 1–55."."""
    numbers = [b.number for b in report.paragraphs if b.number is not None]
    span = f"its paragraphs run {min(numbers)}–{max(numbers)}" if numbers else "its paragraphs are not numbered"
    return f"No ¶{number} in this report; {span}."


def is_pdf(report: Report) -> bool:
    return report.path.lower().endswith(".pdf")


def block_anchor(block: Block) -> str:
    """The element id of a block: "para-61" for a numbered paragraph, "block-b12" from the block id otherwise."""
    return f"para-{block.number}" if block.number is not None else _id_anchor(block)


def _id_anchor(block: Block) -> str:
    return "block-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in block.id.rsplit(":", 1)[-1])


def pdf_page_link(pdf_href: str, page: int, text: str, cls: str) -> str:
    """A link that opens the original PDF at a page, in a new tab."""
    href = html.escape(f"{pdf_href}#page={page}")
    return f'<a class="{cls}" href="{href}" target="_blank" rel="noopener">{html.escape(text)}</a>'


def render_report(report: Report, focus: int | None = None, pdf_href: str | None = None, focus_block: str = "") -> str:
    """The whole report in reading order: its facts and judgements, then every block under its section
    headings, with page markers; the focused paragraph (or unnumbered block, by id) is marked. A ¶ the
    report does not have is said above the facts, with the range its paragraphs run."""
    pdf_href = pdf_href if pdf_href and is_pdf(report) else None
    missing = focus is not None and not has_paragraph(report, focus)
    note = f'<p class="qa-missing" role="status">{html.escape(missing_paragraph(report, focus))}</p>' if missing else ""
    parts = [note, _facts(report), _judgements(report)]
    path: list[str] = []
    judgement: str | None = None
    page: int | None = None
    anchors: set[str] = set()
    focused = False
    for block in report.paragraphs:
        if block.page is not None and block.page != page:
            page = block.page
            parts.append(_page_marker(page, pdf_href))
        sections = [s.strip() for s in block.section_path.split(">") if s.strip()]
        graded = block.judgement if block.judgement != judgement else None
        headings = _headings(path, sections, graded)
        if graded and not headings:  # a new grade within a section still shows where it starts
            headings.append(f'<p class="qa-grade">{html.escape(graded)}</p>')
        parts.extend(headings)
        path, judgement = sections, block.judgement
        anchor = block_anchor(block)
        if anchor in anchors:  # a number the report repeats: the first keeps the paragraph's anchor
            anchor = _id_anchor(block)
        anchors.add(anchor)
        target = not focused and (
            (focus is not None and block.number == focus) or (bool(focus_block) and block.id == focus_block)
        )
        focused = focused or target
        parts.append(_block(block, anchor, target, pdf_href))
    title = html.escape(report.title)
    return (
        f'<article class="qa-report" aria-label="{title}" data-report="{html.escape(report.doc_id)}">{"".join(parts)}</article>'
    )


def _facts(report: Report) -> str:
    facts = [
        ("Authority", report.authority),
        ("Framework", report.framework),
        ("Inspection dates", report.inspection_dates),
        ("Published", long_date(report.published)),
        ("Lead inspector", report.lead_inspector),
        ("Pages", str(report.pages) if report.pages else None),
    ]
    rows = "".join(f"<dt>{name}</dt><dd>{html.escape(value)}</dd>" for name, value in facts if value)
    return f'<h2>{html.escape(report.title)}</h2><dl class="qa-report-facts">{rows}</dl>'


def _judgements(report: Report) -> str:
    grades = dict(report.judgements)
    if report.overall and not any(area.lower().startswith("overall") for area in grades):
        grades = {"Overall effectiveness": report.overall, **grades}
    if not grades:
        return ""
    rows = "".join(
        f'<tr><th scope="row">{html.escape(area)}</th><td>{html.escape(grade)}</td></tr>' for area, grade in grades.items()
    )
    return f'<table class="qa-judgements"><caption>Judgements</caption><tbody>{rows}</tbody></table>'


def _headings(previous: list[str], sections: list[str], judgement: str | None) -> list[str]:
    """Headings for the parts of the section path that changed; the deepest carries a new judgement."""
    same = 0
    while same < min(len(previous), len(sections)) and previous[same] == sections[same]:
        same += 1
    out = []
    for level in range(same, len(sections)):
        tag = _HEADINGS[min(level, len(_HEADINGS) - 1)]
        grade = ""
        if judgement and level == len(sections) - 1:
            grade = f' <span class="qa-grade">{html.escape(judgement)}</span>'
        out.append(f'<{tag} class="qa-section">{html.escape(sections[level])}{grade}</{tag}>')
    return out


def _page_marker(page: int, pdf_href: str | None) -> str:
    label = pdf_page_link(pdf_href, page, f"p. {page}", "qa-pdf") if pdf_href else f"p. {page}"
    return f'<div class="qa-page" id="page-{page}" data-page="{page}">{label}</div>'


def _block(block: Block, anchor: str, target: bool, pdf_href: str | None) -> str:
    number = f'<span class="qa-num">¶{block.number}</span> ' if block.number is not None else ""
    data = f' data-paragraph="{block.number}"' if block.number is not None else ""
    cls = f"qa-block qa-{html.escape(block.kind)}" + (" qa-target" if target else "")
    current = ' aria-current="true"' if target else ""
    pdf = ""
    if target and pdf_href and block.page is not None:
        pdf = " " + pdf_page_link(pdf_href, block.page, f"Open p. {block.page} in the PDF", "qa-pdf")
    return (
        f'<p id="{anchor}" class="{cls}"{data} data-block="{html.escape(block.id)}"{current}>'
        f"{number}{html.escape(block.text)}{pdf}</p>"
    )


def render_paragraph_card(report_label: str, block: Block, link: str) -> str:
    """The answer area's note of an opened paragraph: which one, its text, and a link to it in the report."""
    name = block_name(block.number, block.kind)
    page = f" (p. {block.page})" if block.page is not None else ""
    return (
        '<div class="qa-card qa-opened">'
        f'<p class="qa-message">Opened {html.escape(name)} of {html.escape(report_label)}{page}</p>'
        f'<p class="qa-sentence">{html.escape(block.text)}</p>'
        f'<a class="qa-open" href="{html.escape(link)}">Show {html.escape(name)} in the report</a></div>'
    )
