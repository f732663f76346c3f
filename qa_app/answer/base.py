"""The `Reader` protocol: what answers a question from the passages retrieval found.

`SentenceReader` (reader.py, the default) and `TransformersReader` (neural_reader.py) implement it;
`registry.READERS` picks one by `Settings.reader`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from qa_app.records import Answer, Hit
from qa_app.search.evidence import Evidence


class Reader(Protocol):
    def read(self, question: str, hits: Sequence[Hit], evidence: Evidence) -> Answer:
        """An answer quoted from `hits` (best first) with its citations and confidence level, or an
        abstention that still lists them; `evidence` holds the question's vector and each hit's sentences."""
        ...
