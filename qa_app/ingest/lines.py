"""Report lines, whatever the format: the `Line` record that the markdown scanner (`scan`, here) and the
PDF reader both produce, and the text helpers the structure rules share (markup cleaned, headings compared).

The parser in `drafts.py` (whose drafts `structure.py` makes blocks) builds on these pieces; keeping them
here keeps the parser about structure (sections, paragraphs, page breaks) rather than any format's syntax.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")
# heading_key of a text that is exactly a grade ("**Requires improvement**") -> the grade.
GRADE_BY_KEY = {g.lower(): g for g in GRADES}


# ---------------------------------------------------------------- text

FOOTNOTE_MARK = re.compile(r"<sup>\s*(\d+)\s*</sup>", re.I)
_TAG = re.compile(r"</?(?:b|i|u|em|strong|p|br|span|sub)\b[^>]*>", re.I)
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)(.+?)(?<=\S)\1")
_CITE = re.compile(r"\bparagraphs?\s+(\d+(?:\s*(?:,|and|&|to|–|-)\s*\d+)*)", re.I)
_TERMINAL = re.compile(r"[.!?:;][)\]'\"’”]*$")


def clean(text: str) -> str:
    """Report text without markup: footnote markers, HTML tags, emphasis and link targets removed."""
    text = _LINK.sub(r"\1", _TAG.sub("", FOOTNOTE_MARK.sub("", text)))
    text = _EMPHASIS.sub(r"\2", text)
    return " ".join(html.unescape(text).split())


def cited_paragraphs(text: str) -> tuple[int, ...]:
    """Paragraph numbers a text refers to: "(paragraph 127)", "(paragraphs 18, 28, 130)", "paragraphs 3-5"."""
    numbers: list[int] = []
    for match in _CITE.finditer(text):
        parts = re.findall(r"\d+|to|–|-", match.group(1))
        for i, part in enumerate(parts):
            if not part.isdigit():
                continue
            if i >= 2 and parts[i - 1] in ("to", "–", "-") and int(parts[i - 2]) < int(part) <= int(parts[i - 2]) + 50:
                numbers.extend(range(int(parts[i - 2]) + 1, int(part) + 1))
            else:
                numbers.append(int(part))
    return tuple(dict.fromkeys(numbers))


def stated_grade(text: str) -> str | None:
    """The graded judgement a heading states: "... requires improvement", "... is that it is good", "...: good",
    "... is: inadequate", "Good"."""
    key = heading_key(text)
    if key in GRADE_BY_KEY:
        return GRADE_BY_KEY[key]
    if re.search(r"\brequires? improvement(?: to be good)?$", key):
        return "Requires improvement"
    match = re.search(r"(?:\b(?:is|are|be|was|were)\s*:?|:)\s*(outstanding|good|inadequate)$", key)
    return match.group(1).capitalize() if match else None


def grade_only(text: str) -> bool:
    """Whether a heading is nothing but a grade ("Requires improvement to be good"): the grade of the section above."""
    return bool(re.fullmatch(r"outstanding|good|inadequate|requires? improvement(?: to be good)?", heading_key(text)))


def heading_key(text: str) -> str:
    """Heading text for comparison: case, quotes, markup and trailing punctuation ignored."""
    text = clean(text).lower().translate(str.maketrans("‘’“”", "''\"\""))
    return text.rstrip(" .:")


def terminated(text: str) -> bool:
    """Whether a text ends a sentence; one that does not may continue after a page break."""
    return bool(_TERMINAL.search(text))


def joined(text: str, piece: str) -> str:
    """Sub-items read as a list: "; " after a piece that does not end a sentence."""
    return f"{text} {piece}" if terminated(text) else f"{text}; {piece}"


# ---------------------------------------------------------------- lines


_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*#*$")
_RULE = re.compile(r"(?:-{3,}|\*{3,}|_{3,})$")
_BOLD_LINE = re.compile(r"\*\*((?:(?!\*\*).)+)\*\*$")
_FOOTNOTE = re.compile(r"<sup>\s*(\d+)\s*</sup>\s*(\S.*)$", re.I)
_NUMBERED = re.compile(r"(?:[-*+]\s+)?(\d{1,4})\.\s+(\S.*)$")
_BULLET = re.compile(r"[-*+]\s+(\S.*)$")
_CELL_RULE = re.compile(r":?-+:?$")
PARAGRAPH_TAG = re.compile(r"<p>(.*?)</p>", re.I | re.S)
CONTENTS_TITLES = {"contents", "table of contents"}


@dataclass(frozen=True)
class Line:
    """One markdown line of a report, classified by how it starts."""

    kind: str  # blank, rule, heading, bold, table, footnote, numbered, bullet, text
    start: int  # the line's content (indent and trailing spaces excluded) is source[start:end]
    end: int
    body: str  # the content after its marker ("N. ", "- ", "## ", ...)
    indent: int = 0
    level: int = 0  # heading level
    number: int | None = None  # paragraph or footnote number
    hard_break: bool = False  # ends with two spaces: a markdown line break


def scan(source: str) -> list[Line]:
    """Every line of `source`, classified, with its content's character span in the source."""
    lines: list[Line] = []
    offset = 0
    for raw in source.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        content = line.lstrip(" \t\ufeff")
        start = offset + len(line) - len(content)
        stripped = content.rstrip()
        end = start + len(stripped)
        indent = len(line) - len(content)
        lines.append(_classify(stripped, start, end, indent, content.endswith("  ")))
        offset += len(raw)
    return lines


def _classify(text: str, start: int, end: int, indent: int, hard_break: bool) -> Line:
    if not text:
        return Line("blank", start, end, "")
    if _RULE.match(text):
        return Line("rule", start, end, "")
    if match := _HEADING.match(text):
        return Line("heading", start, end, match.group(2), level=len(match.group(1)))
    if text.startswith("|"):
        return Line("table", start, end, text)
    if match := _FOOTNOTE.match(text):
        return Line("footnote", start, end, match.group(2), number=int(match.group(1)))
    if match := _BOLD_LINE.match(text):
        return Line("bold", start, end, match.group(1))
    if match := _NUMBERED.match(text):
        return Line("numbered", start, end, match.group(2), indent, number=int(match.group(1)))
    if match := _BULLET.match(text):
        return Line("bullet", start, end, match.group(1), indent)
    return Line("text", start, end, text, indent, hard_break=hard_break)


def table_cells(row: str) -> list[str]:
    """The cells of one markdown table row, stripped."""
    return [c.strip() for c in row.strip().strip("|").split("|")]


def is_separator_row(cells: list[str]) -> bool:
    """Whether a table row is the `| --- |` line under a header."""
    return all(_CELL_RULE.match(c) for c in cells)


def contents_table(lines: list[Line]) -> dict[str | None, set[str]]:
    """The contents table: part key (None for top level) -> keys of the sections listed under it."""
    listed: dict[str | None, set[str]] = {}
    for i, line in enumerate(lines):
        if line.kind == "heading" and heading_key(line.body) in CONTENTS_TITLES:
            entries: list[tuple[str, bool]] = []
            for row in lines[i + 1 :]:
                if row.kind == "heading":
                    break
                if row.kind == "table" and not is_separator_row(cells := table_cells(row.body)) and cells[0]:
                    entries.append((heading_key(cells[0]), bool(re.match(r"(<b>|\*\*)", cells[0], re.I))))
                elif row.kind == "bullet":
                    entries.append((heading_key(row.body), row.indent == 0))
            nested = any(is_part for _, is_part in entries) and not all(is_part for _, is_part in entries)
            part = None
            for key, is_part in entries:
                if is_part and nested:
                    part = key
                    listed.setdefault(None, set()).add(key)
                else:
                    listed.setdefault(part, set()).add(key)
            return listed
    return listed
