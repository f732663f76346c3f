"""The assistant: corpus + index + retrieval + reader behind one object with short verbs.

INTERFACE STUB (being implemented now): signatures are fixed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

from .config import Settings
from .corpus import Block, Report
from .hits import Answer, Hit

# filters: {"doc_id": str | list[str], "section": str (prefix of section_path),
#           "kind": str | list[str], "paragraph": int, "paragraph_range": [lo, hi] (inclusive)}
Filters = Mapping[str, object]


class Assistant:
    settings: Settings
    reports: list[Report]
    status: str  # one sentence on the index: built, loaded, or read-only (cannot rebuild)

    @classmethod
    def load(
        cls,
        settings: Settings | None = None,
        *,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        progress: Callable[[str, float], None] | None = None,
        **overrides: object,
    ) -> "Assistant":
        """Load the index (building or rebuilding it when missing, stale or damaged)."""
        raise NotImplementedError

    def search(self, query: str, top_k: int = 10, filters: Filters | None = None) -> list[Hit]:
        """Hybrid search; raises InvalidQuestion for empty or over-long queries."""
        raise NotImplementedError

    def ask(self, question: str, top_k: int = 5, filters: Filters | None = None) -> Answer:
        """An extractive answer with citations, or an abstention listing the closest passages."""
        raise NotImplementedError

    def block(self, block_id: str) -> Block:
        raise NotImplementedError

    def context(self, block_id: str, radius: int = 1) -> list[Block]:
        """The block with its neighbours in reading order (same report)."""
        raise NotImplementedError

    def sections(self, doc_id: str | None = None) -> list[str]:
        """Distinct section paths, in reading order, for filter menus."""
        raise NotImplementedError

    def documents(self) -> list[tuple[str, str]]:
        """(doc_id, title) of every report."""
        raise NotImplementedError
