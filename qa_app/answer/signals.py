"""The signals an answer's confidence is computed from: whether the sentence holds the kind of answer asked
for, which of the question's anchors the passage lacks, how far the span sits from the question's words,
whether a count counts what is asked, and how the best sentences and passages compare. Pure functions;
`reader.SentenceReader` weighs them (`CONFIDENCE_WEIGHTS`) and `measure.calibration` fits the weights.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa_app.answer.confidence import premise_contradicted, unseen_share
from qa_app.answer.spans import is_role
from qa_app.query.answer_types import HEADLINE_KINDS, answer_type
from qa_app.records import Answer
from qa_app.search.words import STOPWORDS, content_stems, stem, words

# Question types whose answer is a typed span: a best sentence without one rarely answers.
TYPED = frozenset({"number", "percent", "money", "date", "person", "judgement"})


def question_stems(question: str) -> frozenset[str]:
    """Stems of the question's content words.

    All count the same: weighting names double made the passage's own subject, named in most of
    its sentences, outvote the word that tells the answering sentence apart.
    """
    return frozenset(s for s in content_stems(question) if len(s) > 1 or s.isdigit())


# ---------------------------------------------------------------- abstention signals


def anchors(question: str) -> list[str]:
    """Words a passage must share to be about what the question asks: numbers, acronyms, names.

    A capitalised first word is only the start of the question, so it does not count.
    """
    found = []
    for i, m in enumerate(words(question)):
        word = m.group()
        acronym = len(word) > 1 and word.isupper()
        name = i > 0 and word[0].isupper() and word.lower() not in STOPWORDS
        if word[0].isdigit() or acronym or name:
            found.append(word)
    return found


_PREFIX = 6  # letters of two stems that, shared, make them one word for `missing_anchors`


def missing_anchors(question: str, passage: str) -> list[str]:
    """The question's anchors (see `anchors`) that the passage never mentions.

    Stems sharing their first six letters count as one ("Ctenophora" / "ctenophores"): the
    stemmer does not join Latin plurals or a name's derived forms. An acronym counts as mentioned
    where the passage spells it out ("UMC": "United Methodist Church").
    """
    present = {stem(m.group()) for m in words(passage)}
    prefixes = {p[:_PREFIX] for p in present if len(p) >= _PREFIX}
    lowered = passage.lower()
    return [
        a
        for a in anchors(question)
        if stem(a) not in present
        and a.lower() not in lowered
        and stem(a)[:_PREFIX] not in prefixes
        and not spelled_out(a, passage)
    ]


def spelled_out(acronym: str, passage: str) -> bool:
    """Whether the passage has capitalised words whose initials make the acronym, joined at most
    by "of", "and", "the", "for" or "&"."""
    if len(acronym) < 2 or not acronym.isupper() or not acronym.isalpha():
        return False
    joiner = r"[\w’'-]*\s+(?:(?:of|and|the|for|&)\s+)*"
    return re.search(r"\b" + joiner.join(acronym) + r"[\w’'-]*", passage) is not None


def signals(
    question: str,
    kind: str | None,
    sentence: str,
    passage: str,
    span: tuple[int, int] | None,
    judgement: str | None = None,
    passages: Sequence[str] = (),
    support: Sequence[float] = (),
    retrieval: float = 0.0,
    block_kind: str = "",
) -> tuple[float, ...]:
    """What the confidence is made of: (type_missing, anchors_missing, span_distance, count_mismatch,
    premise_contradicted, unseen, support, margin, retrieval, headline).

    type_missing is 1 when a typed question's sentence holds no candidate of that type; anchors_missing
    the share of the question's numbers and names absent from the passage; span_distance how far the
    short answer sits from the question's words; count_mismatch 1 when "how many X" gets a number of
    something else; premise_contradicted 1 when a why/how question assumes what the section's judgement
    denies (`confidence.premise_contradicted`); unseen the share of the question's words that no
    retrieved passage uses; support the reader's score of the best sentence (0-1), margin how far it
    stands above the best sentence of any other passage, retrieval the search score of its passage;
    headline 1 when a count is answered by the number beside its noun in a statistic bullet or table.
    A "who" question answered by a role alone ("senior police commander") counts half as a missing type.
    """
    found = anchors(question)
    counts = kind == "number" and span is not None and counts_what_is_asked(question, sentence, span)
    role_only = kind == "person" and span is not None and is_role(sentence[span[0] : span[1]])
    return (
        1.0 if kind in TYPED and span is None else 0.5 if role_only else 0.0,
        len(missing_anchors(question, passage)) / len(found) if found else 0.0,
        span_distance(question, sentence, span),
        1.0 if kind == "number" and span is not None and not counts_what_is_asked(question, sentence, span) else 0.0,
        premise_contradicted(question, passage, judgement),
        unseen_share(question, passages or (passage,)),
        support[0] if support else 0.0,
        support[0] - support[1] if len(support) > 1 else (support[0] if support else 0.0),
        retrieval,
        1.0 if counts and HOW_MANY.search(question) and block_kind in HEADLINE_KINDS else 0.0,
    )


def answer_signals(answer: Answer) -> tuple[float, ...]:
    """`signals` of an answer, read back from its first citation (for calibration, with abstention off)."""
    first = answer.citations[0]
    quote = (first.quote_start, first.quote_end)
    answer_span = (first.answer_start, first.answer_end)
    no_span = answer_span == quote or None in answer_span  # the whole sentence (or paragraph) is the answer
    span = None if no_span else (answer_span[0] - quote[0], answer_span[1] - quote[0])
    passages = [h.text for h in answer.passages]
    support = [c.score for c in answer.citations[:2]]
    retrieval = next((h.score for h in answer.passages if h.block_id == first.block_id), 0.0)
    return signals(
        answer.question,
        answer_type(answer.question),
        first.quote,
        first.text,
        span,
        first.judgement,
        passages,
        support,
        retrieval,
        first.kind,
    )


def span_distance(question: str, sentence: str, span: tuple[int, int] | None, cap: int = 8) -> float:
    """How far (in words, 0-1 of `cap`) a short answer sits from the nearest question word; 0 without a span.

    An answer of the right type far from anything the question mentions is usually another fact.
    """
    if span is None:
        return 0.0
    q_stems = question_stems(question)
    tokens = words(sentence)
    inside = [i for i, m in enumerate(tokens) if m.start() >= span[0] and m.end() <= span[1]]
    near = [i for i, m in enumerate(tokens) if i not in inside and stem(m.group()) in q_stems]
    if not inside or not near:
        return 1.0
    gap = min(min(abs(i - inside[0]), abs(i - inside[-1])) for i in near) - 1
    return min(max(gap, 0), cap) / cap


_CLAUSE_BREAK = re.compile(r"[,;:()]|\b(?:and|or|but|while|whereas)\b", re.I)
HOW_MANY = re.compile(r"\bhow many ((?:[\w’'-]+ ){0,2}[\w’'-]+)", re.I)


def counts_what_is_asked(question: str, sentence: str, span: tuple[int, int], window: int = 4) -> bool:
    """Whether a word the question counts sits next to the number: after it ("11 children's homes")
    or just before it in the same clause ("the sack leader with 136", not "homes and employs 38").

    True when the question names nothing to count.
    """
    asked = HOW_MANY.search(question)
    if not asked:
        return True
    nouns = {stem(m.group()) for m in words(asked.group(1)) if m.group().lower() not in STOPWORDS}
    if not nouns:
        return True
    after = [stem(m.group()) for m in words(sentence[span[1] :])][:window]
    clause = _CLAUSE_BREAK.split(sentence[: span[0]])[-1]
    before = [stem(m.group()) for m in words(clause)][-3:]
    return bool(nouns & set(after + before))


_REVERSAL = re.compile(r"\b(?:ceased|ceasing|stopped|no longer|left|leaving|ended|former(?:ly)?)\b", re.I)


def reverses_what_is_asked(question: str, sentence: str, span: tuple[int, int], window: int = 5) -> bool:
    """Whether the words after a count undo what the question counts: "216 children ceased to be looked
    after" does not answer "How many children were looked after?"."""
    after = " ".join(m.group() for m in words(sentence[span[1] :])[:window])
    reversal = _REVERSAL.search(after)
    return reversal is not None and not re.search(rf"\b{re.escape(reversal.group())}\b", question, re.I)
