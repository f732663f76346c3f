"""The HTTP API: six named endpoints that return the records' JSON, or an error payload with an HTTP-style
status. One decorator maps every error to its payload, so each endpoint is only its call."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from qa_app.app.web.api_args import check_filters, check_radius, check_text
from qa_app.app.web.slot import AssistantSlot
from qa_app.errors import InvalidQuestion, NotReady, QAError


class NotFound(QAError, LookupError):
    """What the request names does not exist (HTTP 404)."""


def error_payload(message: str, status: int) -> dict[str, object]:
    """What the HTTP API returns instead of a result: an HTTP-style status and one sentence."""
    return {"error": message, "status": status}


def endpoint(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The endpoint's result, or its error as a payload: 503 while the index is loading, 404 for something
    that does not exist, 400 for input that cannot be used (an empty question, an unknown filter)."""

    @functools.wraps(fn)
    def answer(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except NotReady as e:
            return error_payload(str(e), 503)
        except NotFound as e:
            return error_payload(str(e), 404)
        except (ValueError, KeyError) as e:  # InvalidQuestion is a ValueError
            return error_payload(str(e), 400)

    return answer


def endpoints(slot: AssistantSlot) -> dict[str, Callable[..., Any]]:
    """The API's endpoints by name, over the assistant in `slot`."""

    @endpoint
    def ask(question: str, top_k: int = 5, filters: dict | None = None) -> dict:
        """Answer a question from the reports. Returns Answer.to_dict(); on bad input {"error": ..., "status": 400}."""
        return slot.current().ask(check_text("question", question), top_k=top_k, filters=check_filters(filters)).to_dict()

    @endpoint
    def search(query: str, top_k: int = 10, filters: dict | None = None) -> list[dict] | dict:
        """Passages for a keyword or natural-language query: a list of Hit.to_dict(), best first."""
        return [
            h.to_dict() for h in slot.current().search(check_text("query", query), top_k=top_k, filters=check_filters(filters))
        ]

    @endpoint
    def reports(filters: dict | None = None) -> list[dict] | dict:
        """Every report (or those the report-level filters select) with its facts: a list of ReportSummary.to_dict()."""
        return [r.to_dict() for r in slot.current().reports(check_filters(filters))]

    @endpoint
    def compare(topic: str, top_k: int = 20, filters: dict | None = None) -> list[dict] | dict:
        """The best passage of each report on a topic, best first: a list of Hit.to_dict()."""
        return [
            h.to_dict() for h in slot.current().compare(check_text("topic", topic), top_k=top_k, filters=check_filters(filters))
        ]

    @endpoint
    def context(block_id: str, radius: int = 1) -> list[dict] | dict:
        """A block (e.g. a hit's block_id) with its neighbours in reading order: a list of Block.to_dict()."""
        check_text("block_id", block_id), check_radius(radius)
        assistant = slot.current()
        try:
            blocks = assistant.context(block_id, radius)
        except (KeyError, ValueError):
            raise NotFound(f"No block {block_id!r}; use a block_id from a search or ask result.") from None
        return [b.to_dict() for b in blocks]

    @endpoint
    def paragraph(text: str, filters: dict | None = None) -> dict:
        """Open a paragraph by number ("¶65 of the Norfolk report"): Opening.to_dict(), with block null and a
        message when it cannot be opened; {"error": ..., "status": 400} when the text asks for no paragraph."""
        opening = slot.current().open_paragraph(check_text("text", text), check_filters(filters))
        if opening is None:
            raise InvalidQuestion("Name a paragraph by number, e.g. “¶65 of the Norfolk report”.")
        return opening.to_dict()

    return {f.__name__: f for f in (ask, search, context, reports, compare, paragraph)}
