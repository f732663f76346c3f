"""Handlers' named results map to the page's components by field name, nested results in place."""

from __future__ import annotations

from support import make_hit

from qa_app.app.web.views import KEEP, AnswerView, Change, CollectionView, CorpusChangeView, Menus, Refreshed, names, values


def as_update(change: Change) -> dict:
    return {"update": change.props}


def test_a_result_fills_the_components_its_fields_name_in_order():
    assert names(AnswerView) == [
        "answer_html", "evidence_html", "copy_box", "other_reports", "report_view", "reading", "shown", "last_answer",
    ]  # fmt: skip
    hit = make_hit()
    view = AnswerView("<p>card</p>", shown={hit.block_id: hit})
    assert values(view, as_update) == (
        "<p>card</p>",
        "",
        "",
        {"update": {"choices": [], "value": None, "visible": False}},
        {"update": {}},
        {"update": {}},
        {hit.block_id: hit},
        None,
    )


def test_a_nested_result_stands_for_its_own_fields():
    assert names(CorpusChangeView) == ["change_html", *names(Menus)]
    assert names(Refreshed) == [*names(Menus), "report_view", "timer"]
    refreshed = Refreshed(Menus(status="Building the index"), KEEP, Change.to(active=True))
    assert values(refreshed, as_update)[0] == "Building the index"
    assert values(refreshed, as_update)[-1] == {"update": {"active": True}}
    assert len(values(refreshed, as_update)) == len(names(Refreshed))


def test_a_toast_travels_with_the_result_but_fills_no_component():
    view = CollectionView((), "<table></table>", "", Change.to(label="Collection (0)"), note="Pinned the answer.")
    assert names(CollectionView) == ["pins", "collection_html", "exports_html", "collection_tab"]
    assert values(view, as_update) == ((), "<table></table>", "", {"update": {"label": "Collection (0)"}})
