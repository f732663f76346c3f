"""What retrieval hands a reader: the passages found, best first, the question's vector, and the index's
sentences of each passage, so a reader needs nothing else of the index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qa_app.records import Hit, Scope
from qa_app.search.store.base import SentenceSpans

SentenceData = Callable[[Hit], tuple[SentenceSpans, np.ndarray]]


@dataclass(frozen=True)
class Evidence:
    hits: tuple[Hit, ...]
    question_vector: np.ndarray
    sentence_data: SentenceData  # a hit's sentence spans (half-open into its text) and their vectors
    scope: Scope | None = None  # the reports read, when retrieval narrowed a question to one

    def sentences(self, hit: Hit) -> tuple[SentenceSpans, np.ndarray]:
        return self.sentence_data(hit)
