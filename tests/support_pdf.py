"""Small PDFs made by the tests themselves, so that bad input needs no third-party file or licence."""

from __future__ import annotations

import zlib

_PAGE = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
_FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing these lines in Helvetica, one under another."""
    shown = " ".join(f"({line}) '" for line in lines)
    stream = f"BT /F1 12 Tf 72 780 Td 16 TL {shown} ET"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _PAGE.encode(),
            _FONT.encode(),
            f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream".encode(),
        ]
    )


def many_pages_pdf(pages: int) -> bytes:
    """A PDF of `pages` pages that all show one short line: a few hundred bytes a page."""
    stream = "BT /F1 12 Tf 72 780 Td (Inspection of Anytown children's services) Tj ET"
    kids = " ".join(f"{6 + i} 0 R" for i in range(pages))
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
            b"<< >>",  # unused: the pages are objects 6 onwards
            _FONT.encode(),
            f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream".encode(),
            *[_PAGE.encode()] * pages,
        ]
    )


def inflating_pdf(inflated_mb: int) -> bytes:
    """A one-page PDF whose page content is a Flate stream of `inflated_mb` MB of spaces (about a
    thousandth of that on disk): a decompression bomb."""
    deflater, block, parts = zlib.compressobj(9), b" " * 2**20, []
    for _ in range(inflated_mb):
        parts.append(deflater.compress(block))
    parts.append(deflater.flush())
    stream = b"".join(parts)
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _PAGE.encode(),
            _FONT.encode(),
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
        ]
    )


def _pdf(objects: list[bytes]) -> bytes:
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
