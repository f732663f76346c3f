"""Which capitalised words of a corpus are ordinary words, not names.

Reports capitalise headings, programmes and guidance ("Key Stage", "Working Together", "Inspection
of services ..."), and a "who" question must not be answered with them. A word the corpus also writes
in lower case at least half as often as capitalised is an ordinary word; a name is nearly always
capitalised ("Tesla", even in a corpus that writes the unit "tesla" twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from qa_app.search.words import words


def common_words(texts: Iterable[str]) -> frozenset[str]:
    """The lower-cased words the texts capitalise somewhere but mostly write in lower case."""
    lower: Counter[str] = Counter()
    capitalised: Counter[str] = Counter()
    for text in texts:
        for match in words(text):
            word = match.group()
            if word.islower():
                lower[word] += 1
            elif word[0].isupper():
                capitalised[word.lower()] += 1
    return frozenset(w for w, n in capitalised.items() if 2 * lower[w] >= n)
