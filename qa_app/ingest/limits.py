"""What one report may cost to read: caps on pages, paragraphs and inflated PDF content, checked on the
raw bytes before the expensive parse, so a bomb is refused in milliseconds with one sentence."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from qa_app.config import Settings
from qa_app.errors import ReportError

_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_PIECE = 1 << 16  # compressed bytes fed at a time, and the most a decompressor may hand back at once


@dataclass(frozen=True)
class ParseLimits:
    """The caps of one report's parse (see README, Configuration)."""

    memory_mb: int
    timeout_s: float
    max_pages: int
    max_paragraphs: int
    max_inflated_mb: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseLimits:
        return cls(
            memory_mb=settings.parse_memory_mb,
            timeout_s=settings.parse_timeout_s,
            max_pages=settings.max_report_pages,
            max_paragraphs=settings.max_report_paragraphs,
            max_inflated_mb=settings.max_inflated_mb,
        )

    @property
    def max_inflated_bytes(self) -> int:
        return self.max_inflated_mb * 2**20


def inflated_size(data: bytes, cap: int) -> int:
    """The bytes a PDF's Flate streams inflate to, counted without holding them; stops once past `cap`.

    Every `stream` keyword is tried: a stream that is not Flate fails on its first bytes and counts nothing.
    """
    total = 0
    for match in _STREAM.finditer(data):
        inflater, at = zlib.decompressobj(), match.end()
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:  # input held back because the last output was capped
                    piece = inflater.unconsumed_tail
                elif at < len(data):
                    piece, at = data[at : at + _PIECE], at + _PIECE
                else:
                    break
                total += len(inflater.decompress(piece, _PIECE))
                if total > cap:
                    return total
        except zlib.error:
            continue
    return total


def check_pdf_bytes(data: bytes, path: Path, limits: ParseLimits) -> None:
    """Refuse a PDF whose compressed content inflates past the cap, before PDFium renders any of it."""
    if inflated_size(data, limits.max_inflated_bytes) > limits.max_inflated_bytes:
        raise ReportError(
            f"{path.name} holds more than {limits.max_inflated_mb} MB of compressed content, far more than an "
            "inspection report; check the file, or raise QA_MAX_INFLATED_MB."
        )


def check_pages(pages: int, path: Path, limits: ParseLimits) -> None:
    if pages > limits.max_pages:
        raise ReportError(
            f"{path.name} has {pages:,} pages, over the {limits.max_pages:,}-page limit for one report; "
            "check the file, or raise QA_MAX_REPORT_PAGES."
        )


def check_markdown_paragraphs(data: bytes, path: Path, limits: ParseLimits) -> None:
    """Count paragraphs (runs of non-blank lines) on the raw text, before the parser builds blocks of them."""
    paragraphs, after_blank = 0, True
    for line in data.splitlines():
        if line.strip():
            paragraphs += after_blank
            after_blank = False
        else:
            after_blank = True
    check_paragraphs(paragraphs, path, limits)


def check_paragraphs(paragraphs: int, path: Path, limits: ParseLimits) -> None:
    if paragraphs > limits.max_paragraphs:
        raise ReportError(
            f"{path.name} has over {limits.max_paragraphs:,} paragraphs, more than any inspection report; "
            "check the file, or raise QA_MAX_REPORT_PARAGRAPHS."
        )
