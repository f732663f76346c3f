"""Short answers inside a sentence: the span of a sentence that gives what the question asks for.

Pure functions over strings. `query.answer_types` reads what the question asks for; `best_span` lists typed
candidates in the sentence (numbers, percentages, money, dates, judgements, names ...) and keeps the
one the question does not already mention that sits nearest the question's own words.
"""

from __future__ import annotations

import re

from qa_app.search.words import STOPWORDS, content_stems, stem, words

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
_ORDINAL_WORD = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
    r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first)"
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
        rf"\b(?:(?:early|mid|late)[-\s])?(?:\d{{1,2}}(?:st|nd|rd|th)|{_ORDINAL_WORD})[-\s]century\b|"
        rf"(?<![\w.])(?:{_DIGITS}){_SCALE}\s(?:years\sago|BCE?|AD|CE|BP)\b|"
        rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s{_MONTH}\s\d{{4}}|{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?,?\s\d{{4}}|"
        rf"{_MONTH}\s\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|(?:1[5-9]|20)\d\d\s?[–—/-]\s?\d{{2,4}}|"
        rf"(?:1[0-9]|20)\d0s|(?:1[0-9]|20)\d\d|\d{{1,2}}(?:st|nd|rd|th)?\s{_MONTH}|{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?|"
        rf"{_MONTH})(?![\w])",
    ),
    "number": re.compile(
        rf"(?<![\w.£$€/])(?:{_DIGITS})(?![\w/]|%|\.\d)|\b{_NUMBER_WORD}(?:[-\s]{_NUMBER_WORD})*(?:\sand\s{_NUMBER_WORD})?\b",
        re.IGNORECASE,
    ),
    "judgement": re.compile(r"\b(?:Outstanding|Good|Requires? improvement(?: to be good)?|Inadequate|Adequate)\b", re.IGNORECASE),
    # Capitalised runs allowing lower-case joiners ("Director of Children's Services") and
    # post-nominals ("Peter McEntee HMI").
    "name": re.compile(
        r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Lord|Lady|St)\.?\s)?"
        r"[A-Z][\w’'.-]*(?:(?:\s(?:of|the|for|and|de|da|von|van|del|la|le|du|of the|bin|ibn)){0,2}\s(?:al-|el-)?[A-Z][\w’'.-]*)*"
    ),
}

_ROLE = re.compile(
    r"\b(?:(?:former|acting|interim|independent|deputy|assistant|chief|lead|senior|strategic|principal|police|council)\s)*"
    r"(?:director|chair|chairman|chairperson|chief executive|inspector|manager|head|leader|lead member|"
    r"councillor|mayor|president|minister|secretary|officer|commissioner|king|queen|emperor|founder|"
    r"constable|superintendent|commander|governor|judge|magistrate|ambassador|professor|adviser|advisor|"
    r"social worker|health visitor|nurse|doctor|paediatrician|teacher|headteacher|coordinator)"
    r"(?:\s(?:of|for)\s(?:the\s)?(?-i:[A-Z][\w’']*)(?:(?:\s(?:of|and|for)(?:\sthe)?)?\s(?-i:[A-Z][\w’']*))*)?",
    re.IGNORECASE,
)

_TITLE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Lord|Lady)\b")

_ORG_WORDS = re.compile(
    r"\b(?:Council|Board|Trust|Service|Services|Agency|Police|NHS|Ofsted|Department|Group|Team|Partnership|"
    r"University|College|School|Company|Corporation|Committee|Authority|Court|Party|Association|Society|"
    r"Institute|Foundation|Ministry|Office|Church|Club|Union|Commission|Bank|Forum|Panel|Centre|Center|"
    r"Network|Unit|Programme|Program|Hub|Project|Alliance|Federation)\b|^[A-Z]{2,}s?$"
)

# ---------------------------------------------------------------- spans


def candidates(sentence: str, kind: str, common: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Spans of `sentence` that could answer a question of this kind (possibly overlapping).

    `common` holds the corpus's ordinary words (`vocabulary.common_words`): a capitalised run made
    only of them ("Key Stage") is a heading or title, not a person.
    """
    if kind in ("percent", "money", "date", "number", "judgement"):
        return [m.span() for m in _CANDIDATES[kind].finditer(sentence)]
    names = [_trim_name(sentence, m.start(), m.end()) for m in _CANDIDATES["name"].finditer(sentence)]
    names = [s for s in names if s]
    if kind == "person":
        # A person is a titled or multi-word name that is not an organisation, or a role; failing
        # those, a one-word name inside the sentence (a capital there marks a name, not the start).
        names = [(a, b) for a, b in names if not _ORG_WORDS.search(sentence[a:b])]
        names = [(a, b) for a, b in names if not _ordinary(sentence[a:b], common)]
        people = [(a, b) for a, b in names if " " in sentence[a:b] or _TITLE.match(sentence[a:b])]
        people += [m.span() for m in _ROLE.finditer(sentence)]
        return people or [(a, b) for a, b in names if a > 0]
    if kind == "organisation":
        return [s for s in names if _ORG_WORDS.search(sentence[s[0] : s[1]])] or names
    if kind == "location":
        return names
    return []


def is_role(text: str) -> bool:
    """Whether a span is only a role ("senior police commander"), naming no one."""
    words_ = text.split()
    return _ROLE.fullmatch(text) is not None or (
        bool(words_) and _ROLE.fullmatch(words_[-1]) is not None and not any(w[:1].isupper() for w in words_)
    )


def _ordinary(name: str, common: frozenset[str]) -> bool:
    """Whether an untitled capitalised run is made only of the corpus's ordinary words."""
    if _TITLE.match(name):
        return False
    parts = [m.group().lower() for m in words(name) if m.group().lower() not in STOPWORDS]
    return bool(parts) and all(p in common for p in parts)


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


def best_span(question: str, sentence: str, kind: str | None, common: frozenset[str] = frozenset()) -> tuple[int, int] | None:
    """The span of `sentence` that answers `question`, half-open; None when no candidate fits.

    `common`: the corpus's ordinary words, which are no one's name (see `candidates`).
    """
    if kind is None:
        return None
    tokens = words(sentence)
    if not tokens:
        return None
    q_stems = set(content_stems(question))
    q_norm = f" {_norm(question)} "
    matched = [i for i, m in enumerate(tokens) if m.group().lower() not in STOPWORDS and stem(m.group()) in q_stems]
    spans = _generic_spans(tokens, matched, sentence) if kind == "thing" else candidates(sentence, kind, common)
    if kind == "person" and _ASKS_NAME.search(question):
        spans = [s for s in spans if not _ROLE.fullmatch(sentence[s[0] : s[1]])]
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
        if kind == "thing":
            score = _thing_score(question, sentence, tokens, inside, matched)
        else:
            score = _proximity(inside, matched)
            score += _kind_bonus(kind, question, sentence, start, end, tokens, inside)
        if score > best_score:
            best, best_score = (start, end), score
    if best is not None and kind in ("number", "percent", "money"):
        best = _with_qualifiers(question, sentence, *best)
    return best


# "more than 60%" is not "60%": a quantity keeps the words that bound it ...
_BOUND = re.compile(
    r"(?<![\w-])(?:(?:just |well |slightly )?(?:more|less|fewer|greater|lower|higher) than|at (?:least|most)|(?:just )?(?:over|under)|"
    r"almost|nearly|around|about|approximately|roughly|up to|some|as (?:many|much|few|little) as)\s$",
    re.IGNORECASE,
)
# ... and "how long" is answered by "536 days" or "1,230 km", not a bare number.
_UNIT = re.compile(
    r"\s(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century|"
    r"km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|m|cm|mm|feet|foot|ft|inches|yards?)\b",
    re.IGNORECASE,
)
_ASKS_MEASURE = re.compile(r"\bhow (?:long|far|tall|high|wide|deep)\b|\b(?:length|duration|distance)\b", re.IGNORECASE)


def _with_qualifiers(question: str, sentence: str, start: int, end: int) -> tuple[int, int]:
    """A quantity's span widened to the bound before it and, for a measure, the unit after it."""
    bound = _BOUND.search(sentence[max(0, start - 40) : start])
    if bound:
        start -= len(bound.group())
    unit = _UNIT.match(sentence, end)
    if unit and _ASKS_MEASURE.search(question):
        end = unit.end()
    return start, end


def _proximity(inside: list[int], matched: list[int]) -> float:
    outside = [j for j in matched if j not in inside]
    if not outside:
        return 0.0
    gaps = sorted(min(abs(j - inside[0]), abs(j - inside[-1])) for j in outside)
    return -(gaps[0] + 0.25 * sum(gaps[1:3])) / 4.0


def _kind_bonus(kind, question, sentence, start, end, tokens, inside) -> float:
    text = sentence[start:end]
    bonus = 0.0
    asks_rate = kind == "number" and _ASKS_RATE.search(question) is not None
    # Figures in brackets are usually rates or asides, not the headline count.
    if sentence.rfind("(", 0, start) > sentence.rfind(")", 0, start) and not asks_rate:
        bonus -= 0.5
    if asks_rate and _PER.match(sentence, end):
        bonus += 1.0  # "a rate of 110.6 per 10,000 children"
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
        if _TITLE.match(text):
            bonus += 0.5
        if len(text.split()) >= 2 and text[0].isupper():
            bonus += 0.3
    return bonus


_ASKS_RATE = re.compile(r"\b(?:rate|per (?:\d|1,?000|10,?000|100,?000|head|capita))", re.I)
_PER = re.compile(r"\s(?:per|for every|in every)\s", re.I)
_ASKS_NAME = re.compile(r"\bname\b", re.I)
_ASKS_KIND = re.compile(r"\b(?:what|which) (?:type|kind|sort|form|variety|breed|species|style|brand|make) of\b", re.I)

_SPLITTERS = re.compile(r"[,;:()\[\]\"“”]|\s[–—-]\s")

# Words that open a new clause or join two predicates: an answer phrase rarely runs across them.
_CLAUSE = frozenset(
    """which that who whom whose where when while because although though whereas if unless and but or nor
    so yet is are was were be been being am has have had do does did will would shall should can could may
    might must""".split()
)
# Joiners that stay inside a noun phrase ("Duke of Normandy", "the Bank's governor").
_JOINERS = frozenset({"of", "'s", "’s"})
_ARTICLES = frozenset({"the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her", "our"})
_MAX_WORDS = 6
_EDGE_WORDS = STOPWORDS | _ARTICLES
_TIME_WORDS = frozenset(
    "year month week day today yesterday tomorrow century decade "
    "time morning evening night later earlier ago recently spring summer autumn winter".split()
)
_PREPOSITIONS = frozenset(
    "in on at by for from with into onto to through across over under between during after before since "
    "until against among within without about towards toward upon".split()
)


def _thing_score(question: str, sentence: str, tokens, inside: list[int], matched: list[int]) -> float:
    """How likely an untyped phrase answers: next to the question's words, after them, a short noun phrase."""
    texts = [tokens[i].group() for i in inside]
    lows = [t.lower() for t in texts]
    score = 0.0
    if matched:
        gaps = []
        for j in matched:
            a, b = (
                (tokens[j].end(), tokens[inside[0]].start()) if j < inside[0] else (tokens[inside[-1]].end(), tokens[j].start())
            )
            between = sentence[a:b]
            # Distance in content words; a comma or bracket between counts as a word.
            gap = sum(1 for m in words(between) if m.group().lower() not in STOPWORDS)
            gap += len(_SPLITTERS.findall(between))
            gaps.append(gap)
        gaps.sort()
        score -= 0.5 * gaps[0] + 0.1 * sum(gaps[1:3])
        if any(j < inside[0] for j in matched):
            score += 0.3  # the object follows its verb: "the council built [a library]"
        nxt = inside[-1] + 1
        if nxt in matched and not _SPLITTERS.search(sentence[tokens[inside[-1]].end() : tokens[nxt].start()]):
            if _ASKS_KIND.search(question):
                score += 0.6  # "What type of tree" is answered by the modifier: "[oak] trees"
            elif not texts[-1][:1].isupper() or inside[-1] == 0:
                score -= 0.6  # a lower-case word right before a question word modifies it: "official [language]"
    # A sentence's first word is capitalised whatever it is.
    capitals = sum(1 for i, t in zip(inside, texts) if i > 0 and t[:1].isupper() or t[:1].isdigit())
    if capitals:
        score += 0.4 + 0.1 * capitals
    # Short phrases are preferred; a capitalised name counts as one word however long it is.
    length = sum(1 for i, t in zip(inside, texts) if not (i > 0 and t[:1].isupper()) and t.lower() not in _JOINERS)
    length += 1 if capitals else 0
    score -= 0.1 * max(0, length - 2) + 0.1 * max(0, length - 4)
    # Function words inside the phrase, unless they join two capitalised words ("Bank of England").
    score -= 0.4 * sum(
        1
        for k in range(1, len(lows) - 1)
        if (lows[k] in _PREPOSITIONS or lows[k] in _CLAUSE) and not (texts[k - 1][:1].isupper() and texts[k + 1][:1].isupper())
    )
    if len(inside) == 1 and re.search(r"(?:ed|ing|ly)$", lows[0]):
        score -= 0.3  # a lone verb form or adverb is rarely the thing asked for
    if any(w in _TIME_WORDS for w in lows) or _CANDIDATES["date"].fullmatch(" ".join(texts)):
        score -= 0.5  # when-answers have their own type
    return score


def _generic_spans(tokens, matched: list[int], sentence: str) -> list[tuple[int, int]]:
    """Phrases of words the question does not use, for untyped factoids.

    Two levels of candidates: clause pieces (runs cut at question words, punctuation and clause words
    such as "which", "and", "was") and the noun-phrase-like chunks inside them (cut again at any other
    function word, keeping "of"). Edges are stripped of function words, articles included.
    """
    matched_set = set(matched)
    pieces: list[list[int]] = [[]]
    for i, tok in enumerate(tokens):
        low = tok.group().lower()
        prev = pieces[-1]
        if prev and _SPLITTERS.search(sentence[tokens[prev[-1]].end() : tok.start()]):
            pieces.append([])
        if i in matched_set or low in _CLAUSE:
            pieces.append([])
            continue
        pieces[-1].append(i)
    spans: set[tuple[int, int]] = set()

    def add(run: list[int]) -> None:
        run = _strip(tokens, run)
        if run and len(run) <= _MAX_WORDS:
            spans.add((tokens[run[0]].start(), tokens[run[-1]].end()))
        elif run:
            # An over-long phrase still gives its first and last few words: the answer sits at an edge.
            for part in (run[:_MAX_WORDS], run[-_MAX_WORDS:]):
                part = _strip(tokens, part)
                if part:
                    spans.add((tokens[part[0]].start(), tokens[part[-1]].end()))

    for piece in pieces:
        add(piece)
        chunks: list[list[int]] = [[]]
        for i in piece:
            low = tokens[i].group().lower()
            if low in _JOINERS:
                chunks[-1].append(i)
            elif low in STOPWORDS or low in _ARTICLES:
                chunks.append([i] if low in _ARTICLES else [])
            else:
                chunks[-1].append(i)
        chunks = [c for c in chunks if _strip(tokens, c)]
        for c in chunks:
            add(c)
            # A lower-case participle inside often opens a reduced clause: "stone [quarried nearby]".
            for j in range(1, len(c)):
                if re.fullmatch(r"[a-z]+(?:ed|ing)", tokens[c[j]].group()):
                    add(c[:j])
                    break
            # "chief executive of the company" -> also "chief executive" and "company"
            for j, low in enumerate(tokens[k].group().lower() for k in c):
                if low in _JOINERS and 0 < j < len(c) - 1:
                    add(c[:j])
                    add(c[j + 1 :])
    # Capitalised names whole, joiners and all ("National Aeronautics and Space Administration"),
    # when they hold at least one word the question does not use.
    for m in _CANDIDATES["name"].finditer(sentence):
        span = _trim_name(sentence, m.start(), m.end())
        if span and any(span[0] <= t.start() and t.end() <= span[1] and i not in matched_set for i, t in enumerate(tokens)):
            spans.add(span)
    return sorted(spans)


def _strip(tokens, run: list[int]) -> list[int]:
    """`run` without leading or trailing function words (articles and determiners included)."""
    start, end = 0, len(run)
    while start < end and tokens[run[start]].group().lower() in _EDGE_WORDS:
        start += 1
    while end > start and tokens[run[end - 1]].group().lower() in _EDGE_WORDS:
        end -= 1
    return run[start:end]


def _norm(text: str) -> str:
    return " ".join(stem(m.group()) for m in words(text))
