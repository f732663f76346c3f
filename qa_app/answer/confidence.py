"""What an answer's confidence is made of beyond the sentence itself, and the levels it is shown as.

The levels are promises measured on the gold questions (`python -m qa_app calibrate`, README Quality):
answers shown as High were right at least 90% of the time held out, Medium at least 70%. Under
`REFUSE_BELOW` the assistant says the report does not answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qa_app.records import ConfidenceLevel
from qa_app.search.words import content_stems, stem, words

# Confidence thresholds of the levels, fitted by `python -m qa_app calibrate` (README, Quality).
HIGH_AT = 0.671
MEDIUM_AT = 0.671
REFUSE_BELOW = 0.237


def level_of(
    confidence: float, high_at: float = HIGH_AT, medium_at: float = MEDIUM_AT, refuse_below: float = REFUSE_BELOW
) -> ConfidenceLevel | None:
    """The level a confidence is shown as; None means the assistant refuses."""
    if confidence >= high_at:
        return ConfidenceLevel.HIGH
    if confidence >= medium_at:
        return ConfidenceLevel.MEDIUM
    if confidence >= refuse_below:
        return ConfidenceLevel.LOW
    return None


# Words that assume things went badly, and the judgements that say they did not.
_FAILURE = re.compile(
    r"\b(?:declin\w*|deteriorat\w*|worse\w*|worsen\w*|fail\w*|poor\w*|inadequate\w*|weak\w*|fell|fall\w*|"
    r"drop\w*|collaps\w*|slump\w*|dropp\w*|bad\w*|struggl\w*)\b",
    re.I,
)
_SUCCESS = re.compile(r"\b(?:outstanding|excellent|exemplary|best|improv\w*)\b", re.I)
_GRADES = ("outstanding", "good", "requires improvement", "inadequate")
_RISE = re.compile(r"\b(?:increas\w*|ris(?:e|en|es|ing)|rose|grow\w*|grew|went up|higher)\b", re.I)
_FALL = re.compile(r"\b(?:fall\w*|fell|decreas\w*|reduc\w*|declin\w*|drop\w*|went down|lower)\b", re.I)
# Questions that take their premise for granted; a yes/no question asks about it instead.
_PRESUPPOSES = re.compile(r"^\s*(?:why|how|explain|describe|in what way)\b|\bwhat (?:caused|led to|explains)\b", re.I)


def premise_contradicted(question: str, passage: str, judgement: str | None) -> float:
    """1.0 when a why/how question takes for granted what the cited section's judgement denies, and the passage
    never says it: "Why did adoption performance decline?" of a section judged good.

    A rise asked about where the passage reports only a fall (or the reverse), and a graded judgement
    named in the question ("Why was fostering judged outstanding?") that is not the section's own, count too.
    """
    if not _PRESUPPOSES.search(question):
        return 0.0
    rising, falling = _RISE.search(question), _FALL.search(question)
    if rising and not falling and _FALL.search(passage) and not _RISE.search(passage):
        return 1.0
    if falling and not rising and _RISE.search(passage) and not _FALL.search(passage):
        return 1.0
    if not judgement:
        return 0.0
    grade = judgement.lower()
    said = {stem(m.group()) for m in words(passage)}
    failure = _FAILURE.search(question)
    if failure and grade in ("good", "outstanding") and stem(failure.group()) not in said:
        return 1.0
    success = _SUCCESS.search(question)
    if success and grade == "inadequate" and stem(success.group()) not in said:
        return 1.0
    asked = [g for g in _GRADES if re.search(rf"\b{g}\b", question, re.I)]
    if asked and all(not grade.startswith(g) for g in asked) and not any(g in passage.lower() for g in asked):
        return 1.0
    return 0.0


# Words of the question that say what kind of answer it wants, not what it is about.
_QUESTION_WORDS = frozenset(stem(w) for w in "many much tell show give name number say list describe explain".split())


def unseen_share(question: str, passages: Iterable[str]) -> float:
    """Share of the question's content words that none of the retrieved passages uses.

    A question about "the mayor's favourite football team" shares almost nothing with a report on
    children's services, however close its nearest sentence is in meaning.
    """
    # Words in another script than the reports' ("детей", "子供") are a translation, not a topic.
    asked = {s for s in content_stems(question) if s not in _QUESTION_WORDS and len(s) > 1 and s.isascii()}
    if not asked:
        return 0.0
    seen: set[str] = set()
    for text in passages:
        seen |= {stem(m.group()) for m in words(text)}
    return len(asked - seen) / len(asked)
