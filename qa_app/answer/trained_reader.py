"""The trained reader: spans read by a fine-tuned model from the top passages, with a calibrated confidence.

Every window of every passage gets the best span and the no-answer ([CLS]) score on one log-probability
scale, and each passage offers its best span. How sure the reader is of each comes from a logistic model
over what the span model says (span and no-answer probability), what search said (the passage's score
and rank) and what the question asks (the type of answer, names and numbers the passage lacks, a premise
the report contradicts), fitted by `qa-app calibrate` on gold questions held out by report. The most
confident offer is the answer, shown inside its sentence, and its passage is the first citation: on
eval/multi.jsonl, choosing by that confidence rather than by span probability alone cited the right
passage for 0.641 instead of 0.610 of answerable questions (weights fitted on other reports).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa_app.answer.confidence import level_of, premise_contradicted, unseen_share
from qa_app.answer.neural_reader import best_window_span, sentence_around, whole_words
from qa_app.answer.reader import found, not_answered, paragraph_answer, paragraph_asked
from qa_app.answer.signals import missing_anchors
from qa_app.answer.span_model import SpanModel
from qa_app.ingest.sentences import split_sentences
from qa_app.ingest.structure import SECTION_SEPARATOR
from qa_app.query.answer_types import FIGURES, answer_type
from qa_app.records import Answer, Citation, Hit
from qa_app.search.evidence import Evidence

# Logistic weights over `span_signals` (bias first), fitted on every passage's offer, and the level
# thresholds, fitted on the answers they choose: `qa-app --reader trained calibrate eval/multi.jsonl`
# (337 questions, 30 reports), reported held out by report (README, Quality).
WEIGHTS = (-8.165, 1.262, 0.164, 7.161, -4.6, -2.18, 1.217, -0.955, -0.944)
THRESHOLDS = (0.815, 0.732, 0.015)  # high_at, medium_at, refuse_below
_NUMBERISH = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|half|quarter|third)\b",
    re.I,
)


@dataclass(frozen=True)
class Span:
    """A decoded span: character offsets into hits[hit].text with its log-probability and its window's no-answer."""

    hit: int
    start: int
    end: int
    score: float
    null_score: float


def span_signals(
    question: str, kind: str | None, span_text: str, best: Span, hit: Hit, rank: int, unseen: float
) -> tuple[float, ...]:
    """(span probability, span-over-null margin, retrieval score, rank, type missing, names and numbers missing,
    words no passage uses, premise contradicted): what the confidence is made of. `unseen` is the question's
    `unseen_share` of all the passages read, the same for every offer."""
    found = missing_anchors(question, hit.text)
    typed_missing = kind in FIGURES and not _NUMBERISH.search(span_text)
    return (
        math.exp(best.score),
        max(-10.0, min(10.0, best.score - best.null_score)),
        hit.score,
        rank / 5.0,
        1.0 if typed_missing else 0.0,
        min(1.0, len(found) / 2.0),
        unseen,
        premise_contradicted(question, hit.text, hit.judgement),
    )


class TrainedReader:
    """Implements the Reader call shape with a SpanModel (ONNX at question time)."""

    def __init__(
        self,
        model: SpanModel,
        weights: Sequence[float] = WEIGHTS,
        thresholds: tuple[float, float, float] = THRESHOLDS,
        max_answer_tokens: int = 30,
        max_citations: int = 5,
    ):
        self.model = model
        self.weights = tuple(weights)
        self.thresholds = thresholds
        self.max_answer_tokens = max_answer_tokens
        self.max_citations = max_citations

    def spans(self, question: str, passages: Sequence[str]) -> list[Span]:
        """The best span of every window of every passage, one per window."""
        texts = [(i, p) for i, p in enumerate(passages) if p.strip()]
        if not texts:
            return []
        windows = self.model.windows(question, [p for _, p in texts])
        start_logits, end_logits = self.model.logits(windows)
        padding = windows.mask == 0
        start_logits = np.where(padding, -np.inf, start_logits)
        end_logits = np.where(padding, -np.inf, end_logits)
        out = []
        for w in range(len(windows.ids)):
            found = best_window_span(start_logits[w], end_logits[w], windows.context[w], self.max_answer_tokens)
            if found is None:
                continue
            s, e, score, null = found
            owner, text = texts[windows.owner[w]]
            start, end = whole_words(text, windows.offsets[w][s][0], windows.offsets[w][e][1])
            out.append(Span(owner, start, end, score, null))
        return out

    def confidence_of(self, features: Sequence[float]) -> float:
        bias, *weights = self.weights
        z = bias + sum(w * f for w, f in zip(weights, features))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def read(self, question: str, hits: Sequence[Hit], evidence: Evidence | None = None) -> Answer:
        """The most confident span with its sentence and citations, or an abstention (with what the report does say
        when the question's premise is contradicted) that still cites the closest passages."""
        return self.read_with_signals(question, hits, evidence)[0]

    def read_with_signals(
        self, question: str, hits: Sequence[Hit], evidence: Evidence | None = None
    ) -> tuple[Answer, list[tuple[float, ...]] | None]:
        """`read`, with the signals of every passage's offer in citation order (the answer's first; None when
        no span was read), for calibration."""
        hits = tuple(hits)
        asked = paragraph_asked(question)
        wanted = next((h for h in hits if asked is not None and h.paragraph == asked), None)
        if wanted is not None:
            return paragraph_answer(question, wanted, hits), None
        offers = self.candidates(question, hits)
        if not offers:
            return not_answered(question, hits), None
        best, features, confidence = offers[0]
        hit = hits[best.hit]
        level = level_of(confidence, *self.thresholds)
        sentences = (lambda h: evidence.sentences(h)[0]) if evidence else (lambda h: split_sentences(h.text))
        signals = [f for _, f, _ in offers]
        if features[-1] >= 1.0:
            return self._contradicted(question, hits, hit, best, sentences, confidence), signals
        if level is None:
            citations = tuple(self._citation(hits[c.hit], c, sentences, answer=False) for c, _, _ in offers)
            return not_answered(question, hits, confidence, citations[: self.max_citations]), signals
        first = self._citation(hit, best, sentences, answer=True)
        others = tuple(self._citation(hits[c.hit], c, sentences, answer=False) for c, _, _ in offers[1:])
        citations = ((first,) + others)[: self.max_citations]
        return found(question, hit, hit.text[best.start : best.end], first.quote, confidence, citations, hits, level), signals

    def candidates(self, question: str, hits: Sequence[Hit]) -> list[tuple[Span, tuple[float, ...], float]]:
        """Each passage's best span with its signals and confidence, the most confident first."""
        per_hit: dict[int, Span] = {}
        for span in sorted(self.spans(question, [h.text for h in hits]), key=lambda c: -c.score):
            per_hit.setdefault(span.hit, span)
        kind, unseen = answer_type(question), unseen_share(question, [h.text for h in hits])
        offers = []
        for span in per_hit.values():
            hit = hits[span.hit]
            features = span_signals(question, kind, hit.text[span.start : span.end], span, hit, span.hit, unseen)
            offers.append((span, features, self.confidence_of(features)))
        return sorted(offers, key=lambda o: -o[2])

    def _contradicted(self, question, hits, hit: Hit, best: Span, sentences, confidence: float) -> Answer:
        """A why/how question whose premise the report denies: say what the report does judge, and cite it."""
        section = hit.section_path.split(SECTION_SEPARATOR)[-1] if hit.section_path else "this area"
        said = f"The report does not say that: it judges {section} {hit.judgement}." if hit.judgement else None
        citation = self._citation(hit, best, sentences, answer=False)
        answer = not_answered(question, hits, min(confidence, 0.5), (citation,))
        return answer if said is None else Answer(question, None, None, answer.confidence, False, said, (citation,), hits)

    def _citation(self, hit: Hit, span: Span, sentences, answer: bool) -> Citation:
        quote = sentence_around(sentences(hit), span.start, span.end)
        score = round(1.0 / (1.0 + math.exp(span.null_score - span.score)), 4)
        return Citation.of(hit, quote, (span.start, span.end) if answer else None, score)
