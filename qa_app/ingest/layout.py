"""What a format reader hands the structure rules: classified lines over one text, and where its pages start.

Markdown is read as written; a PDF is rendered into the same kinds of line. Either way the structure rules
(numbered paragraphs, sections, judgements, page breaks) see one shape, so a new format is one new reader.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from qa_app.ingest.lines import Line, scan


@dataclass(frozen=True)
class Layout:
    text: str  # every Line's [start, end) is a span of this text
    lines: tuple[Line, ...]
    page_starts: tuple[int, ...] = ()  # offset in `text` where page 1, 2, ... starts; empty: no pages known

    def page(self, offset: int) -> int | None:
        """The page an offset of the text falls on, or None for a format without pages."""
        return bisect_right(self.page_starts, offset) or None if self.page_starts else None


def markdown_layout(source: str) -> Layout:
    """A markdown report's lines, as written; it has no pages."""
    return Layout(source, tuple(scan(source)))
