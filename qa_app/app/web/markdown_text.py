"""Text for a Markdown file, shown as written: a question or report sentence that holds markup or a
link must stay text in a briefing note, never become a live image, script or `javascript:` link."""

from __future__ import annotations

import re

# Characters that start inline markup (emphasis, code, links, images, raw HTML, entities, tables, strikes).
_INLINE = re.compile(r"([\\`*_\[\]<>~|&!])")
# What starts a block at the beginning of a line: a heading, a list item, a quote, a setext underline.
_LINE_START = re.compile(r"^([ \t]*)(#|\+|-|=|(\d+)([.)]))", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """`text` with every Markdown and HTML markup character backslash-escaped, so it renders literally."""
    text = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_start, text)


def _escape_start(match: re.Match) -> str:
    indent, marker, digits, punct = match.groups()
    return f"{indent}{digits}\\{punct}" if digits else f"{indent}\\{marker}"
