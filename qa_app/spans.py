"""Short answers inside a sentence: what a question asks for, and the span of a sentence that gives it.

Pure functions over strings. `answer_type` reads the question's wording; `best_span` lists typed
candidates in the sentence (numbers, percentages, money, dates, judgements, names ...) and keeps the
one the question does not already mention that sits nearest the question's own words.
"""

from __future__ import annotations

import re
from functools import lru_cache

# ---------------------------------------------------------------- words

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

_UNITS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen"
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_NUMBER_WORD = rf"(?:(?:{_TENS})(?:[-\s](?:{_UNITS}))?|{_UNITS}|hundred|thousand|dozen|million|billion)"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:\s(?:million|billion|thousand|hundred|m|bn|k)\b)?"

_CANDIDATES: dict[str, re.Pattern[str]] = {
    "percent": re.compile(
        rf"(?<![\w.])(?:{_DIGITS})\s?(?:%|per\s?cent\b|percent\b)|"
        rf"\b(?:{_NUMBER_WORD})(?:[-\s]{_NUMBER_WORD})*\s(?:per\s?cent|percent)\b",
        re.IGNORECASE,
    ),
    "money": re.compile(
        rf"[£$€]\s?(?:{_DIGITS}){_SCALE}|\b(?:{_DIGITS}){_SCALE}\s(?:pounds|dollars|euros)\b",
        re.IGNORECASE,
    ),
    "date": re.compile(
        rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s{_MONTH}\s\d{{4}}|{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?,?\s\d{{4}}|"
        rf"{_MONTH}\s\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|(?:1[5-9]|20)\d\d\s?[–—/-]\s?\d{{2,4}}|"
        rf"(?:1[0-9]|20)\d0s|(?:1[0-9]|20)\d\d|\d{{1,2}}(?:st|nd|rd|th)?\s{_MONTH}|{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?|"
        rf"{_MONTH})(?![\w])",
    ),
    "number": re.compile(
        rf"(?<![\w.£$€/])(?:{_DIGITS})(?![\w/]|%|\.\d)|\b{_NUMBER_WORD}(?:[-\s]{_NUMBER_WORD})*(?:\sand\s{_NUMBER_WORD})?\b",
        re.IGNORECASE,
    ),
    "judgement": re.compile(
        r"\b(?:Outstanding|Good|Requires improvement(?: to be good)?|Inadequate|Adequate)\b", re.IGNORECASE
    ),
    # Capitalised runs allowing lower-case joiners ("Director of Children's Services") and
    # post-nominals ("Peter McEntee HMI").
    "name": re.compile(
        r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Lord|Lady|St)\.?\s)?"
        r"[A-Z][\w’'.-]*(?:(?:\s(?:of|the|for|and|de|da|von|van|del|la|le|du|of the)){0,2}\s[A-Z][\w’'.-]*)*"
    ),
}

_ROLE = re.compile(
    r"\b(?:(?:acting|interim|independent|deputy|assistant|chief|lead|senior|strategic|principal)\s)*"
    r"(?:director|chair|chairman|chairperson|chief executive|inspector|manager|head|leader|lead member|"
    r"councillor|mayor|president|minister|secretary|officer|commissioner|king|queen|emperor|founder)"
    r"(?:\s(?:of|for)\s(?:the\s)?(?-i:[A-Z][\w’']*)(?:(?:\s(?:of|and|for)(?:\sthe)?)?\s(?-i:[A-Z][\w’']*))*)?",
    re.IGNORECASE,
)

_TITLE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Lord|Lady)\b")

_ORG_WORDS = re.compile(
    r"\b(?:Council|Board|Trust|Service|Services|Agency|Police|NHS|Ofsted|Department|Group|Team|Partnership|"
    r"University|College|School|Company|Corporation|Committee|Authority|Court|Party|Association|Society|"
    r"Institute|Foundation|Ministry|Office|Church|Club|Union|Commission|Bank)\b|^[A-Z]{2,}s?$"
)

_TYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("percent", re.compile(r"\b(?:percent(?:age)?|per cent|proportion|what share|what fraction|how high a share)\b|%", re.I)),
    ("money", re.compile(r"\b(?:how much (?:money|funding|did|does|do|was|is|will)|cost|budget|spen[dt]|funding|price|paid|pounds|dollars|salary|worth)\b|£|\$", re.I)),
    ("number", re.compile(r"\b(?:how many|how much|number of|how old|how long|how far|how large|how big|how tall|what (?:number|rate|age|size|population|amount)|rate of)\b", re.I)),
    ("date", re.compile(r"^\s*when\b|\b(?:what|which|in what) (?:year|date|month|day|decade|century|period|time)\b|\bsince when\b|\bwhen (?:was|were|did|does|is|will)\b", re.I)),
    ("judgement", re.compile(r"\b(?:judge?ment|judged|rated|rating|grade[ds]?|graded|overall effectiveness|ofsted (?:say|rate|give))\b", re.I)),
    ("organisation", re.compile(r"\b(?:which|what) (?:organi[sz]ation|agency|body|board|council|company|team|service|partner|group|party|university|school|club)\b(?! (?:member|leader|manager|worker|officer|inspector)s?\b)", re.I)),
    ("person", re.compile(r"^\s*(?:who|whom|whose)\b|\b(?:who|whom|whose) (?:is|was|were|are|led|leads|chairs|did|does)\b|\b(?:which|what) (?:[\w-]+ )?(?:person|inspector|officer|individual|man|woman|role|member|manager|leader)\b|\bname of (?:the |an? )?(?:[\w’'-]+ ){0,3}?(?:inspector|person|director|chair|chairman|chairperson|head|leader|manager|officer|councillor|mayor|president|minister|secretary|commissioner|founder|member)\b", re.I)),
    ("location", re.compile(r"^\s*where\b|\bwhere (?:is|was|were|are|do|does|did)\b|\b(?:which|what|in what) (?:city|country|area|town|place|region|location|state|county|continent|river)\b", re.I)),
]

_EXPLANATION = re.compile(
    r"^\s*(?:why|how(?! (?:many|much|old|long|far|large|big|tall|high|often)\b)|explain|describe|in what way)\b|"
    r"\b(?:why|reasons?|strengths?|weakness(?:es)?|concerns?|areas? for improvement|improve|impact|"
    r"findings?|recommendations?|how well|what (?:did|do|does) (?:the )?inspectors?|what (?:is|was|are|were) (?:being )?done)\b",
    re.I,
)
_YES_NO = re.compile(
    r"^\s*(?:is|are|was|were|do|does|did|has|have|had|can|could|should|will|would|may|might|must)\b", re.I
)
_FACTOID = re.compile(r"^\s*(?:what|which|who|whom|whose|where|when|name|in (?:what|which)|on what|at what)\b|\b(?:what|which)\b", re.I)


def words(text: str) -> list[re.Match[str]]:
    """Word tokens (numbers keep their separators: "1,766", "110.6", "38.4%") with their offsets."""
    return list(_WORD.finditer(text))


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: the same Snowball stemmer the lexical index uses

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Lower-cased, number-folded ("1,766" -> "1766"), Snowball-stemmed form of one word."""
    w = word.lower().replace("’", "'")
    if w[:1].isdigit():
        return w.replace(",", "").rstrip("%")
    if w.endswith("'s"):
        w = w[:-2]
    return _stemmer().stemWord(w)


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (stopwords dropped), in order."""
    return [stem(m.group()) for m in words(text) if m.group().lower() not in STOPWORDS]


# ---------------------------------------------------------------- answer types


def answer_type(question: str) -> str | None:
    """What kind of short answer the question asks for; None for explanations and yes/no questions.

    "thing" means a short factoid of no particular type ("Which team ...", "What is the name ...").
    """
    q = question.strip()
    if _YES_NO.match(q):
        return None
    for kind, rule in _TYPE_RULES:
        if rule.search(q):
            if kind == "money" and re.search(r"\bhow many\b", q, re.I):
                return "number"
            return kind
    if _EXPLANATION.search(q):
        return None
    if _FACTOID.search(q):
        return "thing"
    return None


# ---------------------------------------------------------------- spans


def candidates(sentence: str, kind: str) -> list[tuple[int, int]]:
    """Spans of `sentence` that could answer a question of this kind (possibly overlapping)."""
    if kind in ("percent", "money", "date", "number", "judgement"):
        return [m.span() for m in _CANDIDATES[kind].finditer(sentence)]
    names = [_trim_name(sentence, m.start(), m.end()) for m in _CANDIDATES["name"].finditer(sentence)]
    names = [s for s in names if s]
    if kind == "person":
        # A person is a titled or multi-word name that is not an organisation, or a role.
        people = [
            (a, b) for a, b in names
            if not _ORG_WORDS.search(sentence[a:b]) and (" " in sentence[a:b] or _TITLE.match(sentence[a:b]))
        ]
        return people + [m.span() for m in _ROLE.finditer(sentence)]
    if kind == "organisation":
        return [s for s in names if _ORG_WORDS.search(sentence[s[0]:s[1]])] or names
    if kind == "location":
        return names
    return []


def _trim_name(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop a sentence-initial common word ("The", "At") and trailing punctuation from a capitalised run."""
    text = sentence[start:end]
    first = text.split(" ", 1)[0]
    if first.lower() in STOPWORDS:
        if " " not in text:
            return None
        start += len(first) + 1
    while end > start and sentence[end - 1] in ".,'’-":
        end -= 1
    return (start, end) if end > start else None


def best_span(question: str, sentence: str, kind: str | None) -> tuple[int, int] | None:
    """The span of `sentence` that answers `question`, half-open; None when no candidate fits."""
    if kind is None:
        return None
    tokens = words(sentence)
    if not tokens:
        return None
    q_stems = set(content_stems(question))
    q_norm = f" {_norm(question)} "
    matched = [i for i, m in enumerate(tokens) if m.group().lower() not in STOPWORDS and stem(m.group()) in q_stems]
    spans = _generic_spans(tokens, matched, sentence) if kind == "thing" else candidates(sentence, kind)
    if kind == "person" and _ASKS_NAME.search(question):
        spans = [s for s in spans if not _ROLE.fullmatch(sentence[s[0]:s[1]])]
    best, best_score = None, float("-inf")
    for start, end in spans:
        text = sentence[start:end]
        inside = [i for i, m in enumerate(tokens) if m.start() >= start and m.end() <= end]
        if not inside:
            continue
        # Whatever the question already says is not the answer ("31 March 2015" in the question).
        if _norm(text) and f" {_norm(text)} " in q_norm:
            continue
        if kind != "thing" and inside and all(i in matched for i in inside):
            continue
        score = _proximity(inside, matched)
        score += _kind_bonus(kind, question, sentence, start, end, tokens, inside)
        if score > best_score:
            best, best_score = (start, end), score
    return best


def _proximity(inside: list[int], matched: list[int]) -> float:
    outside = [j for j in matched if j not in inside]
    if not outside:
        return 0.0
    gaps = sorted(min(abs(j - inside[0]), abs(j - inside[-1])) for j in outside)
    return -(gaps[0] + 0.25 * sum(gaps[1:3])) / 4.0


def _kind_bonus(kind, question, sentence, start, end, tokens, inside) -> float:
    text = sentence[start:end]
    bonus = 0.0
    # Figures in brackets are usually rates or asides, not the headline count.
    if sentence.rfind("(", 0, start) > sentence.rfind(")", 0, start):
        bonus -= 0.5
    if kind == "number":
        if re.fullmatch(r"(?:1[89]|20)\d\d", text):
            bonus -= 1.0  # a year is rarely the count asked for
        noun = re.search(r"how (?:many|much) ([\w’'-]+)", question, re.I)
        after = inside[-1] + 1
        if noun and after < len(tokens) and stem(tokens[after].group()) == stem(noun.group(1)):
            bonus += 1.5  # "how many children" -> "609 children"
        if "." in text and not re.search(r"\b(?:rate|average|ratio|mean)\b", question, re.I):
            bonus -= 0.3
    elif kind == "date":
        if re.fullmatch(_MONTH, text):
            bonus -= 0.5
        bonus += 0.05 * len(text)  # prefer the fuller date: "31 March 2015" over "March"
    elif kind == "judgement":
        if text[0].isupper():
            bonus += 0.3
        if text.lower().startswith("requires"):
            bonus += 0.3
    elif kind == "person":
        if re.match(r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Lord|Lady)\b", text):
            bonus += 0.5
        if len(text.split()) >= 2 and text[0].isupper():
            bonus += 0.3
    elif kind == "thing":
        bonus -= 0.08 * max(0, len(inside) - 4)
        if any(tokens[i].group()[:1].isupper() or tokens[i].group()[:1].isdigit() for i in inside):
            bonus += 0.4
        elif len(inside) == 1:
            bonus -= 0.3  # a lone lower-case word is more often a verb or adjective than the answer
    return bonus


_ASKS_NAME = re.compile(r"\bname\b", re.I)

_SPLITTERS = re.compile(r"[,;:()\[\]\"“”]|\s[–—-]\s")


def _generic_spans(tokens, matched: list[int], sentence: str) -> list[tuple[int, int]]:
    """Runs of words the question does not use, cut at punctuation: a fallback for untyped factoids."""
    spans: list[tuple[int, int]] = []
    run: list[int] = []
    matched_set = set(matched)

    def close():
        while run and tokens[run[-1]].group().lower() in STOPWORDS:
            run.pop()
        while run and tokens[run[0]].group().lower() in STOPWORDS - {"the", "a", "an"}:
            run.pop(0)
        if run:
            spans.append((tokens[run[0]].start(), tokens[run[-1]].end()))
        run.clear()

    for i, tok in enumerate(tokens):
        if i in matched_set:
            close()
            continue
        if run and _SPLITTERS.search(sentence[tokens[run[-1]].end():tok.start()]):
            close()
        run.append(i)
    close()
    return spans


def _norm(text: str) -> str:
    return " ".join(stem(m.group()) for m in words(text))
