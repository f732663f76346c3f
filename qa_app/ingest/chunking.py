"""Chunks for retrieval: long blocks become overlapping windows in word pieces.

The embedding model reads at most 256 word pieces (and was trained on 128), so a long paragraph is
cut into windows of `max_tokens` pieces sharing `overlap` pieces. Windows start at a word, at a
sentence when one is near, so they read naturally; together they cover every character of the block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from qa_app.config import Settings
from qa_app.errors import QAError
from qa_app.records import Block, Chunk


class Tokenizer(Protocol):
    """What chunking needs of the embedder: its length limit and its word-piece offsets."""

    @property
    def max_tokens(self) -> int: ...

    def token_spans(self, text: str) -> list[tuple[int, int]]: ...


CHUNKER_VERSION = "1"

Spans = Sequence[tuple[int, int]]


def chunk_corpus(blocks: Sequence[Block], settings: Settings, embedder: Tokenizer) -> list[Chunk]:
    """The blocks cut by the settings' windows, refused when a window is longer than the model reads."""
    if settings.chunk_tokens > embedder.max_tokens:
        raise QAError(
            f"chunk_tokens is {settings.chunk_tokens} but the model reads at most {embedder.max_tokens} word "
            f"pieces, so windows would be cut; set QA_CHUNK_TOKENS to {embedder.max_tokens} or less."
        )
    return chunk_blocks(blocks, embedder.token_spans, settings.chunk_tokens, settings.chunk_overlap)


def chunk_blocks(
    blocks: Sequence[Block],
    token_spans: Callable[[str], list[tuple[int, int]]],
    max_tokens: int = 128,
    overlap: int = 32,
) -> list[Chunk]:
    """Windows over every block; nothing is truncated: the windows cover every character.

    token_spans gives the [start, end) character offsets of each word piece (the embedding tokenizer's).
    """
    if max_tokens < 1 or not 0 <= overlap < max_tokens:
        raise ValueError(f"chunk windows need max_tokens >= 1 and 0 <= overlap < max_tokens (got {max_tokens}, {overlap})")
    chunks: list[Chunk] = []
    for block in blocks:
        for window, (start, end) in enumerate(windows(block.text, token_spans(block.text), max_tokens, overlap)):
            chunks.append(
                Chunk(
                    id=f"{block.id}#w{window}",
                    block_id=block.id,
                    doc_id=block.doc_id,
                    paragraph=block.number,
                    section_path=block.section_path,
                    judgement=block.judgement,
                    kind=block.kind,
                    text=block.text[start:end],
                    start=start,
                    end=end,
                    window=window,
                )
            )
    return chunks


def windows(text: str, spans: Spans, max_tokens: int, overlap: int) -> list[tuple[int, int]]:
    """Character ranges of the windows over one text: one range when it fits, else overlapping ones."""
    if len(spans) <= max_tokens:
        return [(0, len(text))]
    ranges: list[tuple[int, int]] = []
    first = 0
    while True:
        last = first + max_tokens  # the window holds pieces [first, last)
        if last >= len(spans):
            ranges.append((spans[first][0] if ranges else 0, len(text)))
            return ranges
        # End on a whole word when the window holds more than one.
        last = next((k for k in range(last, first, -1) if _word_start(text, spans, k)), last)
        following = _next_start(text, spans, first, last, overlap)
        # Reach the next window's start, so the spaces between windows are covered too.
        ranges.append((spans[first][0] if ranges else 0, max(spans[last - 1][1], spans[following][0])))
        first = following


def _next_start(text: str, spans: Spans, first: int, last: int, overlap: int) -> int:
    """Where the next window starts: `overlap` pieces back from the end, moved to a sentence or word start."""
    target = max(first + 1, last - overlap)
    reach = max(1, overlap // 2)
    near = range(max(first + 1, target - reach), min(last - 1, target + reach) + 1)
    for test in (_sentence_start, _word_start):
        candidates = [k for k in near if test(text, spans, k)]
        if candidates:
            return min(candidates, key=lambda k: (abs(k - target), k))
    return min(target, last - 1) if last - 1 > first else last


def _word_start(text: str, spans: Spans, k: int) -> bool:
    return k == 0 or k >= len(spans) or spans[k][0] > spans[k - 1][1]


def _sentence_start(text: str, spans: Spans, k: int) -> bool:
    if not _word_start(text, spans, k) or k >= len(spans):
        return False
    before = text[max(0, spans[k][0] - 8) : spans[k][0]].rstrip()
    return before.endswith((".", "!", "?", ";", ":", ".)", ".'", ".’", '."'))
