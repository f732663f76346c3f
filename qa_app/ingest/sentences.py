"""Sentence splitting: half-open character spans of the sentences in a passage.

pysbd (rule-based, the Golden Rules of sentence boundaries) is used because it already handles
abbreviations ("Mr.", "e.g.", "no. 5"), decimals ("110.6"), ranges ("2014–15") and quotes; we only
add line handling (bullets, table rows) and map its segments back to exact offsets ourselves,
since its own char_span can drift on repeated sentences.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A new line starts a new unit when it opens a list item, a table row or a heading,
# or when the line before it ends a sentence; otherwise it is a soft wrap.
_HARD_LINE_START = re.compile(r"\s*(?:[-*+•▪◦]\s|\d{1,3}[.)]\s|\||#)")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)\]]*\s*$")
_LIST_MARKER = re.compile(r"(?:[-*+•▪◦]|\d{1,3}[.)])\s+")


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Half-open spans [start, end) of the sentences of `text`, stripped of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    for start, end in _units(text):
        spans.extend(_split_unit(text, start, end))
    return spans


def _units(text: str) -> list[tuple[int, int]]:
    """Stretches of text that no sentence crosses: paragraphs, list items, table rows."""
    units: list[tuple[int, int]] = []
    start = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start, pos = pos, pos + len(line)
        if line_start == start:
            continue
        previous = text[start:line_start]
        if not line.strip() or not previous.strip() or _HARD_LINE_START.match(line) or _SENTENCE_END.search(previous):
            units.append((start, line_start))
            start = line_start
    units.append((start, len(text)))
    return units


def _split_unit(text: str, start: int, end: int) -> list[tuple[int, int]]:
    # Inside a unit a line break is a soft wrap; pysbd would split there, so it sees spaces
    # (same length, so offsets are unchanged).
    unit = re.sub(r"[\r\n]", " ", text[start:end])
    if not unit.strip():
        return []
    # Bullets are not part of the sentence a user would quote.
    lead = len(unit) - len(unit.lstrip())
    marker = _LIST_MARKER.match(unit, lead)
    if marker:
        lead = marker.end()
    spans: list[tuple[int, int]] = []
    cursor = lead
    for segment in _segmenter().segment(unit[lead:]):
        piece = segment.strip()
        if not piece:
            continue
        found = unit.find(piece, cursor)
        if found < 0:  # pysbd changed the text; fall back to one span for the rest
            break
        spans.append((start + found, start + found + len(piece)))
        cursor = found + len(piece)
    rest = unit[cursor:].strip()
    if rest:
        at = unit.find(rest, cursor)
        spans.append((start + at, start + at + len(rest)))
    return spans
