"""Words and their stems, one rule for every stage that compares words: vocabulary, span choice, the reader."""

from __future__ import annotations

import re
from functools import lru_cache

from qa_app.search.lexical import stemmer

_WORD = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*%?|£|\$|€", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my no nor not of
    off on once only or other our out over own same she should so some such than that the their them then
    there these they this those through to too under until up very was we were what when where which while
    who whom whose why will with would you your yours many much there's it's did does per
    according called named known""".split()
)


def words(text: str) -> list[re.Match[str]]:
    """Word tokens (numbers keep their separators: "1,766", "110.6", "38.4%") with their offsets."""
    return list(_WORD.finditer(text))


# Common irregular past forms, so that "won" answers "win" and "built" answers "build".
_IRREGULAR = {
    "won": "win",
    "built": "build",
    "made": "make",
    "wrote": "write",
    "written": "write",
    "held": "hold",
    "found": "find",
    "began": "begin",
    "begun": "begin",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "sold": "sell",
    "bought": "buy",
    "led": "lead",
    "brought": "bring",
    "came": "come",
    "became": "become",
    "went": "go",
    "gone": "go",
    "got": "get",
    "kept": "keep",
    "left": "leave",
    "lost": "lose",
    "met": "meet",
    "paid": "pay",
    "said": "say",
    "sent": "send",
    "spent": "spend",
    "stood": "stand",
    "taught": "teach",
    "thought": "think",
    "told": "tell",
    "understood": "understand",
    "wore": "wear",
    "worn": "wear",
    "chose": "choose",
    "chosen": "choose",
    "drew": "draw",
    "drawn": "draw",
    "grew": "grow",
    "grown": "grow",
    "knew": "know",
    "known": "know",
    "saw": "see",
    "seen": "see",
    "spoke": "speak",
    "spoken": "speak",
    "fell": "fall",
    "fallen": "fall",
    "flew": "fly",
    "flown": "fly",
    "ran": "run",
    "sang": "sing",
    "sung": "sing",
    "struck": "strike",
    "fought": "fight",
    "caught": "catch",
    "rose": "rise",
    "risen": "rise",
    "ate": "eat",
    "eaten": "eat",
    "drove": "drive",
    "driven": "drive",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Lower-cased, number-folded ("1,766" -> "1766"), Snowball-stemmed form of one word.

    Common irregular past forms map to their verb, so that "won the cup" answers "What did they win?".
    """
    w = word.lower().replace("’", "'")
    w = _IRREGULAR.get(w, w)
    if w[:1].isdigit():
        return w.replace(",", "").rstrip("%")
    if w.endswith("'s"):
        w = w[:-2]
    return stemmer().stemWord(w)


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (stopwords dropped), in order."""
    return [stem(m.group()) for m in words(text) if m.group().lower() not in STOPWORDS]
