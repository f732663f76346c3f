"""One pass over a report's lines: each line opens a section or starts, or carries on, a draft block.

Kept apart from `structure.py` so that module holds only what turns drafts into cited `Block`s (numbering
checks, kinds, cross-references, pages); here is the state machine that follows headings, the contents
table, graded judgements and the page breaks that cut paragraphs in two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa_app.ingest.lines import (
    CONTENTS_TITLES,
    FOOTNOTE_MARK,
    GRADE_BY_KEY,
    PARAGRAPH_TAG,
    Line,
    clean,
    contents_table,
    grade_only,
    heading_key,
    is_separator_row,
    joined,
    stated_grade,
    table_cells,
    terminated,
)

# The parts of a judged area (SIF): "Summary", then "Inspection findings", under the area's graded heading.
AREA_PARTS = {"summary", "inspection findings"}
# Every template closes with this section, whichever part a contents table lists it under.
CLOSING_SECTION = "information about this inspection"


@dataclass
class Section:
    title: str
    rank: int  # smaller is higher: parts are 1
    structural: bool  # a markdown heading or a section the contents table lists (not a bold line)
    listed: bool
    judgement: str | None = None
    states_judgement: bool = False
    level: int = 0  # the markdown heading's level; 0 for a bold line


@dataclass
class Draft:
    kind: str  # title, numbered, paragraph, bullet, table, footnote
    text: str
    start: int
    end: int
    section: tuple[str, ...]
    judgement: str | None
    summary: bool  # in a summary section, or one that states a judgement
    number: int | None = None
    lines: list[Line] = field(default_factory=list)

    def extend(self, text: str, end: int, list_item: bool = False) -> None:
        text = clean(text)
        if text:
            self.text = joined(self.text, text) if list_item else f"{self.text} {text}"
        self.end = end


class DraftParser:
    """One pass over the lines; mutable state stays inside, parse_report is the pure interface."""

    def __init__(self, source: str, lines: list[Line]):
        self.source = source
        self.lines = lines
        self.listed = contents_table(lines)
        self.sections: list[Section] = []
        self.drafts: list[Draft] = []
        self.footnote_sections: dict[int, tuple[tuple[str, ...], str | None]] = {}
        self.title: str | None = None
        self.front: Draft | None = None  # the title page, while it may still grow
        self.in_contents = False
        self.open: Draft | None = None  # the paragraph a following line may continue
        self.bullet: Draft | None = None  # the list item sub-items attach to
        self.gap = False  # a blank line since `open` last grew
        self.page_break = False  # a rule or footnote since the last content
        self.last_indent = 0
        self.resumed = False  # a nested list carried on after a page break lost its indent

    def run(self) -> tuple[str | None, list[Draft]]:
        i = 0
        while i < len(self.lines):
            line = self.lines[i]
            if line.kind == "table":
                j = i
                while j < len(self.lines) and self.lines[j].kind == "table":
                    j += 1
                self._table(self.lines[i:j])
                i = j
                continue
            getattr(self, "_" + line.kind)(line)
            i += 1
        return self.title, self.drafts

    # -- state

    def _path(self) -> tuple[str, ...]:
        return tuple(s.title for s in self.sections)

    def _judgement(self) -> str | None:
        return next((s.judgement for s in reversed(self.sections) if s.judgement), None)

    def _new(self, kind: str, line: Line, text: str, number: int | None = None) -> Draft:
        self._note_footnotes(line)
        summary = any("summary" in s.title.lower() for s in self.sections) or bool(
            self.sections and self.sections[-1].states_judgement
        )
        draft = Draft(kind, clean(text), line.start, line.end, self._path(), self._judgement(), summary, number)
        draft.lines.append(line)
        self.drafts.append(draft)
        if kind != "footnote":
            self.page_break = False
            self.front = None
        return draft

    def _close(self) -> None:
        self.open = self.bullet = None
        self.front = None
        self.resumed = False

    def _note_footnotes(self, line: Line) -> None:
        for match in FOOTNOTE_MARK.finditer(self.source, line.start, line.end):
            self.footnote_sections.setdefault(int(match.group(1)), (self._path(), self._judgement()))

    # -- sections

    def _rank(self, title: str, markdown: bool, level: int) -> tuple[int, bool]:
        key = heading_key(title)
        if key == CLOSING_SECTION:
            return 1, True
        graded = [s for s in self.sections if s.judgement or s.states_judgement]
        if key in AREA_PARTS and graded:  # however the contents list it, an area's findings are the area's
            return graded[-1].rank + 1, False
        if self.listed:
            part = self.sections[0] if self.sections and self.sections[0].listed else None
            # A part's own "Executive summary" is its section, though the contents also list one at the top.
            if part and key in self.listed.get(heading_key(part.title), ()):
                return 2, True
            # Inside a part that is a markdown heading, only a heading as high opens the next part: some
            # contents tables bold a part's sections as if they were parts.
            if key in self.listed.get(None, ()) and not (part and part.level and (not markdown or level > part.level)):
                return 1, True
            peers = [s for s in self.sections if markdown and s.level == level]
            if peers:  # a heading the contents table left out is a sibling of the listed one at its level
                return peers[0].rank, False
            anchor = [s for s in self.sections if (s.listed if markdown else s.structural)]
            return (anchor[-1].rank + 1 if anchor else 1), False
        if markdown:
            return level, True
        anchor = [s for s in self.sections if s.structural]
        return (anchor[-1].rank + 1 if anchor else 1), False

    def _open_section(self, raw: str, markdown: bool, level: int = 0) -> None:
        title = clean(raw)
        if grade_only(title):  # "**Requires improvement to be good**" under a heading: that section's grade
            if self.sections:
                self.sections[-1].judgement = stated_grade(title)
                self.sections[-1].states_judgement = True  # what follows, up to the findings, summarises it
            return
        last = self.sections[-1] if self.sections else None
        if last and markdown and last.level == level and title[:1].islower() and re.search(r"(,| and| of)$", last.title):
            last.title = f"{last.title} {title}"  # "Leadership, management and" / grade box / "governance"
            return
        rank, listed = self._rank(title, markdown, level)
        while self.sections and self.sections[-1].rank >= rank:
            self.sections.pop()
        self.sections.append(Section(title, rank, markdown or listed, listed, level=level if markdown else 0))
        grade = stated_grade(title)
        if grade:
            self._state_grade(grade, title)

    def _state_grade(self, grade: str, title: str) -> None:
        # "The Local Safeguarding Children Board requires improvement" grades the part it names.
        key = heading_key(title)
        named = [s for s in self.sections[:-1] if key.startswith(_unbracketed(heading_key(s.title)))]
        (named[-1] if named else self.sections[-1]).judgement = grade
        self.sections[-1].states_judgement = True

    # -- line kinds

    def _blank(self, line: Line) -> None:
        self.gap = True

    def _rule(self, line: Line) -> None:
        self.page_break = True

    def _footnote(self, line: Line) -> None:
        if self.in_contents:
            return
        self._new("footnote", line, line.body, line.number)
        self.page_break = True

    def _heading(self, line: Line) -> None:
        key = heading_key(line.body)
        front, self.front = self.front, None
        self._close()
        self.in_contents = key in CONTENTS_TITLES and bool(self.listed)
        if self.in_contents:
            return
        if self.title is None and line.level == 1 and not self.drafts:
            self.title = clean(line.body)
            # Headings the contents table does not list, right under the title, are its subtitle.
            self.front = self._new("title", line, line.body) if self.listed else None
            return
        if front is not None and key not in self.listed.get(None, ()):
            front.extend(line.body, line.end, list_item=not front.text.endswith(" and"))
            self._note_footnotes(line)
            self.front = front
            return
        self._section_line(line, markdown=True)

    def _section_line(self, line: Line, markdown: bool) -> None:
        """A heading or bold line opens a section; one that states a grade in words is content too:
        it answers "how was X judged?"."""
        self._open_section(line.body, markdown, line.level)
        self._note_footnotes(line)
        if stated_grade(line.body) and heading_key(line.body) not in GRADE_BY_KEY:
            self._new("judgement", line, line.body)

    def _bold(self, line: Line) -> None:
        if ":" in clean(line.body).rstrip(":"):  # "**Inspection date: 1/06/2015**" is content
            self._text(line)
            return
        self._close()
        if not self.in_contents:
            self._section_line(line, markdown=False)

    def _numbered(self, line: Line) -> None:
        if self.in_contents:
            return
        self._close()
        self.open = self._new("numbered", line, line.body, line.number)
        self.gap = False

    def _bullet(self, line: Line) -> None:
        if self.in_contents:
            return
        text = clean(line.body)
        if self._continues(text, list_item=True):  # "- 58) in the number ...": a page-broken paragraph
            self._continue(line)
            return
        if line.indent == 0 and self.page_break and self.last_indent > 0:
            self.resumed = True
        if self.bullet is not None and (line.indent > 0 or self.resumed):  # sub-items, also across a page break
            self._grow(self.bullet, line, list_item=True)
            self.page_break = False
        else:
            self._close()
            self.bullet = self.open = self._new("bullet", line, line.body)
        self.last_indent = line.indent
        self.gap = False

    def _text(self, line: Line) -> None:
        if self.in_contents:
            return
        text = clean(line.body)
        if self.front is not None and len(text.split()) <= 3 and not terminated(text):
            self.front.extend(text, line.end)  # "and" between the title's headings
            return
        if self.gap and any(heading_key(text) in keys for keys in self.listed.values()):
            self._close()  # a heading the contents list, set in body type: "Recommendations"
            self._section_line(line, markdown=False)
            return
        last = self.drafts[-1] if self.drafts else None
        if last is not None and last.kind == "footnote" and not self.gap:
            last.extend(line.body, line.end)
        elif self._continues(text, list_item=False):
            self._continue(line)
        else:
            self._close()
            self.open = self._new("paragraph", line, line.body)
            self.gap = False

    def _continues(self, text: str, list_item: bool) -> bool:
        """Does this line carry on the open paragraph: a wrapped line, or the rest after a page break?"""
        draft = self.open
        if draft is None or not text:
            return False
        if not self.gap:
            return not list_item and draft.kind != "title"
        if terminated(draft.text) or draft.kind not in ("numbered", "paragraph", "bullet"):
            return False
        lower_start = not text[0].isupper()
        if list_item:
            return draft.kind == "numbered" and lower_start
        return lower_start or draft.kind == "numbered"

    def _continue(self, line: Line) -> None:
        assert self.open is not None
        self._grow(self.open, line)

    def _grow(self, draft: Draft, line: Line, list_item: bool = False) -> None:
        """Add a line to a draft it carries on: a wrapped line, the rest after a page break, a sub-item."""
        self._note_footnotes(line)
        draft.extend(line.body, line.end, list_item)
        draft.lines.append(line)
        self.gap = False

    def _table(self, rows: list[Line]) -> None:
        self._close()
        if self.in_contents:
            return
        header = table_cells(rows[0].body)
        has_header = len(rows) > 1 and is_separator_row(table_cells(rows[1].body))
        body = rows[2:] if has_header else rows
        if has_header and clean(header[0]) and any("<p>" in r.body.lower() for r in body):
            self._section_box(header, body)
            return
        cells = [clean(c) for c in header]
        if len(rows) == 1 and len(cells) == 2 and grade_only(cells[1]) and self._past_front():
            # "| The experiences and progress of children who need help and protection | Requires improvement |"
            # set as a box above the area's text: the area's heading and grade, level with the headings before it.
            level = next((s.level for s in reversed(self.sections) if s.level), 0)
            self._open_section(cells[0], markdown=bool(level), level=level)
            self.sections[-1].structural = True
            self.sections[-1].judgement = stated_grade(cells[1])
            self.sections[-1].states_judgement = True
        for row in rows:
            cells = [clean(c) for c in table_cells(row.body)]
            if is_separator_row(cells) or not any(cells):
                continue
            draft = self._new("table", row, "; ".join(c for c in cells if c))
            draft.judgement = GRADE_BY_KEY.get(heading_key(cells[-1]), draft.judgement)

    def _past_front(self) -> bool:
        """Whether the first numbered paragraph is behind: the judgement table on the first page is not."""
        return any(d.kind == "numbered" for d in self.drafts)

    def _section_box(self, header: list[str], rows: list[Line]) -> None:
        """A section held in a table: heading and grade in the header row, <p> paragraphs below."""
        self._open_section(header[0], markdown=False)
        self.sections[-1].structural = True
        grade = stated_grade(header[1]) if len(header) > 1 and clean(header[1]) else None
        if grade:
            self.sections[-1].judgement = grade
        for row in rows:
            for match in PARAGRAPH_TAG.finditer(self.source, row.start, row.end):
                inner = Line("text", match.start(1), match.end(1), match.group(1))
                if re.fullmatch(r"\s*(<b>.*</b>|\*\*.*\*\*)\s*", match.group(1), re.I | re.S):
                    self._open_section(match.group(1), markdown=False)
                elif clean(match.group(1)):
                    self._new("paragraph", inner, match.group(1))


def _unbracketed(key: str) -> str:
    """ "the local safeguarding children board (lscb)" -> "the local safeguarding children board"."""
    return re.sub(r"\s*\([^)]*\)", "", key)
