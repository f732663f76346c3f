"""The database's tables, created and upgraded by numbered migrations, and the connection every part opens.

Every table of a report's rows leads with `doc_id`, so Citus can distribute them by report; `terms` and
`corpus_state` are small and would be reference tables. The SQL keeps to what managed PostgreSQL, read
replicas and Citus all run: plain tables, btree, GIN and pgvector's HNSW indexes, no triggers.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from qa_app.errors import IndexUnavailable

DIMENSION = 384  # the packaged MiniLM's; a store built with another model is refused at start
# pg_advisory_xact_lock keys: one corpus writer at a time across every process on the database, and one
# migration at a time when several processes start together.
WRITER_LOCK = 0x51A_0001
MIGRATION_LOCK = 0x51A_0002

MIGRATIONS: tuple[str, ...] = (
    # 1: the index
    f"""
    CREATE EXTENSION IF NOT EXISTS vector;
    CREATE TABLE corpus_state (
        id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        version bigint NOT NULL DEFAULT 0,      -- bumped by every change; other processes poll it
        n_chunks bigint NOT NULL DEFAULT 0,     -- BM25's document count
        total_length bigint NOT NULL DEFAULT 0, -- and the sum of document lengths, for the mean
        shape jsonb,                            -- parser, chunker, windows and model that made the rows
        skipped jsonb NOT NULL DEFAULT '{{}}'     -- corpus files left out, each with why
    );
    INSERT INTO corpus_state (id) VALUES (1);
    CREATE TABLE reports (
        doc_id text PRIMARY KEY,
        file_name text NOT NULL,
        sha256 text NOT NULL,
        facts jsonb NOT NULL,
        acronyms jsonb NOT NULL
    );
    CREATE TABLE blocks (
        doc_id text NOT NULL, position int NOT NULL, id text NOT NULL, record jsonb NOT NULL,
        PRIMARY KEY (doc_id, position)
    );
    CREATE TABLE chunks (
        doc_id text NOT NULL, position int NOT NULL, record jsonb NOT NULL, embedding vector({DIMENSION}) NOT NULL,
        PRIMARY KEY (doc_id, position)
    );
    CREATE TABLE sentences (
        doc_id text NOT NULL, position int NOT NULL, block_id text NOT NULL,
        span_start int NOT NULL, span_end int NOT NULL, embedding vector({DIMENSION}) NOT NULL,
        PRIMARY KEY (doc_id, position)
    );
    CREATE INDEX sentences_block ON sentences (doc_id, block_id);
    CREATE INDEX chunks_hnsw ON chunks USING hnsw (embedding vector_ip_ops);
    CREATE INDEX sentences_hnsw ON sentences USING hnsw (embedding vector_ip_ops);
    -- BM25 over the same stemmed tokens as bm25s: term frequency per window, document frequency per term
    CREATE TABLE postings (
        doc_id text NOT NULL, position int NOT NULL, term text NOT NULL, tf int NOT NULL, length int NOT NULL,
        PRIMARY KEY (doc_id, position, term)
    );
    CREATE INDEX postings_term ON postings (term);
    CREATE TABLE terms (term text PRIMARY KEY, df int NOT NULL);
    """,
    # 2: signed-in users' evidence collections
    """
    CREATE TABLE collections (
        user_name text PRIMARY KEY,
        items jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    """,
    # 3: each window's tokens (in order; from postings, a bag, for rows made before) and length, for the BM25
    # index (pg_textsearch), exact scoring and the statistics; which lexical leg this database uses
    """
    ALTER TABLE chunks ADD COLUMN lexemes text, ADD COLUMN length int;
    UPDATE chunks c SET
        length = coalesce((SELECT max(p.length) FROM postings p WHERE p.doc_id = c.doc_id AND p.position = c.position), 0),
        lexemes = coalesce((SELECT string_agg(rtrim(repeat(p.term || ' ', p.tf)), ' ') FROM postings p
                            WHERE p.doc_id = c.doc_id AND p.position = c.position), '');
    ALTER TABLE corpus_state ADD COLUMN lexical text;
    """,
)

# The lexical legs a database can use: BM25 computed in SQL from `postings` (exact, any PostgreSQL), or the
# pg_textsearch extension's BM25 index over `chunks.lexemes` (top-k pruned; needs the extension preloaded).
POSTINGS, BM25_INDEX = "postings", "bm25_index"
LEXICAL_CHOICES = ("auto", POSTINGS, BM25_INDEX)
TEXTSEARCH_MISSING = (
    "This database ranks words with the pg_textsearch BM25 index, which this server does not load; add "
    "pg_textsearch to shared_preload_libraries (docs/postgres.md), or copy the index into a new database."
)


def textsearch_available(conn) -> bool:
    """Whether this server can run pg_textsearch: installed, and preloaded (it needs shared_preload_libraries)."""
    return bool(
        conn.execute(
            "SELECT 'pg_textsearch' = ANY(string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) "
            "AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_textsearch')"
        ).fetchone()[0]
    )


def choose_lexical(conn, wanted: str = "auto") -> str:
    """The lexical leg of this database, chosen once while it is empty and kept in `corpus_state` so that
    every process agrees: the BM25 index where the server has pg_textsearch ("auto") or where `wanted` asks for
    it, postings otherwise. A database that already holds reports keeps the leg it has."""
    if wanted not in LEXICAL_CHOICES:
        raise IndexUnavailable(f"QA_STORE_LEXICAL must be one of {', '.join(LEXICAL_CHOICES)}, not {wanted!r}.")
    chosen, held = conn.execute("SELECT lexical, (SELECT count(*) FROM chunks) FROM corpus_state").fetchone()
    if chosen is None and held:  # made before migration 3: postings are what it has
        chosen = POSTINGS
    if chosen is None or (not held and wanted not in ("auto", chosen)):
        chosen = wanted if wanted != "auto" else (BM25_INDEX if textsearch_available(conn) else POSTINGS)
        if chosen == BM25_INDEX and not textsearch_available(conn):
            raise IndexUnavailable(TEXTSEARCH_MISSING)
        if read_only_reason(conn):
            return chosen  # a replica reads what its primary chose
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
            if chosen == BM25_INDEX:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_textsearch")
                conn.execute(f"CREATE INDEX IF NOT EXISTS chunks_bm25 ON chunks USING bm25 (lexemes) WITH ({BM25_OPTIONS})")
            else:
                conn.execute("DROP INDEX IF EXISTS chunks_bm25")
            conn.execute("UPDATE corpus_state SET lexical = %s", (chosen,))
    elif chosen == BM25_INDEX and not textsearch_available(conn):
        raise IndexUnavailable(TEXTSEARCH_MISSING)
    return chosen


K1, B = 1.5, 0.75  # bm25s's defaults, which the file store's index was built with
# The tokens are ours (bm25s's, joined by spaces), so the index must not tokenise again: 'simple' only splits
# on the spaces and lower-cases.
BM25_OPTIONS = f"text_config = 'simple', k1 = {K1}, b = {B}"


REPLICA = "This server reads from a replica; add and remove reports on the primary."
READ_ONLY = "This server's database connection is read-only; add and remove reports through one that may write."


def read_only_reason(conn) -> str:
    """Why the database refuses corpus changes through this connection (a replica, or a read-only session), in
    one sentence for people; "" where it takes them."""
    in_recovery, read_only = conn.execute("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')").fetchone()
    return REPLICA if in_recovery else READ_ONLY if read_only == "on" else ""


def connect(url: str, autocommit: bool = True):
    """A connection with numpy vectors adapted; IndexUnavailable in one sentence when the server is not there."""
    import psycopg
    from pgvector.psycopg import register_vector

    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise IndexUnavailable(
            f"Cannot reach the database {shown_url(url)} ({_first_line(exc)}); start it or fix QA_STORE."
        ) from None
    try:
        register_vector(conn)
    except psycopg.ProgrammingError:  # a fresh database: the extension arrives with the first migration
        migrate(conn)
        register_vector(conn)
    return conn


def migrate(conn) -> int:
    """Apply the migrations this database lacks, in one transaction; returns the schema version. A read
    replica is not migrated (it cannot be written): it must already have what this program needs."""
    if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
        done = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        if done != len(MIGRATIONS):
            raise IndexUnavailable(
                f"The replica {shown_url(conn.info.dsn)} has schema version {done}, this program needs "
                f"{len(MIGRATIONS)}; start this program against the primary once, then the replica."
            )
        return done
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version int PRIMARY KEY, applied_at timestamptz DEFAULT now())")
        done = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        if done > len(MIGRATIONS):
            raise IndexUnavailable(
                f"The database {shown_url(conn.info.dsn)} has schema version {done}, newer than this program's "
                f"{len(MIGRATIONS)}; upgrade qa-app."
            )
        for version in range(done + 1, len(MIGRATIONS) + 1):
            conn.execute(MIGRATIONS[version - 1])
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
    return len(MIGRATIONS)


def shown_url(url: str) -> str:
    """The URL without its password, fit for status lines and errors."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
