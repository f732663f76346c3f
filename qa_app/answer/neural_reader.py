"""An optional extractive reader on any local AutoModelForQuestionAnswering (reader="transformers").

transformers v5 has no question-answering pipeline, so the windowing and span decoding live here:
question + passage are tokenised with only the passage truncated, long passages become overlapping
windows, and every window's start/end logits are log-softmaxed so that spans from different windows
and passages, and the no-answer ([CLS]) score, are compared on one scale.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qa_app.answer.confidence import level_of
from qa_app.answer.reader import found, not_answered
from qa_app.errors import QAError
from qa_app.ingest.sentences import split_sentences
from qa_app.records import Answer, Citation, ConfidenceLevel, Hit
from qa_app.search.evidence import Evidence

SentenceSpans = Callable[[Hit], Sequence[tuple[int, int]]]  # a hit's sentences as (start, end) in its text


@dataclass(frozen=True)
class SpanCandidate:
    """A decoded span: character offsets into hits[hit].text and its log-probability."""

    hit: int
    start: int
    end: int
    score: float  # log p(start) + log p(end) within its window
    null_score: float  # log p(no answer) of the same window


class TransformersReader:
    """Reads hits with a local QA model; the model is loaded on first use, not in the constructor."""

    def __init__(
        self,
        model_path: str,
        max_length: int = 384,
        stride: int = 128,
        max_answer_tokens: int = 30,
        device: str | None = None,
        no_answer_margin: float = 0.0,
        batch_size: int = 16,
        max_citations: int = 5,
    ):
        self.model_path = model_path
        self.max_length = max_length
        self.stride = stride  # tokens shared by consecutive windows of one passage
        self.max_answer_tokens = max_answer_tokens
        self.device = device
        self.no_answer_margin = no_answer_margin  # abstain when no-answer beats the best span by more
        self.batch_size = batch_size
        self.max_citations = max_citations
        self._tokenizer = None
        self._model = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ public

    def read(self, question: str, hits: Sequence[Hit], evidence: Evidence | None = None) -> Answer:
        """The best span over all windows of all hits, or an abstention when no-answer wins.

        `evidence` gives a hit's sentences as the index stored them; without it they are split here.
        """
        hits = tuple(hits)
        sentences = (lambda hit: evidence.sentences(hit)[0]) if evidence else (lambda hit: split_sentences(hit.text))
        candidates = self.spans(question, hits)
        if not candidates:
            return not_answered(question, hits)
        best = max(candidates, key=lambda c: c.score)
        null = min(c.null_score for c in candidates)  # the window most sure it holds an answer
        confidence = 1.0 / (1.0 + math.exp(null - best.score))
        per_hit: dict[int, SpanCandidate] = {}
        for c in sorted(candidates, key=lambda c: -c.score):
            per_hit.setdefault(c.hit, c)
        ranked = list(per_hit.values())
        if null > best.score + self.no_answer_margin:
            citations = tuple(self._citation(hits[c.hit], c, sentences, answer=False) for c in ranked)
            return not_answered(question, hits, confidence, citations[: self.max_citations])
        first = self._citation(hits[best.hit], best, sentences, answer=True)
        others = tuple(self._citation(hits[c.hit], c, sentences, answer=False) for c in ranked if c.hit != best.hit)
        hit = hits[best.hit]
        citations = ((first,) + others)[: self.max_citations]
        # An answer is never drawn as a refusal; the levels' thresholds were measured on the sentence reader.
        level = level_of(confidence) or ConfidenceLevel.LOW
        return found(question, hit, hit.text[best.start : best.end], first.quote, confidence, citations, hits, level)

    def spans(self, question: str, hits: Sequence[Hit]) -> list[SpanCandidate]:
        """The best span of every window of every hit (one per window), on one log-probability scale."""
        texts = [h.text for h in hits if h.text.strip()]
        owners = [i for i, h in enumerate(hits) if h.text.strip()]
        if not texts:
            return []
        tokenizer, _ = self._load()
        encoding = tokenizer(
            [question] * len(texts),
            texts,
            truncation="only_second",
            max_length=self.max_length,
            stride=self.stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="np",
        )
        start_logits, end_logits = self._logits(encoding)
        padding = np.asarray(encoding["attention_mask"]) == 0
        start_logits = np.where(padding, -np.inf, start_logits)
        end_logits = np.where(padding, -np.inf, end_logits)
        out = []
        for w in range(len(encoding["input_ids"])):
            hit = owners[int(encoding["overflow_to_sample_mapping"][w])]
            context = np.array([s == 1 for s in encoding.sequence_ids(w)])
            found = best_window_span(start_logits[w], end_logits[w], context, self.max_answer_tokens)
            if found is None:
                continue
            s, e, score, null = found
            offsets = encoding["offset_mapping"][w]
            start, end = whole_words(hits[hit].text, int(offsets[s][0]), int(offsets[e][1]))
            out.append(SpanCandidate(hit, start, end, score, null))
        return out

    # ------------------------------------------------------------ model

    def _load(self):
        with self._lock:
            if self._model is None:
                try:
                    import torch
                    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

                    tokenizer = AutoTokenizer.from_pretrained(self.model_path)
                    model = AutoModelForQuestionAnswering.from_pretrained(self.model_path)
                except (OSError, ValueError) as exc:
                    raise QAError(
                        f"Cannot load a question-answering model from {self.model_path!r}; "
                        "set reader_model to a local AutoModelForQuestionAnswering folder."
                    ) from exc
                device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
                self._tokenizer, self._model = tokenizer, model.to(device).eval()
            return self._tokenizer, self._model

    def _logits(self, encoding) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits of every window, as float32 arrays [windows, tokens]."""
        import torch

        _, model = self._load()
        names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in encoding]
        device = next(model.parameters()).device
        starts, ends = [], []
        with torch.inference_mode():
            for i in range(0, len(encoding["input_ids"]), self.batch_size):
                batch = {n: torch.as_tensor(encoding[n][i : i + self.batch_size]).to(device) for n in names}
                output = model(**batch)
                starts.append(output.start_logits.float().cpu().numpy())
                ends.append(output.end_logits.float().cpu().numpy())
        return np.concatenate(starts), np.concatenate(ends)

    # ------------------------------------------------------------ citations

    def _citation(self, hit: Hit, span: SpanCandidate, sentences: SentenceSpans, answer: bool) -> Citation:
        quote = sentence_around(sentences(hit), span.start, span.end)
        score = round(1.0 / (1.0 + math.exp(span.null_score - span.score)), 4)
        return Citation.of(hit, quote, (span.start, span.end) if answer else None, score)


def best_window_span(
    start_logits: np.ndarray, end_logits: np.ndarray, context: np.ndarray, max_answer_tokens: int
) -> tuple[int, int, float, float] | None:
    """(start, end, score, null score) of the best context span of one window; tokens inclusive.

    Scores are log-softmax over the window's tokens, so windows and passages share one scale;
    the null score is that of the first token ([CLS]).
    """
    log_start = _log_softmax(start_logits.astype(np.float64))
    log_end = _log_softmax(end_logits.astype(np.float64))
    idx = np.flatnonzero(context)
    if idx.size == 0:
        return None
    pair = log_start[idx][:, None] + log_end[idx][None, :]
    gap = idx[None, :] - idx[:, None]
    pair[(gap < 0) | (gap >= max_answer_tokens)] = -np.inf
    s, e = np.unravel_index(int(np.argmax(pair)), pair.shape)
    return int(idx[s]), int(idx[e]), float(pair[s, e]), float(log_start[0] + log_end[0])


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to whole words: a span that begins or ends inside a word ("ildren") quotes nobody."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max()
    return x - np.log(np.exp(x).sum())


def sentence_around(sentences: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The sentence(s) that hold [start, end), as one span."""
    spans = [(s, e) for s, e in sentences if s < max(end, start + 1) and e > start]
    if not spans:
        return start, end
    return min(spans[0][0], start), max(spans[-1][1], end)
