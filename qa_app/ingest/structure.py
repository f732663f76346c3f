"""The structure rules every report format shares: lines -> blocks with paragraph number, section, judgement, page.

Inspectors cite reports by paragraph number, so parsing follows the report's own structure: its
headings, its contents table (which says how the sections nest), its graded judgements, and the
page breaks that cut paragraphs in two. Page furniture (rules, the publisher's address) is dropped.

The line-by-line pass that follows that structure is `drafts.py`; this module turns its drafts into
`Block`s: checks the numbering, names each block's kind, links citations, and places it on its page.
"""

from __future__ import annotations

from collections import Counter

from qa_app.errors import ReportError
from qa_app.ingest.drafts import Draft, DraftParser
from qa_app.ingest.layout import Layout, markdown_layout
from qa_app.ingest.lines import cited_paragraphs, heading_key
from qa_app.records import Block

SECTION_SEPARATOR = " > "

# Bump when parsing changes what blocks a report yields: indexes built before are then rebuilt.
PARSER_VERSION = "4"


def _address_block(draft: Draft) -> bool:
    """The publisher's address: short lines held together by markdown line breaks."""
    lines = draft.lines
    return len(lines) >= 3 and all(line.hard_break for line in lines[:-1]) and all(line.end - line.start <= 60 for line in lines)


def _kind(draft: Draft) -> str:
    """Bullets outside the summaries are the report's facts and figures: "statistic"; under "Recommendations"
    or ILACS's "What needs to improve" they are recommendations."""
    if draft.kind in ("title", "table", "footnote", "judgement"):
        return draft.kind
    recommends = any(heading_key(s).startswith(("recommendation", "what needs to improve")) for s in draft.section)
    if draft.kind == "numbered":
        return "recommendation" if recommends else "finding"
    if draft.kind == "bullet":
        return "recommendation" if recommends else "bullet" if draft.summary else "statistic"
    return "summary" if draft.summary else "text"


def parse_report(source: str | Layout, doc_id: str, name: str | None = None) -> tuple[str, tuple[Block, ...]]:
    """The report's title and its blocks in reading order; ReportError when it has no numbered paragraphs.

    `source` is markdown text, or the Layout a format reader rendered (which also knows the pages).
    """
    name = name or doc_id
    layout = markdown_layout(source) if isinstance(source, str) else source
    parser = DraftParser(layout.text, list(layout.lines))
    title, drafts = parser.run()
    title = title or doc_id
    drafts = [d for d in drafts if d.text and not _address_block(d)]
    numbers = Counter(d.number for d in drafts if d.kind == "numbered")
    if not numbers and layout.page_starts:  # a published PDF is numbered as it is; it is another kind of document
        raise ReportError(
            f"{name} is a PDF with no numbered paragraphs: not an Ofsted inspection report; add the inspection report's PDF."
        )
    if not numbers:
        raise ReportError(f'{name} has no numbered paragraphs ("1. text"); number the paragraphs so they can be cited.')
    twice = sorted(n for n, count in numbers.items() if count > 1)
    if twice:
        raise ReportError(f"{name} numbers paragraph {twice[0]} more than once; give each paragraph its own number.")
    cites = {id(d): cited_paragraphs(d.text) for d in drafts}
    cited_by: dict[int, list[int]] = {}
    for d in drafts:
        if d.kind == "numbered":
            for n in cites[id(d)]:
                cited_by.setdefault(n, []).append(d.number)  # type: ignore[arg-type]
    blocks: list[Block] = []
    ordinal = 0
    for d in drafts:
        if d.kind == "footnote":
            d.section, d.judgement = parser.footnote_sections.get(d.number or 0, (d.section, d.judgement))
        numbered = d.kind == "numbered"
        if not numbered:
            ordinal += 1
        blocks.append(
            Block(
                id=f"{doc_id}:p{d.number}" if numbered else f"{doc_id}:b{ordinal}",
                doc_id=doc_id,
                doc_title=title,
                number=d.number if numbered else None,
                section_path=SECTION_SEPARATOR.join(d.section),
                judgement=d.judgement,
                kind=_kind(d),
                text=d.text,
                start=d.start,
                end=d.end,
                cites=cites[id(d)],
                cited_by=tuple(sorted(set(cited_by.get(d.number, ())))) if numbered else (),  # type: ignore[arg-type]
                page=layout.page(d.start),
            )
        )
    return title, tuple(blocks)
