"""The default reader: pick the report sentence that answers, then the shortest span inside it.

Offline and fast: sentence embeddings come precomputed from the index, so a read is a few dot
products, some stemming and regexes. Every answer is a verbatim slice of a passage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa_app.answer.confidence import HIGH_AT, MEDIUM_AT, REFUSE_BELOW, level_of, unseen_share
from qa_app.answer.signals import HOW_MANY, counts_what_is_asked, question_stems, reverses_what_is_asked, signals
from qa_app.answer.spans import best_span
from qa_app.query.answer_types import HEADLINE_KINDS, WHY_HOW, answer_type
from qa_app.query.paragraphs import paragraph_reference
from qa_app.records import Answer, Citation, ConfidenceLevel, Hit
from qa_app.search.evidence import Evidence
from qa_app.search.words import stem, words

NOT_ANSWERED = "The report does not appear to answer this question."


# Weights of the confidence model over `signals`: bias, then type_missing, anchors_missing,
# span_distance, count_mismatch, premise_contradicted, unseen, support, margin, retrieval: a logistic
# regression of whether the answer is right, fitted to the gold questions by `python -m qa_app calibrate`
# (README, Quality).
CONFIDENCE_WEIGHTS = (-8.97, -2.96, -2.34, 2.37, -0.50, -3.63, -0.53, 3.75, 4.26, 5.68, 0.11)
UNSEEN = 5  # position of `unseen` among the signals


@dataclass(frozen=True)
class _Scored:
    """One candidate sentence with its score parts (internal)."""

    hit: int  # index into hits
    sentence: int  # index into that hit's sentences
    start: int
    end: int
    score: float
    coverage: frozenset[str]  # question stems the sentence contains


class SentenceReader:
    """Scores every sentence of the hits against the question and answers from the best one."""

    def __init__(
        self,
        thresholds: tuple[float, float, float] = (HIGH_AT, MEDIUM_AT, REFUSE_BELOW),
        *,
        confidence_weights: Sequence[float] = CONFIDENCE_WEIGHTS,
        min_score: float = 0.45,
        similarity_weight: float = 1.0,
        overlap_weight: float = 0.6,
        retrieval_weight: float = 0.1,
        type_weight: float = 0.5,
        context_weight: float = 0.1,
        headline_weight: float = 0.15,
        unseen_refuse: float = 0.7,
        pair_margin: float = 0.08,
        confidence_slope: float = 6.0,
        confidence_midpoint: float = 0.6,
        max_citations: int = 5,
        common_words: frozenset[str] = frozenset(),
    ):
        # Confidence at which answers are shown as high and medium, and under which the reader refuses.
        self.thresholds = thresholds
        self.confidence_weights = tuple(confidence_weights)
        self.min_score = min_score  # a best sentence scoring under this is off topic, whatever the signals
        self.similarity_weight = similarity_weight
        self.overlap_weight = overlap_weight
        self.retrieval_weight = retrieval_weight
        self.type_weight = type_weight
        self.context_weight = context_weight
        self.headline_weight = headline_weight
        # Refuse when at least this share of the question's words is in no retrieved passage.
        self.unseen_refuse = unseen_refuse
        self.pair_margin = pair_margin  # a neighbour this close to the best sentence joins it (why/how)
        self.confidence_slope = confidence_slope
        self.confidence_midpoint = confidence_midpoint
        self.max_citations = max_citations
        self.common_words = common_words  # the corpus's ordinary words: no one's name (`vocabulary`)

    # ------------------------------------------------------------ public

    def read(self, question: str, hits: Sequence[Hit], evidence: Evidence) -> Answer:
        """An Answer from the best sentence of `hits`, or an abstention that still cites the closest ones;
        `evidence` gives the question's vector and each hit's sentences with theirs."""
        hits = tuple(hits)
        asked = paragraph_asked(question)
        wanted = next((h for h in hits if asked is not None and h.paragraph == asked), None)
        if wanted is not None:
            return paragraph_answer(question, wanted, hits)
        kind = answer_type(question)
        q_stems = question_stems(question)
        qv = np.asarray(evidence.question_vector, dtype=np.float32).ravel()
        scored: list[list[_Scored]] = []
        for rank, hit in enumerate(hits):
            spans, vectors = evidence.sentences(hit)
            scored.append(self._score_hit(question, kind, q_stems, qv, rank, hit, spans, vectors))

        best_per_hit = [max(s, key=lambda x: x.score) for s in scored if s]
        if not best_per_hit:
            return not_answered(question, hits)
        best_per_hit.sort(key=lambda x: -x.score)
        top = best_per_hit[0]
        hit = hits[top.hit]
        start, end = top.start, top.end
        if kind is None and WHY_HOW.match(question):
            start, end = self._with_neighbour(scored[top.hit], top)
        sentence = hit.text[start:end]
        span = best_span(question, sentence, kind, self.common_words)
        support = [round(self.confidence(s.score), 4) for s in best_per_hit[:2]]  # as the citations carry them
        features = signals(
            question, kind, sentence, hit.text, span, hit.judgement, [h.text for h in hits], support, hit.score, hit.kind
        )
        confidence = self.confidence_of(features)
        if top.score < self.min_score:  # nothing retrieved is about the question at all
            confidence = min(confidence, self.confidence(top.score))
        if features[UNSEEN] >= self.unseen_refuse:  # the question is about things no passage mentions
            confidence = 0.0
        level = level_of(confidence, *self.thresholds)

        if level is None:
            citations = tuple(self._citation(hits[s.hit], s.start, s.end, None, s.score) for s in best_per_hit)
            return not_answered(question, hits, confidence, citations[: self.max_citations])

        if span is None:  # explanations, yes/no, or no typed candidate: the sentence is the answer
            answer_start, answer_end = start, end
        else:
            answer_start, answer_end = start + span[0], start + span[1]
        first = self._citation(hit, start, end, (answer_start, answer_end), top.score)
        others = tuple(self._citation(hits[s.hit], s.start, s.end, None, s.score) for s in best_per_hit[1:])
        citations = ((first,) + others)[: self.max_citations]
        return found(question, hit, hit.text[answer_start:answer_end], sentence, confidence, citations, hits, level)

    def confidence_of(self, features: Sequence[float]) -> float:
        """Probability that the chosen sentence answers, from the abstention signals."""
        bias, *weights = self.confidence_weights
        z = bias + sum(w * f for w, f in zip(weights, features))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def score_cap(self, answer: Answer) -> float:
        """The ceiling `read` puts on confidence when even the best sentence is off topic, or the question is
        about things no passage mentions (1.0 otherwise)."""
        if unseen_share(answer.question, [h.text for h in answer.passages]) >= self.unseen_refuse:
            return 0.0
        first = answer.citations[0].score if answer.citations else 0.0
        return first if first < self.confidence(self.min_score) else 1.0

    def confidence(self, score: float) -> float:
        """Logistic map of the combined score: the same score means the same confidence for any question."""
        return 1.0 / (1.0 + math.exp(-self.confidence_slope * (score - self.confidence_midpoint)))

    # ------------------------------------------------------------ scoring

    def _score_hit(self, question, kind, q_stems, qv, rank, hit, spans, vectors) -> list[_Scored]:
        if not spans:
            return []
        vectors = np.asarray(vectors, dtype=np.float32)
        similarity = vectors @ qv
        retrieval = 1.0 / (1.0 + rank)
        # A count ("how many children") is most often the headline one, stated in a statistic bullet or table.
        counting = kind == "number" and HOW_MANY.search(question) is not None
        headline = self.headline_weight if counting and hit.kind in HEADLINE_KINDS else 0.0
        present = [frozenset(stem(m.group()) for m in words(hit.text[s:e])) & q_stems for s, e in spans]
        # A question word found in every sentence of the passage tells the sentences apart less
        # than one found in a single sentence: weight by inverse sentence frequency within the passage.
        n = len(spans)
        idf = {w: 1.0 + math.log((n + 1) / (sum(w in p for p in present) + 1)) for w in q_stems}
        total = sum(idf.values()) or 1.0
        overlaps = [sum(idf[w] for w in p) / total for p in present]
        out = []
        for i, (start, end) in enumerate(spans):
            text = hit.text[start:end]
            # Words of the neighbouring sentences count a little ("He ..." continues the last one).
            context = max((overlaps[j] for j in (i - 1, i + 1) if 0 <= j < n), default=0.0)
            typed = 0.0
            span = best_span(question, text, kind, self.common_words) if kind not in (None, "thing") else None
            if span is not None:
                # A number of something else, or of those who stopped being what is counted, answers less.
                counts = kind != "number" or counts_what_is_asked(question, text, span)
                typed = 0.0 if reverses_what_is_asked(question, text, span) else 1.0 if counts else 0.5
            score = (
                self.similarity_weight * float(similarity[i])
                + self.overlap_weight * overlaps[i]
                + self.context_weight * context
                + self.retrieval_weight * retrieval
                + self.type_weight * typed
                + (headline if typed == 1.0 else 0.0)
            )
            out.append(_Scored(rank, i, start, end, score, present[i]))
        return out

    def _with_neighbour(self, sentences: list[_Scored], top: _Scored) -> tuple[int, int]:
        """The best sentence, or it and a neighbour when the neighbour is nearly as good and adds question words."""
        options = [s for s in sentences if abs(s.sentence - top.sentence) == 1]
        options = [s for s in options if s.score >= top.score - self.pair_margin and s.coverage - top.coverage]
        if not options:
            return top.start, top.end
        other = max(options, key=lambda s: s.score)
        return min(top.start, other.start), max(top.end, other.end)

    def _citation(self, hit: Hit, start: int, end: int, answer: tuple[int, int] | None, score: float) -> Citation:
        return Citation.of(hit, (start, end), answer, round(self.confidence(score), 4))


# What a person types to read a paragraph whole: "What is in paragraph 65?", "What does ¶65 say?".
_READ_WORDS = frozenset(
    "what is in does do say says said show me read contain contains about tell the of text please give display "
    "open see written there whole full".split()
)


def paragraph_asked(question: str) -> int | None:
    """The paragraph number when the question asks for that paragraph itself, else None."""
    number, rest = paragraph_reference(question)
    if number is None:
        return None
    return number if all(m.group().lower() in _READ_WORDS for m in words(rest)) else None


def paragraph_answer(question: str, hit: Hit, hits: tuple[Hit, ...]) -> Answer:
    """The paragraph the question names, whole, as its own answer."""
    citation = Citation.of(hit, (0, len(hit.text)), None, 1.0)
    return Answer(
        question=question,
        answer=hit.text,
        sentence=hit.text,
        confidence=1.0,
        answered=True,
        message=found_message(hit),
        citations=(citation,),
        passages=hits,
        confidence_level=ConfidenceLevel.HIGH,
    )


def not_answered(question: str, hits: tuple[Hit, ...], confidence: float = 0.0, citations: tuple[Citation, ...] = ()) -> Answer:
    """The abstention: no answer, the report's silence said plainly, the closest passages still listed."""
    return Answer(question, None, None, confidence, False, NOT_ANSWERED, citations, hits)


def found(question: str, hit: Hit, answer: str, sentence: str, confidence: float, citations, hits, level) -> Answer:
    """An answer quoted from `hit`, the short answer inside `sentence`, every reader's way of saying it found one."""
    return Answer(
        question, answer, sentence, confidence, True, found_message(hit), tuple(citations), tuple(hits), confidence_level=level
    )


def found_message(hit: Hit) -> str:
    """Where the answer was found, in words: "Answer found in <report>, paragraph 65."."""
    where = f"paragraph {hit.paragraph}" if hit.paragraph is not None else (hit.section_path or "the report")
    return f"Answer found in {hit.doc_title or hit.doc_id}, {where}."
