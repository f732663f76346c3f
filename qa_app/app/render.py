"""Plain-text rendering of hits and answers for the terminal and for copying."""

from __future__ import annotations

import textwrap

from qa_app.records import Answer, Citation, Hit

# Parts of a section path that say where in the template a passage sits, not what it is about.
GENERIC_SECTIONS = {
    "inspection findings",
    "findings",
    "summary",
    "executive summary",
    "overview",
    "introduction",
    "the local authority",
}
_SECTION_PREFIXES = ("the experiences and progress of ", "experiences and progress of ")
_SECTION_SUFFIXES = (" and achieving permanence",)


def short_section(section_path: str) -> str:
    """The most specific informative part of a section path, shortened for a chip."""
    parts = [p.strip() for p in section_path.split(">") if p.strip()]
    if not parts:
        return ""
    informative = [p for p in parts if p.lower() not in GENERIC_SECTIONS]
    name = (informative or parts)[-1]
    lower = name.lower()
    for prefix in _SECTION_PREFIXES:
        if lower.startswith(prefix):
            name = name[len(prefix) :]
            lower = name.lower()
    for suffix in _SECTION_SUFFIXES:
        if lower.endswith(suffix):
            name = name[: -len(suffix)]
    return name[:1].upper() + name[1:]


def citation_label(paragraph: int | None, section_path: str, judgement: str | None, page: int | None = None) -> str:
    """Plain text of a citation chip: "¶65 · Children looked after · Requires improvement", "¶61, p. 23 · ..."."""
    where = f"¶{paragraph}" if paragraph is not None else "¶–"
    parts = [f"{where}, p. {page}" if page is not None else where, short_section(section_path)]
    if judgement:
        parts.append(judgement)
    return " · ".join(p for p in parts if p)


def marked_sentence(citation: Citation, marker: str = "**") -> str:
    """The supporting sentence with the answer span wrapped in markers."""
    quote = citation.text[citation.quote_start : citation.quote_end]
    if citation.answer_start is None or citation.answer_end is None:
        return quote
    start = citation.answer_start - citation.quote_start
    end = citation.answer_end - citation.quote_start
    if not 0 <= start < end <= len(quote) or end - start == len(quote):
        return quote
    return f"{quote[:start]}{marker}{quote[start:end]}{marker}{quote[end:]}"


def format_hit(rank: int, hit: Hit) -> str:
    label = citation_label(hit.paragraph, hit.section_path, hit.judgement, hit.page)
    body = textwrap.fill(hit.text, width=100, initial_indent="    ", subsequent_indent="    ")
    return f"{rank:>2}. {label}  (score {hit.score:.3f}, {hit.doc_id})\n{body}"


def format_answer(answer: Answer) -> str:
    """Answer, the sentence with the answer marked, and the citations, as a person reads them."""
    lines: list[str] = []
    if answer.answered and answer.citations:
        first = answer.citations[0]
        if answer.answer and answer.answer != answer.sentence:
            lines.append(f"Answer: {answer.answer}")
        lines.append(textwrap.fill(marked_sentence(first), width=100))
        lines.append(f"Confidence: {answer.confidence:.2f}")
    else:
        lines.append(answer.message)
    if answer.citations:
        lines.append("")
        lines.append("Sources:" if answer.answered else "Closest passages:")
        for c in answer.citations:
            lines.append(f"  {citation_label(c.paragraph, c.section_path, c.judgement, c.page)}  ({c.doc_id})")
    return "\n".join(lines)
