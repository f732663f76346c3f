"""Cleaning what people type before it reaches the models: one place, used by every entry point."""

from __future__ import annotations

import re
import unicodedata

from qa_app.errors import InvalidQuestion

# Bidirectional controls and zero-width marks change how text displays, never what it means.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean_question(question: object, max_chars: int = 1000) -> str:
    """The question as plain, single-spaced text; InvalidQuestion when empty or too long.

    Long input is refused rather than truncated: a silently cut question gets a confident answer
    to something the user did not ask.
    """
    if not isinstance(question, str):
        raise InvalidQuestion("The question must be text.")
    if len(question) > 20 * max_chars:
        # Refuse before any normalisation work, so a huge payload costs nothing.
        raise InvalidQuestion(f"The question is too long ({len(question):,} characters); the limit is {max_chars:,}.")
    text = unicodedata.normalize("NFKC", question)
    text = _INVISIBLE.sub("", text)
    text = "".join(" " if unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"} else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestion("The question is empty; type a question or some keywords.")
    if len(text) > max_chars:
        raise InvalidQuestion(f"The question is too long ({len(text):,} characters); the limit is {max_chars:,}.")
    return text
