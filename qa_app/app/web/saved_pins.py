"""Keeping a signed-in person's collection: in the database when the store is PostgreSQL, so it survives a
restart and follows them to any app process on it; in the browser session alone otherwise."""

from __future__ import annotations

from dataclasses import fields

from qa_app.app.web.collection import EvidenceItem
from qa_app.app.web.slot import AssistantSlot
from qa_app.errors import NotReady

Items = tuple[EvidenceItem, ...]
_FIELDS = frozenset(f.name for f in fields(EvidenceItem))


def restore(slot: AssistantSlot, user: str | None) -> Items:
    """The person's saved collection; () when nobody is signed in, nothing is saved or the index is loading."""
    if not user:
        return ()
    try:
        saved = slot.current().collection(user)
    except NotReady:
        return ()
    return tuple(EvidenceItem(**{k: v for k, v in d.items() if k in _FIELDS}) for d in saved)


def keep(slot: AssistantSlot, user: str | None, items: Items) -> None:
    """Save the collection as it is now for the signed-in person (nothing without a sign-in)."""
    if user:
        slot.current().keep_collection(user, [i.to_dict() for i in items])
