"""What kind of short answer a question asks for, read from its wording alone: a number, a date, a person,
a judgement ... or None for explanations and yes/no questions. The reader looks for a span of that kind;
retrieval reads headline figures too when a figure is asked for."""

from __future__ import annotations

import re

# Kinds whose answers are figures: they sit in statistic bullets and tables as often as in findings.
FIGURES = frozenset({"number", "percent", "money", "date"})
# The block kinds that hold headline figures.
HEADLINE_KINDS = frozenset({"statistic", "table"})

_TYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("percent", re.compile(r"\b(?:percent(?:age)?|per cent|proportion|what share|what fraction|how high a share)\b|%", re.I)),
    (
        "money",
        re.compile(
            r"\b(?:how much (?:money|funding|did|does|do|was|is|will)|cost|budget|spen[dt]|funding|price|paid|pounds|dollars|salary|worth)\b|£|\$",
            re.I,
        ),
    ),
    (
        "number",
        re.compile(
            r"\b(?:how many|how much|number of|how old|how long|how far|how large|how big|how tall|what (?:number|rate|age|size|population|amount)|rate of|(?:which|what) paragraph|(?:length|duration) of)\b",
            re.I,
        ),
    ),
    (
        "date",
        re.compile(
            r"^\s*when\b|\b(?:what|which|in what) (?:year|date|month|day|decade|century|period|time)\b|\bsince when\b|\bwhen (?:was|were|did|does|is|will)\b",
            re.I,
        ),
    ),
    (
        "judgement",
        re.compile(
            r"\b(?:judge?ment|judged|rated|rating|grade[ds]?|graded|overall effectiveness|ofsted (?:say|rate|give))\b", re.I
        ),
    ),
    (
        "organisation",
        re.compile(
            r"\b(?:which|what) (?:organi[sz]ation|agency|body|board|council|company|team|service|partner|group|party|university|school|club)\b(?! (?:member|leader|manager|worker|officer|inspector)s?\b)",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"^\s*(?:who|whom|whose)\b|\b(?:who|whom|whose) (?:is|was|were|are|led|leads|chairs|did|does)\b|\b(?:which|what) (?:[\w-]+ )?(?:person|inspector|officer|individual|man|woman|role|member|manager|leader)\b|\bname of (?:the |an? )?(?:[\w’'-]+ ){0,3}?(?:inspector|person|director|chair|chairman|chairperson|head|leader|manager|officer|councillor|mayor|president|minister|secretary|commissioner|founder|member)\b",
            re.I,
        ),
    ),
    (
        "location",
        re.compile(
            r"^\s*where\b|\bwhere (?:is|was|were|are|do|does|did)\b|\b(?:which|what|in what) (?:city|country|area|town|place|region|location|state|county|continent|river)\b",
            re.I,
        ),
    ),
]

# Questions that open by asking for an explanation; the reader may answer them with two sentences.
_OPENS_WHY_HOW = r"^\s*(?:why|how(?! (?:many|much|old|long|far|large|big|tall|high|often)\b)|explain|describe|in what way)\b"
WHY_HOW = re.compile(_OPENS_WHY_HOW, re.I)
_EXPLANATION = re.compile(
    _OPENS_WHY_HOW + r"|"
    r"\b(?:why|reasons?|strengths?|weakness(?:es)?|concerns?|areas? for improvement|improve|impact|"
    r"findings?|recommendations?|how well|what (?:did|do|does) (?:the )?inspectors?|what (?:is|was|are|were) (?:being )?done)\b",
    re.I,
)
_YES_NO = re.compile(r"^\s*(?:is|are|was|were|do|does|did|has|have|had|can|could|should|will|would|may|might|must)\b", re.I)
_FACTOID = re.compile(
    r"^\s*(?:what|which|who|whom|whose|where|when|name|in (?:what|which)|on what|at what)\b|\b(?:what|which)\b", re.I
)


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
