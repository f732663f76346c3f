"""The workbench page: its layout, the wiring of its events to the handlers, the API, and serving it.

Ask, search, compare, the report beside them, a collection of evidence, the report list with adding and
removing reports; the named API endpoints. What each event does lives in handlers.py, pins.py and
changes.py; here each handler's named result is handed to the components its fields name.
"""

from __future__ import annotations

import os

# Before gradio is imported anywhere: it reads this at import time to decide on telemetry.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from typing import Any

# Handlers that take a gr.Request are found by their type hints, which must resolve in this module.
import gradio as gr

from qa_app.app.web import guard, pins, saved_pins
from qa_app.app.web.access import Caller, caller_of, page_address
from qa_app.app.web.admission import HELD_PLACES
from qa_app.app.web.api import endpoints
from qa_app.app.web.assets import CSS, HEAD, READER_SCRIPT
from qa_app.app.web.changes import CorpusChanges
from qa_app.app.web.collection import download_links, render_collection
from qa_app.app.web.handlers import EXAMPLES, Workbench
from qa_app.app.web.passages import render_notice
from qa_app.app.web.reports import GRADE_COLOURS, REPORT_COLUMNS
from qa_app.app.web.slot import AssistantSlot
from qa_app.app.web.upload_folder import sweep, uploads_folder
from qa_app.app.web.views import (
    AnswerView,
    Change,
    CollectionView,
    CompareView,
    CorpusChangeView,
    FiltersView,
    ReaderView,
    Refreshed,
    SearchView,
    names,
    values,
)
from qa_app.assistant import Assistant
from qa_app.config import Settings, StoreKind

# Every call that runs the model shares one concurrency group: the work is CPU-bound numpy/torch on a
# small machine, so more than ASSISTANT_CONCURRENCY at once only makes each one slower.
ASSISTANT_CONCURRENCY = 2
# Past this many waiting, callers get the busy answer at once (admission.py) instead of waiting minutes;
# Gradio's own cap leaves room for those who come back with a ticket.
QUEUE_MAX_SIZE = 32
LIMITS: dict[str, Any] = {"concurrency_limit": ASSISTANT_CONCURRENCY, "concurrency_id": "assistant"}
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def emit(view: Any) -> tuple[object, ...]:
    """A handler's named result as the values Gradio sets, in the order of its components."""
    return values(view, lambda change: gr.update(**change.props))


def one(change: Change) -> object:
    """The value of a handler that changes one component."""
    return gr.update(**change.props)


def layout(settings: Settings, bench: Workbench) -> dict[str, Any]:
    """The page's components by name (the names the handlers' results use); call inside gr.Blocks."""
    ui: dict[str, Any] = {}

    def report_pane(link: object) -> str:  # a function, as Gradio marks its server functions
        return bench.report_pane(link)

    gr.Markdown("## Inspection report assistant\nAsk a question about the inspection reports, search them, and read them.")
    ui["status"] = gr.Markdown(bench.slot.status(), elem_id="qa-status")
    with gr.Row():
        ui["report"] = gr.Dropdown([("All reports", "")], value="", label="Report", scale=2, elem_id="qa-filter-report")
        ui["section"] = gr.Dropdown([("All sections", "")], value="", label="Section", scale=2, elem_id="qa-filter-section")
        ui["framework"] = gr.Dropdown(
            [("All frameworks", "")], value="", label="Framework", scale=1, elem_id="qa-filter-framework"
        )
        ui["overall"] = gr.Dropdown(
            [("Any overall judgement", "")], value="", label="Overall judgement", scale=1, elem_id="qa-filter-overall"
        )
    ui["mode"] = gr.State("")
    ui["shown"] = gr.State({})  # block_id -> Hit of the passages on the page, which the pin buttons name
    ui["last_answer"] = gr.State(None)
    ui["pins"] = gr.State(())
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            with gr.Tabs():
                with gr.Tab("Ask", id="ask"):
                    with gr.Row():
                        ui["question"] = gr.Textbox(
                            label="Question",
                            placeholder="e.g. " + EXAMPLES[0],
                            lines=1,
                            max_length=settings.max_question_chars,
                            elem_id="qa-question",
                            scale=5,
                            autofocus=True,
                        )
                        ui["ask_button"] = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                    ui["examples"] = gr.Examples(EXAMPLES, inputs=[ui["question"]], label="Examples (click one to ask it)")
                    ui["answer_html"] = gr.HTML(elem_id="qa-answer")
                    ui["other_reports"] = gr.Radio(
                        [], label="Answer from another report", visible=False, elem_id="qa-other-reports"
                    )
                    with gr.Row():
                        ui["copy_box"] = gr.Textbox(
                            label="Answer with citation, as text",
                            lines=3,
                            interactive=False,
                            buttons=["copy"],
                            elem_id="qa-copy",
                            scale=5,
                        )
                        ui["pin_answer"] = gr.Button("Pin this answer", elem_id="qa-pin-answer", scale=1)
                    gr.Markdown("### Evidence")
                    ui["evidence_html"] = gr.HTML(elem_id="qa-evidence")
                with gr.Tab("Search passages", id="search"):
                    with gr.Row():
                        ui["query"] = gr.Textbox(label="Search", placeholder="e.g. early help", elem_id="qa-query", scale=5)
                        ui["top_k"] = gr.Slider(1, 30, value=10, step=1, label="Passages", scale=1, elem_id="qa-top-k")
                        ui["search_button"] = gr.Button("Search", variant="primary", scale=1, elem_id="qa-search")
                    ui["results_html"] = gr.HTML(elem_id="qa-results")
                with gr.Tab("Compare reports", id="compare"):
                    with gr.Row():
                        ui["topic"] = gr.Textbox(label="Topic", placeholder="e.g. IRO caseloads", elem_id="qa-topic", scale=5)
                        ui["compare_button"] = gr.Button("Compare", variant="primary", scale=1, elem_id="qa-compare")
                    ui["compare_html"] = gr.HTML(elem_id="qa-compare-results")
                with gr.Tab("Collection (0)", id="collection") as ui["collection_tab"]:
                    ui["collection_html"] = gr.HTML(render_collection(()), elem_id="qa-collection")
                    ui["exports_html"] = gr.HTML(download_links(()), elem_id="qa-exports")
                with gr.Tab("Reports", id="reports"):
                    ui["judgement_chart"] = gr.BarPlot(
                        x="year",
                        y="reports",
                        color="overall",
                        color_map=GRADE_COLOURS,
                        color_title="Overall effectiveness",
                        label="Overall judgements by year",
                        elem_id="qa-chart",
                    )
                    ui["report_table"] = gr.Dataframe(
                        headers=REPORT_COLUMNS, interactive=False, label="Reports loaded", elem_id="qa-reports"
                    )
                    with gr.Accordion("Add or remove reports", open=False, elem_id="qa-manage"):
                        ui["uploads"] = gr.File(
                            label=f"Reports to add (PDF or Markdown, up to {settings.max_upload_mb:g} MB each)",
                            file_count="multiple",
                            file_types=[".pdf", ".md"],
                            elem_id="qa-upload",
                        )
                        ui["add_button"] = gr.Button("Add these reports", variant="primary", elem_id="qa-add")
                        with gr.Row():
                            ui["removable"] = gr.Dropdown([], label="Report to remove", elem_id="qa-removable", scale=3)
                            ui["remove_button"] = gr.Button("Remove this report", variant="stop", elem_id="qa-remove", scale=1)
                        ui["change_html"] = gr.HTML(elem_id="qa-change")
        with gr.Column(scale=2, min_width=360):
            ui["reading"] = gr.Dropdown([], label="Report to read", elem_id="qa-reading")
            ui["report_view"] = gr.HTML(
                render_notice("Choose a report to read, or open a citation (¶) to read it at that paragraph."),
                elem_id="qa-report",
                js_on_load=READER_SCRIPT,
                server_functions=[report_pane],
            )
    # What the page script hands over when a rendered link or button is used (see assets.SCRIPT).
    hidden: dict[str, Any] = {"visible": "hidden", "elem_classes": ["qa-hidden-control"]}
    ui["open_target"] = gr.Textbox(label="Open this address", elem_id="qa-open-target", **hidden)
    ui["open_go"] = gr.Button("Open", elem_id="qa-open-go", **hidden)
    ui["pin_target"] = gr.Textbox(label="Pin this passage", elem_id="qa-pin-target", **hidden)
    ui["pin_go"] = gr.Button("Pin", elem_id="qa-pin-go", **hidden)
    ui["unpin_target"] = gr.Textbox(label="Remove this item", elem_id="qa-unpin-target", **hidden)
    ui["unpin_go"] = gr.Button("Remove", elem_id="qa-unpin-go", **hidden)
    ui["change_token"] = gr.Textbox(label="Session secret", elem_id="qa-change-token", **hidden)
    ui["timer"] = gr.Timer(1.0, active=bench.slot.assistant is None)
    return ui


def wire(demo: gr.Blocks, ui: dict[str, Any], bench: Workbench, changes: CorpusChanges) -> None:
    """Each event to its handler: the inputs by name, the outputs the names of its result's fields."""
    slot = bench.slot

    def out(view: type) -> list[Any]:
        return [ui[name] for name in names(view)]

    def on_ask(
        question: str, doc_id: str | None, section: str | None, framework: str | None, overall: str | None, reading: str | None
    ):
        return emit(bench.ask(question, doc_id, section, framework, overall, reading))

    def on_other_report(
        question: str, chosen: str | None, section: str | None, framework: str | None, overall: str | None, reading: str | None
    ):
        return emit(bench.other_report(question, chosen, section, framework, overall, reading))

    def on_search(query: str, top_k: float, doc_id: str | None, section: str | None, framework: str | None, overall: str | None):
        return emit(bench.search(query, top_k, doc_id, section, framework, overall))

    def on_compare(topic: str, doc_id: str | None, section: str | None, framework: str | None, overall: str | None):
        return emit(bench.compare(topic, doc_id, section, framework, overall))

    def on_filters(mode: str, question: str, query: str, top_k: float, topic: str, doc_id, section, framework, overall, reading):
        return emit(bench.filters_changed(mode, question, query, top_k, topic, doc_id, section, framework, overall, reading))

    def on_open(search: str):
        return emit(bench.open(search))

    def on_read(doc_id: str | None):
        return one(bench.read(doc_id))

    def on_refresh(doc_id: str | None, request: gr.Request):
        return emit(bench.refresh(dict(request.query_params) if request is not None else {}))

    def on_report(doc_id: str | None):
        return one(bench.report_chosen(doc_id))

    def shown_collection(view: CollectionView):
        if view.warning:
            gr.Warning(view.warning)
        if view.note:
            gr.Info(view.note)
        return emit(view)

    def address(request: gr.Request | None) -> str:
        return page_address(caller_from(bench.settings, request))

    def kept(view: CollectionView, request: gr.Request | None):
        """The view shown, its items saved for the signed-in person (when the store keeps collections)."""
        saved_pins.keep(slot, getattr(request, "username", None), view.pins)
        return shown_collection(view)

    def on_pin(value: str, items: tuple, shown: dict, request: gr.Request):
        return kept(pins.pin(slot, value, items, shown, address(request)), request)

    def on_pin_answer(answer, items: tuple, request: gr.Request):
        return kept(pins.pin_answer(slot, answer, items, address(request)), request)

    def on_unpin(value: str, items: tuple, request: gr.Request):
        return kept(pins.unpin(value, items, address(request)), request)

    def on_restore(request: gr.Request):
        """A signed-in person's saved collection, back on a new page."""
        return emit(pins.collected(saved_pins.restore(slot, getattr(request, "username", None)), address(request)))

    def on_session(request: gr.Request) -> str:
        """This session's secret for corpus changes, into the page's hidden box."""
        return changes.session_token(request.session_hash)

    def on_add(files: list[str] | None, token: str | None, request: gr.Request):
        for view in changes.add(files, caller_from(bench.settings, request), token):
            yield emit(view)

    def on_remove(doc_id: str | None, token: str | None, request: gr.Request):
        for view in changes.remove(doc_id, caller_from(bench.settings, request), token):
            yield emit(view)

    filters = [ui[n] for n in ("report", "section", "framework", "overall")]
    ask_io = dict(fn=on_ask, inputs=[ui["question"], *filters, ui["reading"]], outputs=out(AnswerView), **PRIVATE, **LIMITS)
    for trigger in (ui["question"].submit, ui["ask_button"].click, ui["examples"].load_input_event.then):
        trigger(**ask_io).then(lambda: "ask", outputs=[ui["mode"]], **PRIVATE, queue=False)
    search_io = dict(fn=on_search, inputs=[ui["query"], ui["top_k"], *filters], outputs=out(SearchView), **PRIVATE, **LIMITS)
    for trigger in (ui["query"].submit, ui["search_button"].click):
        trigger(**search_io).then(lambda: "search", outputs=[ui["mode"]], **PRIVATE, queue=False)
    ui["other_reports"].input(
        on_other_report,
        inputs=[ui[n] for n in ("question", "other_reports", "section", "framework", "overall", "reading")],
        outputs=out(AnswerView),
        **PRIVATE,
        **LIMITS,
    )
    compare_io = dict(fn=on_compare, inputs=[ui["topic"], *filters], outputs=out(CompareView), **PRIVATE, **LIMITS)
    for trigger in (ui["topic"].submit, ui["compare_button"].click):
        trigger(**compare_io).then(lambda: "compare", outputs=[ui["mode"]], **PRIVATE, queue=False)
    for menu in filters:
        menu.input(
            on_filters,
            inputs=[*(ui[n] for n in ("mode", "question", "query", "top_k", "topic")), *filters, ui["reading"]],
            outputs=out(FiltersView),
            **PRIVATE,
            **LIMITS,
        )

    ui["open_go"].click(on_open, inputs=[ui["open_target"]], outputs=out(ReaderView), **PRIVATE, **LIMITS)
    ui["reading"].input(on_read, inputs=[ui["reading"]], outputs=[ui["report_view"]], **PRIVATE, **LIMITS)
    # Pins go through the queue, outside the model's concurrency group: toasts (the confirmations) show
    # only for queued events.
    collection = dict(outputs=out(CollectionView), **PRIVATE, concurrency_limit=None)
    ui["pin_go"].click(on_pin, inputs=[ui["pin_target"], ui["pins"], ui["shown"]], **collection)
    ui["pin_answer"].click(on_pin_answer, inputs=[ui["last_answer"], ui["pins"]], **collection)
    ui["unpin_go"].click(on_unpin, inputs=[ui["unpin_target"], ui["pins"]], **collection)

    add_inputs = [ui["uploads"], ui["change_token"]]
    ui["add_button"].click(on_add, inputs=add_inputs, outputs=out(CorpusChangeView), **PRIVATE).then(
        lambda: None, outputs=[ui["uploads"]], **PRIVATE, queue=False
    )
    remove_inputs = [ui["removable"], ui["change_token"]]
    ui["remove_button"].click(on_remove, inputs=remove_inputs, outputs=out(CorpusChangeView), **PRIVATE)
    demo.load(on_session, outputs=[ui["change_token"]], **PRIVATE, queue=False)
    if bench.settings.store is StoreKind.POSTGRES:  # collections are kept in the database
        demo.load(on_restore, outputs=out(CollectionView), **PRIVATE, queue=False)

    refresh_io = dict(fn=on_refresh, inputs=[ui["report"]], outputs=out(Refreshed), **PRIVATE, queue=False)
    ui["timer"].tick(**refresh_io)
    demo.load(**refresh_io)
    ui["report"].change(on_report, inputs=[ui["report"]], outputs=[ui["section"]], **PRIVATE, queue=False)


def caller_from(settings: Settings, request: gr.Request | None) -> Caller:
    """What a page event's request says about itself (a direct call without a request says nothing)."""
    client = getattr(request, "client", None)
    return caller_of(
        settings,
        getattr(request, "headers", None) or {},
        client.host if client else None,
        getattr(request, "username", None),
        getattr(request, "session_hash", None),
    )


def build_app(assistant: Assistant | AssistantSlot, settings: Settings | None = None) -> gr.Blocks:
    """The workbench and the named API endpoints over an assistant, or over a slot it will be loaded into."""
    settings = settings or Settings.load()
    # Gradio keeps uploads (and its component cache) here; read as components are made, so set first.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(uploads_folder(settings)))
    sweep(uploads_folder(settings))  # nothing is being processed yet: what is there was abandoned
    slot = assistant if isinstance(assistant, AssistantSlot) else AssistantSlot(assistant)
    bench = Workbench(slot, settings)
    with gr.Blocks(title="Inspection report assistant", analytics_enabled=False) as demo:
        wire(demo, layout(settings, bench), bench, CorpusChanges(bench))
        for name, fn in endpoints(slot).items():
            gr.api(fn, api_name=name, **LIMITS)
    demo.queue(default_concurrency_limit=ASSISTANT_CONCURRENCY, max_size=QUEUE_MAX_SIZE + HELD_PLACES)
    return demo


def launch(demo: gr.Blocks, settings: Settings, *, block: bool = True) -> None:
    """Serve on settings.host:port behind the guard (see guard.py): no share link (nor its hint), no telemetry,
    login when both a username and a password are set; of files, only reports are served."""
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        quiet=True,
        auth=settings.auth,
        css=CSS,
        head=HEAD,
        footer_links=["api"],
        max_file_size=settings.max_upload_bytes,
        state_session_capacity=settings.state_session_capacity,
        app_kwargs={"lifespan": guard.lifespan(settings, uploads_folder(settings), QUEUE_MAX_SIZE)},
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        prevent_thread_lock=not block,
        show_error=False,
    )
