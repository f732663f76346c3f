"""`bench --store URL --synthetic N` on the session's real PostgreSQL: every row measured, in a scratch database
that is gone afterwards. Timings are printed, never asserted."""

from __future__ import annotations

from support import write_report

from qa_app.config import Settings
from qa_app.measure.bench_store import StoreRow
from qa_app.measure.bench_store_scale import REPORT_WINDOWS, synthetic_rows
from qa_app.search.embedding import Embedder
from qa_app.search.index.opening import ensure_index
from qa_app.search.store.postgres.open import segments_of
from qa_app.search.store.postgres.schema import connect


def test_synthetic_windows_are_loaded_searched_changed_and_dropped(tmp_path, postgres_server):
    settings = Settings(corpus_dir=write_report(tmp_path / "corpus"), index_dir=tmp_path / "index")
    embedder = Embedder()
    files, _ = ensure_index(settings, embedder)
    url = postgres_server.get_uri()
    rows = synthetic_rows(url, 3 * REPORT_WINDOWS, list(segments_of(files)), embedder, ["children in care"], StoreRow)
    by_name = {r.what: r for r in rows}
    assert by_name[f"synthetic: load {3 * REPORT_WINDOWS:,} windows"].value > 0
    for leg in ("dense", "BM25", "hybrid (both legs)"):
        for scope in ("", " filtered", " broadly filtered"):
            assert by_name[f"synthetic: {leg}{scope} p50"].value > 0
    assert {"synthetic: add one report (embedded)", "synthetic: remove one report", "synthetic: size on disk"} <= set(by_name)
    with connect(url) as conn:
        assert not conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'qa_bench_%'").fetchall()
