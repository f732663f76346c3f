"""Chunks for retrieval: long blocks become overlapping windows in word pieces.

INTERFACE STUB: the ingestion work fills this in; the record and signature are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from .corpus import Block
from .records import to_dict

CHUNKER_VERSION = "1"


@dataclass(frozen=True)
class Chunk:
    id: str  # "<block_id>#w<window>"
    block_id: str
    doc_id: str
    paragraph: int | None
    section_path: str
    judgement: str | None
    kind: str
    text: str
    start: int  # half-open [start, end) into the block's text
    end: int
    window: int  # 0 for the first (or only) window

    def to_dict(self) -> dict:
        return to_dict(self)


def chunk_blocks(
    blocks: Sequence[Block],
    token_spans: Callable[[str], list[tuple[int, int]]],
    max_tokens: int = 128,
    overlap: int = 32,
) -> list[Chunk]:
    """Windows over every block; nothing is truncated: the windows cover every character.

    token_spans gives the [start, end) character offsets of each word piece (the embedding tokenizer's).
    """
    raise NotImplementedError
