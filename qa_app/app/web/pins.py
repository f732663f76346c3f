"""Pinning evidence while reading: a passage on the page or the answer goes into this session's collection."""

from __future__ import annotations

from qa_app.app.web.collection import (
    NOT_ANSWERED,
    EvidenceItem,
    add_item,
    download_links,
    item_from_citation,
    item_from_hit,
    remove_item,
    render_collection,
)
from qa_app.app.web.labels import block_name
from qa_app.app.web.passages import report_of
from qa_app.app.web.slot import AssistantSlot
from qa_app.app.web.views import Change, CollectionView
from qa_app.records import Answer, Hit

Items = tuple[EvidenceItem, ...]


def collected(items: Items, address: str = "", note: str = "", warning: str = "") -> CollectionView:
    """The collection shown, with its download links (absolute to the app's `address`) and its count in
    the tab's name."""
    tab = Change.to(label=f"Collection ({len(items)})")
    return CollectionView(items, render_collection(items), download_links(items, address), tab, note, warning)


def pin(slot: AssistantSlot, value: str, items: Items, shown: dict[str, Hit], address: str = "") -> CollectionView:
    """Pin the passage a pin button names ("<block_id>|<start>|<end>" of the sentence it quotes)."""
    block_id, _, span = (value or "").partition("|")
    hit = shown.get(block_id)
    if hit is None:
        return collected(items, address, warning="That passage is no longer on the page; search for it again to pin it.")
    start, _, end = span.partition("|")
    quote = (int(start), int(end)) if start.isdigit() and end.isdigit() else None
    item = item_from_hit(hit, slot.current().report(hit.doc_id), quote)
    what = f"{block_name(hit.paragraph, hit.kind)} of {report_of(hit) or hit.doc_id}"
    return collected(add_item(items, item), address, note=f"Pinned {what}.")


def pin_answer(slot: AssistantSlot, answer: Answer | None, items: Items, address: str = "") -> CollectionView:
    """Pin the answer with the sentence it is quoted from; a refusal is pinned marked "not answered", its
    sentence only the closest passage."""
    if answer is None or not answer.citations:
        return collected(items, address, warning="Ask a question first; an answer with a citation can be pinned.")
    c = answer.citations[0]
    said = NOT_ANSWERED if answer.confidence_level is None else answer.answer
    item = item_from_citation(c, slot.current().report(c.doc_id), answer.question, said)
    note = "Pinned the question, marked not answered." if said == NOT_ANSWERED else "Pinned the answer."
    return collected(add_item(items, item), address, note=note)


def unpin(value: str, items: Items, address: str = "") -> CollectionView:
    """Remove the item a remove button names by its place in the collection."""
    kept = remove_item(items, int(value)) if (value or "").isdigit() and int(value) < len(items) else items
    return collected(kept, address)
