"""The API's one error mapping: each error a person can act on becomes a payload with an HTTP-style status."""

from __future__ import annotations

import pytest
from support import TEXT, make_block

from qa_app.app.web.api import endpoint, endpoints
from qa_app.app.web.slot import AssistantSlot
from qa_app.errors import InvalidQuestion


class OneBlockAssistant:
    def context(self, block_id, radius=1):
        if block_id != "stoke:p61":
            raise KeyError(block_id)
        return [make_block(61, TEXT)]

    def ask(self, question, top_k=5, filters=None):
        raise InvalidQuestion("The question is empty; type a question or some keywords.")

    def reports(self, filters=None):
        raise ValueError("Unknown filter 'colour'; use doc_id, section, kind, framework or judgement.")


def test_while_the_index_loads_every_endpoint_answers_503_with_how_far_it_has_got():
    slot = AssistantSlot()
    slot.progress("embedding 3 of 7", 0.4)
    api = endpoints(slot)
    assert sorted(api) == ["ask", "compare", "context", "paragraph", "reports", "search"]
    for call in (lambda: api["ask"]("Why?"), lambda: api["context"]("stoke:p61"), lambda: api["reports"](None)):
        payload = call()
        assert payload["status"] == 503 and "embedding 3 of 7 (40%)" in payload["error"]


def test_bad_input_is_400_and_an_unknown_block_404():
    api = endpoints(AssistantSlot(OneBlockAssistant()))
    assert api["ask"]("  ") == {"error": "The question is empty; type a question or some keywords.", "status": 400}
    assert api["reports"]({"colour": "red"})["status"] == 400
    assert api["context"]("nope") == {"error": "No block 'nope'; use a block_id from a search or ask result.", "status": 404}
    assert api["context"]("stoke:p61") == [make_block(61, TEXT).to_dict()]


def test_an_unexpected_error_is_not_hidden_as_a_payload():
    @endpoint
    def broken() -> dict:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        broken()
