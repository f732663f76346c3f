"""Paragraphs named by number, parsed in one place: "¶65" inside a question (searched for that paragraph
first, or read whole), and a whole request typed in the question box ("¶65", "para 65 of the Norfolk
report", "Norfolk 2023 para 7") to open that paragraph, not a question to answer.

Only a whole request counts: a question that mentions a paragraph ("What does paragraph 65 say about care
leavers?") is still a question, and anything unsure is left to be answered, which costs less than opening
the wrong thing. The words that name the report are returned as written, for `scope.resolve_scope`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PARAGRAPH = 9999  # reports run to a few hundred paragraphs; a larger number is not a paragraph

# "paragraph 65", "para. 65", "¶65", "§ 65": the one pattern for a paragraph named by its number.
MARKER = r"(?:¶|§|\bpara(?:graph)?\b\.?)\s*(?P<number>\d{1,4})\b"
PARAGRAPH_REF = re.compile(MARKER, re.IGNORECASE)

_VERB = r"(?:please\s+)?(?:go\s+to|jump\s+to|take\s+me\s+to|open|show(?:\s+me)?|view|read|see)\s+"
_NAME = r"[\w'’&.,-]+(?:\s+[\w'’&.,-]+){0,9}"  # a report's name: a few words, no question marks
_REQUEST = re.compile(
    rf"^(?i:{_VERB})?(?:(?P<before>{_NAME})\s+)?(?i:{MARKER})"
    rf"(?:\s+(?i:of|in|from)\s+(?P<after>{_NAME}))?\s*[?.!]*$"
)
# Words a question starts with: "What paragraph 65 ..." asks something, it does not name a report.
_ASKING = {
    "what",
    "which",
    "why",
    "how",
    "when",
    "where",
    "who",
    "whose",
    "does",
    "do",
    "did",
    "is",
    "are",
    "was",
    "were",
    "can",
    "could",
    "should",
    "would",
    "will",
    "tell",
    "explain",
    "summarise",
    "summarize",
}
# The words around a report's name that name no report ("of the report", "in this report").
_NO_NAME = re.compile(r"^(?:the|this|that)?$", re.I)
_REPORT_NOUN = re.compile(r"(?:['’]s)?\s*\breports?$", re.I)
# scope.py picks "the earliest ... report" by its noun, so after an ordering word the noun stays.
_ORDERING = re.compile(r"\b(?:latest|most\s+recent|earliest|first|oldest|previous|earlier|prior|last)\b", re.I)


def paragraph_reference(text: str) -> tuple[int | None, str]:
    """The paragraph number the text names, and the rest of the text."""
    match = PARAGRAPH_REF.search(text)
    if not match:
        return None, text
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    return int(match.group("number")), rest


@dataclass(frozen=True)
class ParagraphRequest:
    number: int
    report: str  # the words that name the report ("Norfolk", "the Stoke-on-Trent 2015"); "" when none


def paragraph_request(text: str) -> ParagraphRequest | None:
    """The paragraph the text asks to open, or None when it is a question (or names no single paragraph)."""
    text = " ".join(text.split())
    if len(PARAGRAPH_REF.findall(text)) != 1:
        return None
    match = _REQUEST.match(text)
    if not match:
        return None
    number = int(match.group("number"))
    before, after = match.group("before"), match.group("after")
    if not 0 < number <= MAX_PARAGRAPH or (before and not _names_a_report(before)):
        return None
    return ParagraphRequest(number, _report_words(after or before or ""))


def _names_a_report(words: str) -> bool:
    """Words before the marker name a report when they read as a name: capitalised words and years."""
    first = words.split()[0]
    if first.lower().strip(",.") in _ASKING:
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in {"and", "of", "on", "upon", "the", "&"} for w in words.split())


def _report_words(words: str) -> str:
    words = words.strip(" ,.")
    if not _ORDERING.search(words):
        words = _REPORT_NOUN.sub("", words).strip(" ,")
    return "" if _NO_NAME.match(words) else words
