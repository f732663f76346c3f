"""Pinning evidence while reading: a passage on the page or the answer goes into this session's collection."""

from __future__ import annotations

from qa_app.app.web.collection import (
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


def collected(items: Items, note: str = "", warning: str = "") -> CollectionView:
    """The collection shown, with its download links and its count in the tab's name."""
    tab = Change.to(label=f"Collection ({len(items)})")
    return CollectionView(items, render_collection(items), download_links(items), tab, note, warning)


def pin(slot: AssistantSlot, value: str, items: Items, shown: dict[str, Hit]) -> CollectionView:
    """Pin the passage a pin button names ("<block_id>|<start>|<end>" of the sentence it quotes)."""
    block_id, _, span = (value or "").partition("|")
    hit = shown.get(block_id)
    if hit is None:
        return collected(items, warning="That passage is no longer on the page; search for it again to pin it.")
    start, _, end = span.partition("|")
    quote = (int(start), int(end)) if start.isdigit() and end.isdigit() else None
    item = item_from_hit(hit, slot.current().report(hit.doc_id), quote)
    return collected(
        add_item(items, item), note=f"Pinned {block_name(hit.paragraph, hit.kind)} of {report_of(hit) or hit.doc_id}."
    )


def pin_answer(slot: AssistantSlot, answer: Answer | None, items: Items) -> CollectionView:
    """Pin the answer with the sentence it is quoted from."""
    if answer is None or not answer.citations:
        return collected(items, warning="Ask a question first; an answer with a citation can be pinned.")
    c = answer.citations[0]
    item = item_from_citation(c, slot.current().report(c.doc_id), answer.question, answer.answer if answer.answered else None)
    return collected(add_item(items, item), note="Pinned the answer.")


def unpin(value: str, items: Items) -> CollectionView:
    """Remove the item a remove button names by its place in the collection."""
    return collected(remove_item(items, int(value)) if (value or "").isdigit() and int(value) < len(items) else items)
