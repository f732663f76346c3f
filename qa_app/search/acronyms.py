"""Acronyms a corpus defines ("independent reviewing officers (IROs)"), and texts with them spelled out.

Reports use the acronym and the words interchangeably and people type either; MiniLM knows neither
"IRO" nor "MASH", so passages are embedded and indexed with each acronym's words beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# "multi-agency safeguarding hub (MASH)", "independent reviewing officers (IROs)"
_DEFINED = re.compile(r"\(([A-Z][A-Za-z&]{1,9}?)s?\)")
_LINKING = {"and", "of", "for", "the", "in", "on", "or", "to", "from", "with", "at", "by", "a", "an"}
# A word, with its possessive kept on ("Children's Services (DCS)" spells D-C-S, not D-C-S-S).
_WORD = re.compile(r"[A-Za-z]+(?:['’]s\b)?")


def find_acronyms(texts: Sequence[str]) -> dict[str, str]:
    """Acronyms the texts define, mapped to their words (the first definition wins)."""
    found: dict[str, str] = {}
    for text in texts:
        for match in _DEFINED.finditer(text):
            acronym = match.group(1)
            letters = [c.lower() for c in acronym if c.isupper()]
            if len(letters) < 2:
                continue
            words = _WORD.findall(text[: match.start()])[-(2 * len(letters) + 2) :]
            expansion = _spelled_out(letters, words)
            if expansion:
                found.setdefault(acronym, expansion)
    return found


def _spelled_out(letters: list[str], words: list[str]) -> str | None:
    """The shortest run of trailing words whose initials spell the letters, linking words skipped."""
    want = len(letters) - 1
    for at in range(len(words) - 1, -1, -1):
        word = words[at].lower()
        if word in _LINKING:
            continue
        if word[0] != letters[want]:
            return None
        want -= 1
        if want < 0:
            return " ".join(words[at:])
    return None


def spell_out(text: str, acronyms: Mapping[str, str]) -> str:
    """The text with each acronym's words in brackets after it, where the text does not already say them."""
    # A plain substring test rules out most acronyms before any regex runs (this is on the query path).
    used = [a for a in acronyms if a in text]
    if not used:
        return text
    pattern = re.compile(r"(?<!\()\b(" + "|".join(map(re.escape, sorted(used, key=len, reverse=True))) + r")s?\b(?!\s*\()")
    return pattern.sub(lambda m: f"{m.group(0)} ({acronyms[m.group(1)]})", text)
