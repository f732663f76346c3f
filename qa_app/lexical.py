"""Lexical retrieval with bm25s (sparse-matrix BM25 that saves and loads), Snowball-stemmed."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

# Word pieces that BM25 sees: words and numbers, with thousands separators folded ("1,766" -> "1766").
TOKEN_PATTERN = r"(?u)\b\w+\b"
ACRONYMS = "acronyms.json"
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


@lru_cache(maxsize=1)
def stemmer():
    """The English Snowball stemmer, built once: lexical search and span choice stem alike."""
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-worded, stemmed tokens: the same function for documents and queries."""
    import bm25s

    folded = [_THOUSANDS.sub("", t) for t in texts]
    return bm25s.tokenize(
        folded,
        token_pattern=TOKEN_PATTERN,
        stopwords="en",
        stemmer=stemmer().stemWords,
        return_ids=False,
        show_progress=False,
    )


# "multi-agency safeguarding hub (MASH)", "independent reviewing officers (IROs)"
_DEFINED = re.compile(r"\(([A-Z][A-Za-z&]{1,9}?)s?\)")
_LINKING = {"and", "of", "for", "the", "in", "on", "or", "to", "from", "with", "at", "by", "a", "an"}


def find_acronyms(texts: Sequence[str]) -> dict[str, str]:
    """Acronyms the texts define, mapped to their words: reports use both, and people type either."""
    found: dict[str, str] = {}
    for text in texts:
        for match in _DEFINED.finditer(text):
            acronym = match.group(1)
            letters = [c.lower() for c in acronym if c.isupper()]
            if len(letters) < 2:
                continue
            words = re.findall(r"[A-Za-z]+", text[: match.start()])[-(2 * len(letters) + 2) :]
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


def expand(text: str, acronyms: Mapping[str, str]) -> str:
    """The text with the spelled-out words of every acronym it uses appended, for matching only."""
    # A plain substring test rules out most acronyms before any regex runs (this is on the query path).
    extra = [
        words
        for acronym, words in acronyms.items()
        if acronym in text and re.search(rf"\b{re.escape(acronym)}s?\b", text)
    ]
    return " ".join([text, *extra])


def build_lexical(texts: Sequence[str], folder: Path) -> None:
    import bm25s

    acronyms = find_acronyms(texts)
    model = bm25s.BM25()
    model.index(tokenize([expand(t, acronyms) for t in texts]), show_progress=False)
    model.save(str(folder), show_progress=False)
    (folder / ACRONYMS).write_text(json.dumps(acronyms, indent=1, sort_keys=True), encoding="utf-8")


def load_lexical(folder: Path):
    """The BM25 model, carrying the acronyms its documents were expanded with."""
    import bm25s

    model = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
    model.acronyms = json.loads((folder / ACRONYMS).read_text(encoding="utf-8"))
    return model


def lexical_scores(model, query: str) -> np.ndarray:
    """BM25 score of every document for the query (zeros when no query word is in the vocabulary)."""
    tokens = [t for t in tokenize([expand(query, model.acronyms)])[0] if t in model.vocab_dict]
    if not tokens:
        return np.zeros(model.scores["num_docs"], dtype=np.float32)
    return np.asarray(model.get_scores(tokens), dtype=np.float32)
