"""What each page handler returns: named results, one field per component it changes, in no web framework's
terms. The page maps field names to its components (`names`) and results to the values it hands Gradio
(`values`), so no handler returns a positional tuple and no caller slices one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, get_type_hints

from qa_app.records import Answer, Hit


@dataclass(frozen=True)
class Change:
    """New properties for one component, the others left as they are (what gr.update says, without gradio)."""

    props: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def to(cls, **props: Any) -> Change:
        return cls(props)


KEEP = Change()  # leave the component as it is


class View:
    """A handler's result: each field a component's new value or Change; a View field stands for its own fields.
    A field with metadata {"shown": False} travels with the result but is no component (a toast, say)."""


def names(view: type[View]) -> list[str]:
    """The components a result of this class fills, in order."""
    hints = get_type_hints(view)
    out: list[str] = []
    for f in fields(view):  # type: ignore[arg-type]
        if not f.metadata.get("shown", True):
            continue
        kind = hints[f.name]
        out += names(kind) if isinstance(kind, type) and issubclass(kind, View) else [f.name]
    return out


def values(view: Any, update: Callable[[Change], object]) -> tuple[object, ...]:
    """The result's values in the order of `names`, each Change made a framework update by `update`."""
    out: list[object] = []
    for f in fields(view):
        if not f.metadata.get("shown", True):
            continue
        value = getattr(view, f.name)
        if isinstance(value, View):
            out += values(value, update)
        else:
            out.append(update(value) if isinstance(value, Change) else value)
    return tuple(out)


def hidden(default: Any = "") -> Any:
    """A field that is not a component."""
    return field(default=default, metadata={"shown": False})


# ---------------------------------------------------------------- the results


@dataclass(frozen=True)
class AnswerView(View):
    """An answer (or an opened paragraph, or why there is none) with its evidence."""

    answer_html: str | Change
    evidence_html: str | Change = ""
    copy_box: str | Change = ""
    other_reports: Change = Change.to(choices=[], value=None, visible=False)
    report_view: Change = KEEP
    reading: Change = KEEP
    shown: dict[str, Hit] | Change = field(default_factory=dict)  # block_id -> Hit of the passages on the page
    last_answer: Answer | Change | None = None

    @classmethod
    def unchanged(cls) -> AnswerView:
        return cls(KEEP, KEEP, KEEP, KEEP, KEEP, KEEP, KEEP, KEEP)


@dataclass(frozen=True)
class SearchView(View):
    results_html: str
    shown: dict[str, Hit] = field(default_factory=dict)


@dataclass(frozen=True)
class CompareView(View):
    compare_html: str
    shown: dict[str, Hit] = field(default_factory=dict)


@dataclass(frozen=True)
class FiltersView(View):
    """A filter changed: what was last asked, searched or compared, run again; the rest kept."""

    answer_html: object = KEEP
    evidence_html: object = KEEP
    copy_box: object = KEEP
    other_reports: Change = KEEP
    report_view: Change = KEEP
    reading: Change = KEEP
    last_answer: object = KEEP
    results_html: object = KEEP
    compare_html: object = KEEP
    shown: object = KEEP


@dataclass(frozen=True)
class ReaderView(View):
    """The report view, and the menu of the report it shows."""

    report_view: Change
    reading: Change = KEEP


@dataclass(frozen=True)
class Menus(View):
    """The status line and every menu and list that names the loaded reports."""

    status: object = KEEP
    report: Change = KEEP
    section: Change = KEEP
    framework: Change = KEEP
    overall: Change = KEEP
    report_table: Change = KEEP
    judgement_chart: Change = KEEP
    reading: Change = KEEP
    removable: Change = KEEP


@dataclass(frozen=True)
class Refreshed(View):
    """The page brought up to date with the assistant; the timer stops once it is ready."""

    menus: Menus
    report_view: Change
    timer: Change


@dataclass(frozen=True)
class CollectionView(View):
    """This session's pinned evidence, shown and ready to download; `note` and `warning` are toasts."""

    pins: tuple
    collection_html: str
    exports_html: str
    collection_tab: Change
    note: str = hidden()
    warning: str = hidden()


@dataclass(frozen=True)
class CorpusChangeView(View):
    """How adding or removing reports is going, and the menus once the index has caught up."""

    change_html: str
    menus: Menus = Menus()
