"""The stores settings choose from (txtai's ann/factory in miniature): one opener per `StoreKind`, each
returning the store ready to search and what it did (`Opened`)."""

from __future__ import annotations

from collections.abc import Callable

from qa_app.config import Settings, StoreKind
from qa_app.search.embedding import Embedder
from qa_app.search.index.build import Progress
from qa_app.search.index.opening import ensure_index
from qa_app.search.store.base import Opened, Store
from qa_app.search.store.postgres.open import open_postgres

# (settings, embedder, progress, rebuild, serve_previous): serve_previous answers from the last good build
# when an update fails; without it, IndexUnavailable says what failed.
Opener = Callable[[Settings, Embedder, Progress | None, bool, bool], tuple[Store, Opened]]

STORES: dict[StoreKind, Opener] = {
    StoreKind.FILES: ensure_index,  # loaded from index/, built or brought up to date first when need be
    StoreKind.POSTGRES: open_postgres,  # the database of QA_STORE, loaded from the corpus folder when empty
}


def open_store(
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None = None,
    rebuild: bool = False,
    serve_previous: bool = True,
) -> tuple[Store, Opened]:
    """The configured store over the corpus, and what opening it did."""
    return STORES[settings.store](settings, embedder, progress, rebuild, serve_previous)
