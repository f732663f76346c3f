"""Keeping a signed-in person's collection: in the database when the store is PostgreSQL, so it survives a
restart and follows them to any app process on it; in the browser session alone otherwise."""

from __future__ import annotations

from dataclasses import dataclass, fields

from qa_app.app.web.collection import EvidenceItem
from qa_app.config import Settings, StoreKind

Items = tuple[EvidenceItem, ...]


@dataclass(frozen=True)
class SavedPins:
    """Where collections are saved: the store's database, or nowhere (url None)."""

    url: str | None

    @classmethod
    def from_settings(cls, settings: Settings) -> SavedPins:
        return cls(settings.store_url if settings.store is StoreKind.POSTGRES else None)

    def restore(self, user: str | None) -> Items:
        """The person's saved collection; () when nobody is signed in or nothing is saved."""
        if not (self.url and user):
            return ()
        from qa_app.search.store.postgres.collections import load_collection

        known = {f.name for f in fields(EvidenceItem)}
        return tuple(EvidenceItem(**{k: v for k, v in d.items() if k in known}) for d in load_collection(self.url, user))

    def save(self, user: str | None, items: Items) -> None:
        """Save the collection as it is now for the signed-in person (nothing without a sign-in)."""
        if self.url and user:
            from qa_app.search.store.postgres.collections import save_collection

            save_collection(self.url, user, [i.to_dict() for i in items])
