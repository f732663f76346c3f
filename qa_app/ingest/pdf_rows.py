"""A PDF page's characters grouped into visual lines (`Row`s of `Run`s), with their size, weight and
position: what `pdf.py` turns into report lines. Only pypdfium2 is spoken here."""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# Glyphs the templates start a list item with (Wingdings and Symbol bullets land in the private use area).
BULLETS = set("◼■▪●•◦–○") | {chr(c) for c in range(0xE000, 0xF900)}
_LIGATURES = str.maketrans({"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "\u00ad": "-"})


class Char(NamedTuple):  # a tuple, not a dataclass: a long report has 100,000 of them
    text: str
    x0: float
    x1: float
    base: float  # baseline height on the page (points from the bottom)
    size: float  # rounded to 0.1 pt
    index: int  # PDFium's character index, to ask for the font later


@dataclass(frozen=True)
class Run:
    """Part of a visual line between wide gaps: a table cell, or the whole line."""

    text: str  # superscript digits as <sup>n</sup>, as markdown writes footnote marks
    x0: float
    bold: bool
    words: tuple[tuple[float, str], ...]  # each word with where it starts: a table's columns are read from them


@dataclass(frozen=True)
class Row:
    """One visual line."""

    page: int
    base: float
    size: float  # the size most of its characters are set in
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return " ".join(r.text for r in self.runs)

    @property
    def x0(self) -> float:
        return self.runs[0].x0

    @property
    def bold(self) -> bool:
        return self.runs[0].bold


def page_rows(page: pdfium.PdfPage, number: int) -> list[Row]:
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
        chars.append(Char(chr(code), box.left, box.right, y.value, round(size, 1), i))
    rows = [_runs(handle, number, line) for line in _lines(chars)]
    return [r for r in rows if r.runs]


def _lines(chars: list[Char]) -> list[list[Char]]:
    """Characters on one baseline; a superscript joins the line it is raised above."""
    lines: list[list[Char]] = []
    for char in sorted(chars, key=lambda c: -c.base):
        if lines and abs(lines[-1][0].base - char.base) <= 1.5:
            lines[-1].append(char)
        else:
            lines.append([char])
    merged: list[list[Char]] = []
    for i, line in enumerate(lines):
        below = lines[i + 1] if i + 1 < len(lines) else None
        if below and _superscript_of(line, below):
            below.extend(line)
        else:
            merged.append(line)
    return merged


def _superscript_of(line: list[Char], below: list[Char]) -> bool:
    """Small characters raised a little above a line and within its width: "Board¹", "14ᵗʰ"."""
    size = max(c.size for c in below)
    return (
        max(c.size for c in line) < 0.8 * size
        and 0 < line[0].base - below[0].base <= 0.6 * size
        and min(c.x0 for c in line) >= min(c.x0 for c in below) - 2 * size
        and max(c.x1 for c in line) <= max(c.x1 for c in below) + 2 * size
    )


def _runs(textpage: pdfium_c.FPDF_TEXTPAGE, page: int, chars: list[Char]) -> Row:
    chars.sort(key=lambda c: c.x0)
    size = Counter(c.size for c in chars).most_common(1)[0][0]
    runs: list[Run] = []
    words: list[tuple[float, str]] = []
    word, start = "", chars[0]
    word_x = start.x0
    letter: Char | None = None  # weight is read from a letter: "2." may be set apart from a bold heading
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
    return Row(page, base, size, tuple(runs))


def _marker(word: str) -> bool:
    """A paragraph number or list bullet, which a tab sets apart from its text."""
    return bool(re.fullmatch(r"\d{1,3}\.", word)) or word in BULLETS


def _run(textpage: pdfium_c.FPDF_TEXTPAGE, words: list[tuple[float, str]], start: Char, letter: Char | None) -> Run:
    words = [(x, w.replace("</sup><sup>", "").translate(_LIGATURES)) for x, w in words if w]
    bold = _bold(textpage, (letter or start).index)
    return Run(" ".join(w for _, w in words), start.x0, bold, tuple(words))


def _bold(textpage: pdfium_c.FPDF_TEXTPAGE, index: int) -> bool:
    weight = pdfium_c.FPDFText_GetFontWeight(textpage, index)
    if weight >= 600:
        return True
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage, index, name, len(name), ctypes.byref(flags))
    return bool(re.search(rb"bold|black|heavy", name.value, re.I))
