"""The usual ways people ask about children's services, in the words the reports use.

"In care", "LAC" and "kids" are how people ask; "looked after" and "children" are how Ofsted writes.
Rewriting the question before it is embedded and matched lets both retrievers and the reader meet the
report's wording; the question shown back to the person is the one they typed.
"""

from __future__ import annotations

import re

# (pattern, replacement): each a phrasing of everyday or sector shorthand the reports spell another way.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # "LAC", "CLA", "CiC": the sector's acronyms for children looked after.
    (re.compile(r"\b(?:LAC|CLA|CiC|LACs|CLAs)\b"), "children looked after"),
    (re.compile(r"\b(?:kids|youngsters|kiddies)\b", re.I), "children"),
    (re.compile(r"\bkid\b", re.I), "child"),
    (re.compile(r"\b(?:came|come|comes|coming|entered|entering|enter|enters) (?:into )?care\b"), "became looked after"),
    # "in care" is the plain phrase for looked after, but not inside the "Children in Care Council".
    (re.compile(r"\b(?:in|into) (?:local authority )?care\b(?! [Cc]ouncil)"), "looked after"),
    (re.compile(r"\bfoster (?:parents|families)\b", re.I), "foster carers"),
)


def report_phrasing(question: str) -> str:
    """The question with everyday phrasings replaced by the reports' own ("kids in care" -> "children looked after")."""
    text = question
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return re.sub(r"\bchildren children\b", "children", text)
