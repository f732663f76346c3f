"""A signed-in person's collection is kept in the database when the store is PostgreSQL: it comes back on a
new page, after a restart, and in another app process on the same database; without a sign-in nothing is kept."""

from __future__ import annotations

import pytest
from support import write_report

from qa_app.app.web.collection import item_from_hit
from qa_app.app.web.saved_pins import keep, restore
from qa_app.app.web.slot import AssistantSlot
from qa_app.assistant import Assistant
from qa_app.config import Settings
from qa_app.search.embedding import Embedder
from qa_app.search.store.factory import open_store


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def assistant_on(root, embedder: Embedder, **store: str) -> Assistant:
    write_report(root / "corpus")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", **store)
    return Assistant(settings, embedder, *open_store(settings, embedder))


def test_a_signed_in_persons_collection_comes_back_after_a_restart(database_url, tmp_path, embedder):
    first = AssistantSlot(assistant_on(tmp_path, embedder, store=database_url))
    hits = first.current().search("children looked after", top_k=2)
    items = tuple(item_from_hit(h, first.current().report(h.doc_id)) for h in hits)
    keep(first, "inspector", items)
    keep(first, None, items[:1])  # nobody signed in: nothing is kept

    restarted = AssistantSlot(assistant_on(tmp_path, embedder, store=database_url))  # a new process's snapshot
    assert restore(restarted, "inspector") == items
    assert restore(restarted, "someone-else") == () and restore(restarted, None) == ()
    keep(restarted, "inspector", ())
    assert restore(first, "inspector") == ()


def test_without_a_database_nothing_is_kept(tmp_path, embedder):
    slot = AssistantSlot(assistant_on(tmp_path, embedder))
    hit = slot.current().search("children looked after", top_k=1)[0]
    keep(slot, "inspector", (item_from_hit(hit, slot.current().report(hit.doc_id)),))
    assert restore(slot, "inspector") == ()
