"""Lexical retrieval with bm25s (sparse-matrix BM25 that saves and loads), Snowball-stemmed."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa_app.search.acronyms import spell_out

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


def build_lexical(texts: Sequence[str], folder: Path, acronyms: Mapping[str, str]) -> None:
    """A BM25 index of the texts, which come with their acronyms already spelled out (`spell_out`),
    saved with those acronyms so that queries are spelled out alike."""
    import bm25s

    model = bm25s.BM25()
    model.index(tokenize(texts), show_progress=False)
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
    tokens = [t for t in tokenize([spell_out(query, model.acronyms)])[0] if t in model.vocab_dict]
    if not tokens:
        return np.zeros(model.scores["num_docs"], dtype=np.float32)
    return np.asarray(model.get_scores(tokens), dtype=np.float32)
