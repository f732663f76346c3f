"""PDF reports as Ofsted publishes them, rendered into the lines the structure rules read.

pypdfium2 gives every character with its box and font. Characters are grouped into visual lines by
baseline, lines into blocks by spacing and style, and each block becomes one `Line`: a heading (font size
and weight), a bold line, a numbered paragraph, a bullet, a table row (the judgement table), a footnote or
text. Page furniture (running headers, page numbers, the publisher's back page) is dropped and a rule
marks every page break, so a paragraph the break cuts is rejoined as in markdown.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from qa_app.errors import ReportError
from qa_app.ingest.layout import Layout
from qa_app.ingest.markdown import CONTENTS_TITLES, Line, heading_key, stated_grade, terminated

# Glyphs the templates start a list item with (Wingdings and Symbol bullets land in the private use area).
_BULLETS = set("◼■▪●•◦–○") | {chr(c) for c in range(0xE000, 0xF900)}
_LIGATURES = str.maketrans({"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "\u00ad": "-"})
_NUMBER = re.compile(r"(\d{1,3})\.(?!\d)\s*(\S.*)$")
_SUP = re.compile(r"<sup>(\d+)</sup>\s*")
_LABEL = re.compile(r"[^:]{1,40}:\s+\S")  # "Inspection dates: ...", "Lead inspector: ...": facts, not headings
# The publisher's small print, where it shares the last page with the report's end.
_PUBLISHER = re.compile(
    r"(Any complaints about the inspection|The Office for Standards in Education|Ofsted has a duty|"
    r"If you would like a copy of this document)"
)
_MARGIN = 72.0  # points (an inch) at the top and bottom of a page where running headers and page numbers sit


class _Char(NamedTuple):  # a tuple, not a dataclass: a long report has 100,000 of them
    text: str
    x0: float
    x1: float
    base: float  # baseline height on the page (points from the bottom)
    size: float  # rounded to 0.1 pt
    index: int  # PDFium's character index, to ask for the font later


@dataclass(frozen=True)
class _Run:
    """Part of a visual line between wide gaps: a table cell, or the whole line."""

    text: str  # superscript digits as <sup>n</sup>, as markdown writes footnote marks
    x0: float
    bold: bool
    words: tuple[tuple[float, str], ...]  # each word with where it starts: a table's columns are read from them


@dataclass(frozen=True)
class _Row:
    """One visual line."""

    page: int
    base: float
    size: float  # the size most of its characters are set in
    runs: tuple[_Run, ...]

    @property
    def text(self) -> str:
        return " ".join(r.text for r in self.runs)

    @property
    def x0(self) -> float:
        return self.runs[0].x0

    @property
    def bold(self) -> bool:
        return self.runs[0].bold


# ---------------------------------------------------------------- opening


def read_pdf(data: bytes, path: Path) -> Layout:
    """The report's lines; ReportError says why a file cannot be read as a PDF report."""
    document = _open(data, path)
    try:
        pages, heights = [], []
        for i in range(len(document)):
            page = document[i]
            pages.append(_page_rows(page, i + 1))
            heights.append(page.get_height())
    finally:
        document.close()
    if sum(len(r.text) for rows in pages for r in rows) < 200:
        raise ReportError(f"{path} has no text layer (a scanned image?); run it through OCR or get the published PDF.")
    return _render(pages, heights)


def _open(data: bytes, path: Path) -> pdfium.PdfDocument:
    if not data.strip():
        raise ReportError(f"{path} is empty; put the report's PDF in it or remove the file.")
    head = data[:1024].lstrip()
    if not head.startswith(b"%PDF"):
        raise ReportError(f"{path} is {_what_it_is(data)}, not a PDF, though it is named .pdf; {_what_to_do(data)}")
    if b"%%EOF" not in data[-2048:]:
        raise ReportError(f"{path} is truncated (no end-of-file marker); download the PDF again.")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise ReportError(f"{path} is password-protected; save an unprotected copy of the report.") from None
        raise ReportError(f"{path} is a damaged PDF ({error}); download it again.") from None


def _what_it_is(data: bytes) -> str:
    """What a file named .pdf holds instead, in words a person recognises."""
    head = data[:1024].lstrip()
    if re.match(rb"(?i)<(!doctype|html|head|\?xml)", head):
        return "an HTML page"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (a Word or other Office file is one)"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "an image"
    return "a text file" if _text(data) else "a file of another kind"


def _what_to_do(data: bytes) -> str:
    if _text(data) and not re.match(rb"(?i)\s*<", data):
        return "if it is a report written in Markdown, name it .md; otherwise upload the report's published PDF."
    return "download the report's PDF and upload that."


def _text(data: bytes) -> bool:
    try:
        return b"\x00" not in data and bool(data.decode("utf-8").strip())
    except UnicodeDecodeError:
        return False


# ---------------------------------------------------------------- characters -> visual lines


def _page_rows(page: pdfium.PdfPage, number: int) -> list[_Row]:
    """The page's visual lines, top to bottom."""
    textpage = page.get_textpage()
    handle = textpage.raw  # the raw handle: the wrapper object costs a lookup on every call below
    box, matrix = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()
    x, y = ctypes.c_double(), ctypes.c_double()
    unicode, loose_box, origin = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetCharOrigin
    font_size = pdfium_c.FPDFText_GetFontSize
    chars = []
    for i in range(pdfium_c.FPDFText_CountChars(handle)):
        code = unicode(handle, i)
        if code in (0x02, 0xFFFE) and chars:  # PDFium marks a hyphen that ends a line so
            chars[-1] = chars[-1]._replace(text=chars[-1].text + "-")
            continue
        if code <= 32 or 0xD800 <= code <= 0xDFFF or chr(code).isspace():
            continue  # spaces are read from the gaps between characters
        loose_box(handle, i, box)
        origin(handle, i, x, y)
        size = font_size(handle, i)
        if size < 2:  # a unit font scaled by the text matrix: the size a reader sees is the product
            pdfium_c.FPDFText_GetMatrix(handle, i, matrix)
            size *= abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        chars.append(_Char(chr(code), box.left, box.right, y.value, round(size, 1), i))
    rows = [_runs(handle, number, line) for line in _lines(chars)]
    return [r for r in rows if r.runs]


def _lines(chars: list[_Char]) -> list[list[_Char]]:
    """Characters on one baseline; a superscript joins the line it is raised above."""
    lines: list[list[_Char]] = []
    for char in sorted(chars, key=lambda c: -c.base):
        if lines and abs(lines[-1][0].base - char.base) <= 1.5:
            lines[-1].append(char)
        else:
            lines.append([char])
    merged: list[list[_Char]] = []
    for i, line in enumerate(lines):
        below = lines[i + 1] if i + 1 < len(lines) else None
        if below and _superscript_of(line, below):
            below.extend(line)
        else:
            merged.append(line)
    return merged


def _superscript_of(line: list[_Char], below: list[_Char]) -> bool:
    """Small characters raised a little above a line and within its width: "Board¹", "14ᵗʰ"."""
    size = max(c.size for c in below)
    return (
        max(c.size for c in line) < 0.8 * size
        and 0 < line[0].base - below[0].base <= 0.6 * size
        and min(c.x0 for c in line) >= min(c.x0 for c in below) - 2 * size
        and max(c.x1 for c in line) <= max(c.x1 for c in below) + 2 * size
    )


def _runs(textpage: pdfium_c.FPDF_TEXTPAGE, page: int, chars: list[_Char]) -> _Row:
    chars.sort(key=lambda c: c.x0)
    size = Counter(c.size for c in chars).most_common(1)[0][0]
    runs: list[_Run] = []
    words: list[tuple[float, str]] = []
    word, start = "", chars[0]
    word_x = start.x0
    letter: _Char | None = None  # weight is read from a letter: "2." may be set apart from a bold heading
    for prev, char in zip([None, *chars], chars):
        if prev is not None:
            gap = char.x0 - prev.x1
            if gap > 0.12 * size:
                words.append((word_x, word))
                word, word_x = "", char.x0
            if gap > 1.5 * size and not (len(words) == 1 and _marker(words[0][1])):
                runs.append(_run(textpage, words, start, letter))  # a wide gap parts cells; "12." set apart does not
                words, start, letter = [], char, None
        sup = char.text.isdigit() and char.size < 0.8 * size
        word += f"<sup>{char.text}</sup>" if sup else char.text
        if letter is None and char.text.isalpha():
            letter = char
    words.append((word_x, word))
    runs.append(_run(textpage, words, start, letter))
    base = next(c.base for c in chars if c.size == size)  # not a superscript's raised baseline
    return _Row(page, base, size, tuple(runs))


def _marker(word: str) -> bool:
    """A paragraph number or list bullet, which a tab sets apart from its text."""
    return bool(re.fullmatch(r"\d{1,3}\.", word)) or word in _BULLETS


def _run(textpage: pdfium_c.FPDF_TEXTPAGE, words: list[tuple[float, str]], start: _Char, letter: _Char | None) -> _Run:
    words = [(x, w.replace("</sup><sup>", "").translate(_LIGATURES)) for x, w in words if w]
    bold = _bold(textpage, (letter or start).index)
    return _Run(" ".join(w for _, w in words), start.x0, bold, tuple(words))


def _bold(textpage: pdfium_c.FPDF_TEXTPAGE, index: int) -> bool:
    weight = pdfium_c.FPDFText_GetFontWeight(textpage, index)
    if weight >= 600:
        return True
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage, index, name, len(name), ctypes.byref(flags))
    return bool(re.search(rb"bold|black|heavy", name.value, re.I))


# ---------------------------------------------------------------- furniture


def _furniture(pages: list[list[_Row]], heights: list[float]) -> set[tuple[int, float]]:
    """Running headers, footers and page numbers: text in the margins that is a number or repeats."""

    def key(row: _Row) -> str:
        return re.sub(r"\d+", "#", _SUP.sub("", row.text)).strip()

    margin = [
        (row, key(row))
        for rows, height in zip(pages, heights)
        for row in rows
        if row.base < _MARGIN or row.base > height - _MARGIN
    ]
    repeats = Counter(k for k in {(row.page, k) for row, k in margin})
    counts = Counter(k for _, k in repeats)
    often = max(2, 0.3 * len(pages))
    return {(row.page, row.base) for row, k in margin if re.fullmatch(r"[#\s]*", k) or counts[k] >= often}


def _back_page(rows: list[_Row], body: float) -> bool:
    """The publisher's page: small print only, with Ofsted's address or the copyright line."""
    return bool(rows) and _publisher_named(rows) and all(r.size < body - 0.5 for r in rows)


def _publisher_named(rows: list[_Row]) -> bool:
    text = " ".join(r.text for r in rows).lower()
    return any(words in text for words in ("crown copyright", "piccadilly gate", "enquiries@ofsted.gov.uk"))


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class _Style:
    """What the whole report's typesetting says: body text size, heading levels, where numbers hang."""

    body: float
    levels: dict[float, int]  # heading font size -> markdown heading level
    number_x: float | None  # where paragraph numbers start; a number further right starts a wrapped line


class _Writer:
    """Appends lines to the rendered text, keeping each Line's span and where each page starts."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.lines: list[Line] = []
        self.page_starts: list[int] = []

    def line(self, kind: str, body: str, marker: str = "", suffix: str = "", **fields) -> None:
        indent = fields.get("indent", 0)
        content = f"{marker}{body}{suffix}"
        start = self.offset + indent
        self.lines.append(Line(kind, start, start + len(content), body, **fields))
        self._write(" " * indent + content + "\n")

    def blank(self) -> None:
        self.lines.append(Line("blank", self.offset, self.offset, ""))
        self._write("\n")

    def page(self) -> None:
        if self.page_starts:
            self.line("rule", "", "---")
            self.blank()
        self.page_starts.append(self.offset)

    def _write(self, text: str) -> None:
        self.parts.append(text)
        self.offset += len(text)

    def layout(self) -> Layout:
        return Layout("".join(self.parts), tuple(self.lines), tuple(self.page_starts))


def _render(pages: list[list[_Row]], heights: list[float]) -> Layout:
    sizes = Counter()
    for rows in pages:
        for row in rows:
            sizes[row.size] += len(row.text)
    body = sizes.most_common(1)[0][0]
    furniture = _furniture(pages, heights)
    pages = [[r for r in rows if (r.page, r.base) not in furniture] for rows in pages]
    end = len(pages)  # the publisher's back pages are left empty, so that the pages keep their numbers
    while end and _back_page(pages[end - 1], body):
        end -= 1
    if end and _publisher_named(pages[end - 1]):
        last = pages[end - 1]
        pages[end - 1] = last[: next((i for i, r in enumerate(last) if _PUBLISHER.match(r.text)), len(last))]
    pages = pages[:end] + [[] for _ in pages[end:]]
    blocks = [_blocks(rows) for rows in pages]
    every = [b for page in blocks for b in page]
    numbers = Counter(round(b[0].x0) for b in every if _NUMBER.match(b[0].text) and len(b) > 1 and b[1].x0 > b[0].x0 + 12)
    style = _Style(body, _heading_levels(every, body), numbers.most_common(1)[0][0] if numbers else None)
    writer = _Writer()
    bullets = _BulletIndent()
    for page_blocks, rows in zip(blocks, pages):
        writer.page()
        if _contents_page(rows, body):
            _write_contents(writer, rows)
            continue
        for block in page_blocks:
            _write_block(writer, block, style, bullets)
    return writer.layout()


def _blocks(rows: list[_Row]) -> list[list[_Row]]:
    """Rows held together by line spacing and style: a paragraph, a heading, a table row, a footnote."""
    blocks: list[list[_Row]] = []
    for row in rows:
        if blocks and _same_block(blocks[-1], row):
            blocks[-1].append(row)
        else:
            blocks.append([row])
    return blocks


def _same_block(block: list[_Row], row: _Row) -> bool:
    prev, first = block[-1], block[0]
    if prev.base - row.base > 1.6 * max(prev.size, row.size):
        return False
    if _starts_item(row) or _footnote_start(row):
        return False
    beside = row.x0 > first.x0 + 100  # a table's right-hand cell, set beside the rows on the left
    if not beside and (abs(row.size - prev.size) > 0.6 or row.bold != first.bold):
        return False
    if _NUMBER.match(row.text) and row.x0 <= first.x0 + 5 and terminated(prev.text):
        return False
    return True


def _starts_item(row: _Row) -> bool:
    return row.text[:1] in _BULLETS


def _footnote_start(row: _Row) -> bool:
    return row.text.startswith("<sup>")


def _heading_levels(blocks: list[list[_Row]], body: float) -> dict[float, int]:
    """Heading sizes, largest first: the title size is level 1, the next ones 2, 3, ..."""
    sizes = sorted({b[0].size for b in blocks if _heading_style(b[0], body)}, reverse=True)
    levels = {s: 1 for s in sizes if s >= 1.6 * body}
    for s in sizes:
        levels.setdefault(s, len(set(levels.values()) | {1}) + 1)
    return levels


def _heading_style(row: _Row, body: float) -> bool:
    return (row.bold and row.size > body + 0.5) or row.size >= 1.6 * body


class _BulletIndent:
    """Whether a bullet is a sub-item: it sits to the right of the list's first bullet."""

    def __init__(self) -> None:
        self.x0: float | None = None

    def indent(self, x0: float) -> int:
        if self.x0 is None or x0 < self.x0 - 12:
            self.x0 = x0
        return 2 if x0 > self.x0 + 12 else 0

    def reset(self) -> None:
        self.x0 = None


def _write_block(writer: _Writer, block: list[_Row], style: _Style, bullets: _BulletIndent) -> None:
    first = block[0]
    body, levels = style.body, style.levels
    text = _joined(block)
    if _footnote_start(first) and first.size < body - 0.5:
        match = _SUP.match(text)
        assert match
        writer.line("footnote", text[match.end() :], f"<sup>{match.group(1)}</sup> ", number=int(match.group(1)))
    elif _table_block(block):
        _write_table(writer, block, style)
    elif first.bold and _LABEL.match(_SUP.sub("", text)):
        writer.line("bold", text, "**", "**")
    elif _heading_style(first, body):
        writer.line("heading", text, "#" * levels[first.size] + " ", level=levels[first.size])
    elif first.bold and all(r.bold for r in block):
        writer.line("bold", text, "**", "**")
    elif (number := _paragraph_number(block, text, style)) and not first.bold:
        writer.line("numbered", number[1], f"{number[0]}. ", number=number[0])
    elif _starts_item(first):
        item = text[1:].strip()
        indent = bullets.indent(first.x0)
        writer.line("bullet", item, "- ", indent=indent)
        writer.blank()
        return
    else:
        writer.line("text", text)
    if not _footnote_start(first):
        bullets.reset()
    writer.blank()


def _paragraph_number(block: list[_Row], text: str, style: _Style) -> tuple[int, str] | None:
    """ "12. text", or "12 text" where the layout shows the number hanging before the text (a missing dot).

    A number where the text column starts is a wrapped line that begins with one ("beyond / 18. There ...").
    """
    if style.number_x is not None and block[0].x0 > style.number_x + 20:
        return None
    if match := _NUMBER.match(text):
        return int(match.group(1)), match.group(2)
    words = block[0].runs[0].words
    hanging = len(block) > 1 and block[1].x0 > block[0].x0 + 12 and len(words) > 1 and words[1][0] > words[0][0] + 20
    if hanging and re.fullmatch(r"\d{1,3}", words[0][1]):
        return int(words[0][1]), text[len(words[0][1]) :].strip()
    return None


def _joined(rows: list[_Row]) -> str:
    """A block's lines as one text; a line that ends in a hyphen carries its word on."""
    text = ""
    for row in rows:
        piece = row.text
        text = f"{text}{piece}" if not text or text.endswith("-") else f"{text} {piece}"
    return text


def _table_block(block: list[_Row]) -> bool:
    left = min(r.x0 for r in block)
    return any(len(r.runs) > 1 or r.x0 > left + 150 for r in block)


def _write_table(writer: _Writer, block: list[_Row], style: _Style) -> None:
    """A row of the judgement table; a heading with its grade set beside it is a heading and a grade."""
    runs = [run for row in block for run in row.runs]
    starts: list[float] = []
    for x0 in sorted(r.x0 for r in runs):
        if not starts or x0 > starts[-1] + 25:
            starts.append(x0)
    # By word, not by run: a cell's text can run so close to the next cell that no wide gap parts them.
    words = [(x, w) for run in runs for x, w in run.words]
    cells = [" ".join(w for x, w in words if _column(x, starts) == i) for i in range(len(starts))]
    first = min(block, key=lambda r: r.x0)
    if len(cells) == 2 and cells[0].endswith(":"):  # "Lead inspector:" with the name set in a column
        writer.line("text", f"{cells[0]} {cells[1]}")
    elif _heading_style(first, style.body) and len(cells) == 2 and stated_grade(cells[1]):
        level = style.levels[first.size]
        writer.line("heading", cells[0], "#" * level + " ", level=level)
        writer.blank()
        writer.line("bold", cells[1], "**", "**")
    else:
        writer.line("table", "| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    writer.blank()


def _column(x0: float, starts: list[float]) -> int:
    return max((i for i, s in enumerate(starts) if x0 >= s - 2), default=0)


# ---------------------------------------------------------------- contents page


def _contents_page(rows: list[_Row], body: float) -> bool:
    return any(heading_key(r.text) in CONTENTS_TITLES and r.size > body for r in rows[:3])


def _write_contents(writer: _Writer, rows: list[_Row]) -> None:
    """The contents page as markdown writes it: a heading and one table row per entry, parts in bold."""
    pending: list[_Row] = []
    for row in rows:
        if heading_key(row.text) in CONTENTS_TITLES:
            writer.line("heading", row.text, "# ", level=1)
            writer.blank()
            continue
        pending.append(row)
        entry = re.fullmatch(r"(.*?)\s*(\d{1,3})", _joined(pending))
        if entry:
            title = f"<b>{entry.group(1)}</b>" if pending[0].bold else entry.group(1)
            writer.line("table", f"| {title} | {entry.group(2)} |")
            pending = []
    writer.blank()
