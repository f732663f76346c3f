"""The lexical leg in the database: BM25 over bm25s's own stemmed tokens, three ways by how many windows a
question may see.

- A few reports' windows (up to EXACT_ROWS, as when a question is scoped to an authority): each window's
  tokens are read and scored here with bm25s's formula (Lucene's idf; tf / (tf + k1 (1 - b + b dl / avgdl)))
  and the database's document frequencies, so the scores equal the file store's.
- More, on a database with the pg_textsearch BM25 index: the index's top windows (Block-Max WAND), which
  scales; its scores equal bm25s's up to its one-byte window lengths. Filters apply after the top k, which
  grows as they narrow (up to MAX_INDEX_ROWS).
- More, without it: BM25 computed in SQL from `postings`, exact, reading every posting of every query word.

PostgreSQL's own ts_rank tokenises and weighs differently and moved answers (docs/postgres.md).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from qa_app.search.store.postgres.schema import BM25_INDEX, K1, B

EXACT_ROWS = 2_000  # up to this many admitted windows (about ten reports) each one is scored here
INDEX_DEPTH = 2  # the BM25 index returns this many windows per paragraph the fusion takes from the leg
MAX_INDEX_ROWS = 20_000  # the most windows one query asks of the BM25 index

POSTINGS_SQL = """
WITH q AS (SELECT term, count(*) AS times FROM unnest(%(terms)s::text[]) AS term GROUP BY term)
SELECT p.doc_id, p.position,
       sum(q.times * ln(1 + (%(n)s - t.df + 0.5) / (t.df + 0.5))
           * p.tf / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * p.length / %(avgdl)s)))
FROM q JOIN terms t ON t.term = q.term JOIN postings p ON p.term = q.term
GROUP BY p.doc_id, p.position
"""


def lexical_rows(
    conn,
    leg: str,
    terms: Sequence[str],
    admitted: tuple[str, dict, int],
    depth: int,
    statistics: tuple[int, int],
    exact_limit: int = EXACT_ROWS,
) -> tuple[list[tuple[str, int, float]], bool]:
    """(doc_id, position, score) of the windows the leg scores, and whether they are only the admitted ones.

    `admitted` is the WHERE clause selecting the windows a question may see, its parameters and how many they
    are; `statistics` the corpus's window count and summed length. The postings leg reads every window."""
    where, params, count = admitted
    n, total_length = statistics
    if count <= exact_limit:
        return exact_rows(conn, terms, where, params, n, total_length), True
    if leg == BM25_INDEX:
        k = min(INDEX_DEPTH * depth * max(1, round(n / count)), MAX_INDEX_ROWS)
        return conn.execute(index_sql(where), {**params, "terms": " ".join(terms), "k": k}).fetchall(), True
    found = conn.execute(POSTINGS_SQL, {"terms": list(terms), "n": n, "avgdl": total_length / n, "k1": K1, "b": B})
    return found.fetchall(), False


def index_sql(where: str) -> str:
    """The BM25 index's top k windows, then those the filters admit: the top k in a subquery of their own, so the
    planner cannot score a broad filter's rows one by one instead (~45 us each). Scores are divided by k1 + 1:
    pg_textsearch's tf part has that factor, bm25s's not."""
    score = "(lexemes <@> to_bm25query(%(terms)s, 'chunks_bm25'))"
    top = f"SELECT doc_id, position, {score} AS score FROM chunks ORDER BY {score} LIMIT %(k)s"
    return f"SELECT doc_id, position, -score / {K1 + 1} FROM ({top}) AS top {where}"


def exact_rows(conn, terms: Sequence[str], where: str, params: dict, n: int, total_length: int) -> list:
    """Every admitted window scored here from its tokens: one read of the rows, no index. pg_textsearch can score
    rows one by one too, but tokenises each again and costs ~90 us a row against ~10 here."""
    df = dict(conn.execute("SELECT term, df FROM terms WHERE term = ANY(%s)", (list(set(terms)),)).fetchall())
    if not df:
        return []
    rows = conn.execute(f"SELECT doc_id, position, length, lexemes FROM chunks {where}", params).fetchall()
    scores = bm25(terms, df, [r[2] for r in rows], [r[3] for r in rows], n, total_length / n)
    return [(r[0], r[1], float(s)) for r, s in zip(rows, scores, strict=True) if s > 0]


def bm25(
    terms: Sequence[str], df: dict[str, int], lengths: Sequence[int], texts: Sequence[str], n: int, avgdl: float
) -> np.ndarray:
    """bm25s's scores ("lucene" method) of space-joined token texts for the query tokens: a query word said
    twice counts twice, and words no window holds count nothing."""
    times = Counter(t for t in terms if t in df)
    if not times or not texts:
        return np.zeros(len(texts), dtype=np.float64)
    said = np.array(list(times.values()), dtype=np.float64)
    idf = np.array([math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in times])
    tf = term_frequencies(texts, list(times))
    norm = K1 * (1 - B + B * np.asarray(lengths, dtype=np.float64) / avgdl)
    return (said * idf * tf / (tf + norm[:, None])).sum(axis=1)


def term_frequencies(texts: Sequence[str], terms: Sequence[str]) -> np.ndarray:
    """How often each term is a whole token of each text (a row per text): one pattern over all the texts at
    once, not a split of every window into tokens, which cost 3 times as long."""
    joined = "\n".join(t or "" for t in texts)
    starts = np.cumsum([0] + [len(t or "") + 1 for t in texts[:-1]])
    column = {t: j for j, t in enumerate(terms)}
    pattern = re.compile(r"(?<!\S)(" + "|".join(map(re.escape, sorted(terms, key=len, reverse=True))) + r")(?!\S)")
    found = [(match.start(), column[match.group(1)]) for match in pattern.finditer(joined)]
    out = np.zeros((len(texts), len(terms)), dtype=np.float64)
    if found:
        at, columns = np.array(found).T
        np.add.at(out, (np.searchsorted(starts, at, side="right") - 1, columns), 1)
    return out


def document_frequencies(tokens: Sequence[Sequence[str]]) -> Counter:
    """How many of these windows hold each term: what a report adds to (or takes from) `terms`."""
    return Counter(term for own in tokens for term in set(own))
