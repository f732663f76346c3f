"""The evidence collection: answers and passages a person pins while reading, kept with full citations and
exported as CSV (for a spreadsheet) or Markdown (for a briefing note).

Pure functions of immutable items: the page holds the tuple and calls these to change, show and export it.
Exports travel as data: links, so downloading needs no file on the server.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from urllib.parse import quote

from qa_app.app.web.labels import block_name, long_date, short_section
from qa_app.app.web.markdown_text import escape_markdown
from qa_app.app.web.report_view import report_link
from qa_app.assistant import authority_place
from qa_app.records import Citation, Hit, Report, ReportSummary, to_dict

CSV_COLUMNS = (
    "report",
    "authority",
    "published",
    "framework",
    "section",
    "judgement",
    "paragraph",
    "page",
    "quote",
    "question",
    "answer",
    "link",
)
# A cell starting with one of these is read as a formula by spreadsheets (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EMPTY = "Pin an answer or a passage to collect it here."
NOT_ANSWERED = "not answered"  # a pinned refusal's answer: its quote is only the closest passage


@dataclass(frozen=True)
class EvidenceItem:
    """One pinned piece of evidence: the quote and everything needed to cite it."""

    doc_id: str
    report: str  # the report's label ("Norfolk, 2023 inspection") or title
    authority: str | None
    published: str | None  # ISO date
    framework: str | None
    section: str  # the section path
    judgement: str | None
    paragraph: int | None
    page: int | None
    quote: str  # the supporting sentence, or the passage
    block_id: str
    link: str  # the report view at the paragraph
    kind: str = ""  # what an unnumbered block is, so it is cited by name ("Statistics")
    question: str | None = None  # set for a pinned answer
    answer: str | None = None

    def to_dict(self) -> dict:
        return to_dict(self)


def _report_name(report: Report | ReportSummary) -> str:
    return report.label if isinstance(report, ReportSummary) else report.title


def item_from_citation(
    citation: Citation, report: Report | ReportSummary, question: str | None = None, answer: str | None = None
) -> EvidenceItem:
    """A cited sentence; with the question and answer it supports, a pinned answer."""
    return _item(citation, report, citation.quote, question=question, answer=answer)


def item_from_hit(hit: Hit, report: Report | ReportSummary, quote_span: tuple[int, int] | None = None) -> EvidenceItem:
    """A passage: the quoted span of it, else its best window, else all of it."""
    if quote_span is not None:
        start, end = quote_span
    elif hit.window_end > hit.window_start:
        start, end = hit.window_start, hit.window_end
    else:
        start, end = 0, len(hit.text)
    return _item(hit, report, hit.text[start:end])


def _item(record: Citation | Hit, report: Report | ReportSummary, quote: str, **pinned: str | None) -> EvidenceItem:
    """Where a cited sentence or a passage is, from the record and its report's facts."""
    return EvidenceItem(
        doc_id=record.doc_id,
        report=_report_name(report),
        authority=report.authority or record.authority,
        published=report.published or record.published,
        framework=report.framework,
        section=record.section_path,
        judgement=record.judgement,
        paragraph=record.paragraph,
        page=record.page,
        quote=quote,
        block_id=record.block_id,
        link=report_link(record.doc_id, record.paragraph, record.block_id),
        kind=record.kind,
        **pinned,
    )


def add_item(items: tuple[EvidenceItem, ...], item: EvidenceItem) -> tuple[EvidenceItem, ...]:
    """The collection with the item at the end; pinning the same quote of the same block again changes nothing."""
    if any(i.block_id == item.block_id and i.quote == item.quote for i in items):
        return items
    return (*items, item)


def remove_item(items: tuple[EvidenceItem, ...], index: int) -> tuple[EvidenceItem, ...]:
    """The collection without the item at index; an index out of range (a stale click) removes nothing."""
    if not 0 <= index < len(items):
        return items
    return items[:index] + items[index + 1 :]


# ---------------------------------------------------------------- export


def _safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(items: tuple[EvidenceItem, ...], address: str = "") -> str:
    """The collection as CSV with a header row, each link absolute to the app's `address` when given (a
    file outside the page has no address to be relative to); no cell can run as a spreadsheet formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for i in items:
        row = (
            i.report,
            i.authority,
            i.published,
            i.framework,
            i.section,
            i.judgement,
            i.paragraph,
            i.page,
            i.quote,
            i.question,
            i.answer,
            address + i.link,
        )
        writer.writerow([_safe_cell(v) for v in row])
    return out.getvalue()


def citation_line(item: EvidenceItem) -> str:
    """ "Norfolk County Council, ILACS inspection published 13 January 2023, ¶61, p. 22, Children looked
    after (Requires improvement)": the item cited in full, for a briefing note."""
    framework = item.framework or ""
    inspection = framework if framework.endswith("inspection") else " ".join(p for p in (framework, "inspection") if p)
    if item.published:
        inspection += f" published {long_date(item.published)}"
    section = short_section(item.section)
    if item.judgement:
        section = f"{section} ({item.judgement})" if section else item.judgement
    parts = [
        item.authority or item.report,
        inspection,
        block_name(item.paragraph, item.kind),
        f"p. {item.page}" if item.page is not None else "",
        section,
    ]
    return ", ".join(p for p in parts if p)


def to_markdown(items: tuple[EvidenceItem, ...], address: str = "") -> str:
    """The collection as Markdown for a briefing note: each quote as a blockquote with its full citation and,
    with the app's `address`, its address in the report, as text. Every text is escaped, so markup or a link
    in a question or report is shown, never made live."""
    count = f"{len(items)} item" + ("" if len(items) == 1 else "s")
    lines = ["# Evidence", "", count]
    for item in items:
        lines.append("")
        if item.question:
            lines += [f"**Question:** {escape_markdown(item.question)}", ""]
        if item.answer:
            lines += [f"**Answer:** {escape_markdown(item.answer)}", ""]
        lines += [f"> {escape_markdown(line)}" if line else ">" for line in item.quote.splitlines() or [""]]
        link = f" {address}{item.link}" if address else ""  # as text: no Markdown link is ever made live
        lines += ["", f"— {escape_markdown(citation_line(item))}{link}"]
    return "\n".join(lines) + "\n"


def download_links(items: tuple[EvidenceItem, ...], address: str = "") -> str:
    """Links that download the collection as CSV and as Markdown, its links absolute to the app's `address`;
    "" for an empty collection."""
    if not items:
        return ""
    csv_href = "data:text/csv;charset=utf-8," + quote(to_csv(items, address), safe="")
    md_href = "data:text/markdown;charset=utf-8," + quote(to_markdown(items, address), safe="")
    return (
        f'<a class="qa-download" download="evidence.csv" href="{csv_href}">Download CSV</a> '
        f'<a class="qa-download" download="evidence.md" href="{md_href}">Download Markdown</a>'
    )


# ---------------------------------------------------------------- page

_HEADER = ("Report", "Authority", "Date", "Section", "Judgement", "¶", "Page", "Quote", "Remove")


def render_collection(items: tuple[EvidenceItem, ...]) -> str:
    """The collection as a table, each ¶ a link to the report view and each row with a remove button."""
    if not items:
        return f'<div class="qa-collection"><p class="qa-message">{EMPTY}</p></div>'
    head = "".join(f'<th scope="col">{h}</th>' for h in _HEADER)
    rows = "".join(_row(index, item) for index, item in enumerate(items))
    return (
        f'<div class="qa-collection"><table class="qa-evidence"><caption>Evidence ({len(items)})</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def inspection_of(item: EvidenceItem) -> tuple[str, str]:
    """(authority, inspection) for the table: "Norfolk" and "2018 re-inspection", the report's label without
    the place the Authority column already names."""
    place = authority_place(item.authority) if item.authority else ""
    if place and item.report.startswith(f"{place}, "):
        return place, item.report[len(place) + 2 :]
    return place, item.report


def _row(index: int, item: EvidenceItem) -> str:
    name = html.escape(block_name(item.paragraph, item.kind))
    asked = f'<p class="qa-asked">{html.escape(item.question)}</p>' if item.question else ""
    authority, inspection = inspection_of(item)
    cells = [
        html.escape(inspection),
        html.escape(authority),
        html.escape(long_date(item.published)),
        html.escape(short_section(item.section)),
        html.escape(item.judgement or ""),
        f'<a class="qa-open" href="{html.escape(item.link)}">{name}</a>',
        "" if item.page is None else str(item.page),
        f"{asked}{html.escape(item.quote)}",
        f'<button type="button" class="qa-unpin" data-index="{index}" '
        f'aria-label="Remove item {index + 1} from the collection">Remove</button>',
    ]
    return f'<tr data-index="{index}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
