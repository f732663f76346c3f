"""How a block is named in words: its ¶ or kind, a short section, a chip's label, a date, a confidence level.

Shared by the page, the evidence collection and the terminal, so a citation reads the same in each.
"""

from __future__ import annotations

from datetime import date

from qa_app.records import Citation, Hit

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


# What an unnumbered block is, in the words a citation names it by.
KIND_NAMES = {
    "statistic": "Statistics",
    "table": "Table",
    "summary": "Summary",
    "bullet": "Summary point",
    "footnote": "Footnote",
    "title": "Heading",
    "recommendation": "Recommendation",
    "finding": "Finding",
    "text": "Text",
}


def block_name(paragraph: int | None, kind: str = "") -> str:
    """ "¶65" for a numbered paragraph; what an unnumbered block is otherwise ("Statistics")."""
    if paragraph is not None:
        return f"¶{paragraph}"
    return KIND_NAMES.get(kind, kind.capitalize() or "Passage")


def citation_label(
    paragraph: int | None, section_path: str, judgement: str | None, kind: str = "", page: int | None = None
) -> str:
    """Plain text of a citation chip: "¶65, p. 23 · Children looked after · Requires improvement", or for an
    unnumbered block what it is and where: "Statistics · Children looked after in this area · p. 3"."""
    name = block_name(paragraph, kind)
    numbered = paragraph is not None and page is not None
    parts = [f"{name}, p. {page}" if numbered else name, short_section(section_path)]
    if judgement:
        parts.append(judgement)
    if page is not None and not numbered:
        parts.append(f"p. {page}")
    return " · ".join(p for p in parts if p)


def label_of(record: Citation | Hit) -> str:
    """`citation_label` of a citation or hit."""
    return citation_label(record.paragraph, record.section_path, record.judgement, record.kind, record.page)


def long_date(iso: str | None) -> str:
    """ "13 January 2023" for "2023-01-13", as reports write dates; text that is no ISO date as it is."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


SHOWN_CANDIDATES = 3  # candidate sentences shown instead of one answer below High
CONFIDENCE_WORDS = {"high": "High confidence", "medium": "Medium confidence", "low": "Low confidence"}


def not_sure(level: str) -> str:
    """What a person is told when the answer is not certain enough to state as one."""
    if level == "medium":
        return "the answer is probably in one of these sentences; check it before relying on it."
    return "the report may answer this in one of these sentences, but that is not sure."
