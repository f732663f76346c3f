"""`qa-app bench --store URL`: the PostgreSQL store on this machine, in a scratch database beside the given
one (dropped after), so the user's rows are never touched.

Rows: loading the corpus's reports (already embedded: the file index's vectors), size on disk, search and
ask p50/p95 filtered and not, adding and removing one report; then, with `synthetic`, N synthetic windows
(`bench_store_scale`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from qa_app.config import Settings
from qa_app.measure.bench_store_scale import synthetic_rows
from qa_app.measure.scoring import latency_ms, timed
from qa_app.measure.scratch_database import database_bytes, scratch_database

QUERIES = 40


@dataclass(frozen=True)
class StoreRow:
    what: str
    value: float | None
    unit: str
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def store_bench(settings: Settings, questions: Sequence[str], synthetic: int = 0) -> list[StoreRow]:
    """The rows for the corpus of `settings` in a scratch database on the server of settings.store_url."""
    from qa_app.assistant import Assistant
    from qa_app.search.embedding import Embedder
    from qa_app.search.index.build import index_shape
    from qa_app.search.index.opening import ensure_index
    from qa_app.search.store.postgres.open import segments_of
    from qa_app.search.store.postgres.schema import choose_lexical, connect, migrate
    from qa_app.search.store.postgres.store import load_snapshot
    from qa_app.search.store.postgres.write import set_state, sync

    embedder = Embedder.from_settings(settings)
    files, _ = ensure_index(settings.replace(store="files", store_url=None), embedder)
    segments = list(segments_of(files))
    rows: list[StoreRow] = []
    with scratch_database(settings.store_url or "") as url:
        conn = connect(url)
        migrate(conn)
        choose_lexical(conn, settings.store_lexical)
        (_, seconds) = timed(sync, conn, segments)
        set_state(conn, index_shape(settings, embedder), files.skipped)
        rows.append(StoreRow(f"load {len(segments)} reports (embedded)", seconds, "s", f"{len(files.chunks):,} chunks"))
        rows.append(StoreRow("size on disk", database_bytes(conn) / 2**20, "MiB"))
        store = load_snapshot(url, settings.approx_threshold)
        assistant = Assistant(settings, embedder, store, "bench")
        first = store.reports[0].doc_id
        asked = list(questions)[:QUERIES]
        for label, filters in (("", None), (" filtered to one report", {"doc_id": first})):
            assistant.search(asked[0], filters=filters)  # warm-up: connection and caches
            search = [timed(assistant.search, q, 5, filters)[1] for q in asked]
            ask = [timed(assistant.ask, q, None, filters)[1] for q in asked[: QUERIES // 2]]
            for name, times in (("search", search), ("ask", ask)):
                p = latency_ms(times)
                rows.append(
                    StoreRow(f"{name} p50{label}", p["p50_ms"], "ms", f"p95 {p['p95_ms']:.0f} ms, {len(times)} questions")
                )
        name, segment = next((n, s) for n, s in segments if s.report.doc_id == first)
        rows.append(StoreRow("remove one report", timed(store.remove, first)[1] * 1000, "ms", first))
        rows.append(
            StoreRow(
                "add one report (embedded)", timed(store.add, segment, name)[1] * 1000, "ms", f"{len(segment.chunks)} chunks"
            )
        )
        conn.close()
    if synthetic:
        rows += synthetic_rows(settings.store_url or "", synthetic, segments, embedder, asked, StoreRow)
    return rows


def format_store_bench(rows: Sequence[StoreRow]) -> str:
    return "\n".join(f"{r.what:<45} {'' if r.value is None else f'{r.value:,.1f}':>10} {r.unit:<4} {r.note}" for r in rows)
