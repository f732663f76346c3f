"""A question understood, in one record: cleaned, scoped to the reports it names or the filters select,
stripped of the words that chose them, and put in the reports' own words. Retrieval and reading take
the `Query`; nothing after this parses the question again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qa_app.query.answer_types import FIGURES, answer_type
from qa_app.query.cleaning import clean_question
from qa_app.query.filters import Filters
from qa_app.query.phrasings import report_phrasing
from qa_app.query.report_filters import matching_reports
from qa_app.query.scope import place_of, report_label, resolve_scope
from qa_app.records import Report, Scope


@dataclass(frozen=True)
class Query:
    question: str  # as typed, cleaned: what an answer echoes
    text: str  # what is searched: the question without the words that chose its reports
    phrased: str  # `text` in the reports' own words ("kids in care" -> "children looked after"), for asking
    filters: Filters  # the caller's, narrowed to the scope's reports
    scope: Scope | None  # the reports asked about and why; None when nothing narrows them
    many_reports: bool  # more than one report in reach: a search shares places out, an ask picks one report
    wants_figures: bool  # asks for a figure, kinds left open: headline statistics and tables are read too

    @property
    def reaches_no_report(self) -> bool:
        """The question names only places with no report loaded, or the filters select none."""
        return self.scope is not None and not self.scope.doc_ids

    def why_no_report(self) -> str:
        if self.scope is not None and self.scope.missing:
            return f"No report for {' or '.join(self.scope.missing)} is loaded; add it, or ask about a report in the list."
        return "No loaded report matches the filters; widen them, or ask about a report in the list."


def parse_query(
    question: object, filters: Mapping[str, object] | Filters | None, reports: Sequence[Report], max_chars: int
) -> Query:
    """The Query of what a person typed; InvalidQuestion for an empty or over-long question, ValueError
    for filters of the wrong shape."""
    question = clean_question(question, max_chars)
    scope, narrowed = scope_of(question, Filters.of(filters), reports)
    text = (scope.query if scope else "") or question
    phrased = report_phrasing(text)
    in_reach = len(reports) if scope is None else len(scope.doc_ids)
    wants_figures = answer_type(phrased) in FIGURES and not narrowed.kind
    return Query(question, text, phrased, narrowed, scope, in_reach > 1, wants_figures)


def scope_of(question: str, filters: Filters, reports: Sequence[Report]) -> tuple[Scope | None, Filters]:
    """The reports a question is about and the filters narrowed to them; None means every report.

    Filters the caller sets win over places the question names.
    """
    if filters.by_report or filters.doc_id:
        chosen = matching_reports(reports, filters)
        if filters.doc_id:
            chosen = [r for r in chosen if r.doc_id in filters.doc_id]
        label = "; ".join(label_of(r) for r in chosen[:3]) + (f" and {len(chosen) - 3} more" if len(chosen) > 3 else "")
        scope: Scope | None = Scope(tuple(r.doc_id for r in chosen), label or "no report matches the filters", source="filters")
    else:
        scope = resolve_scope(question, reports)
    return scope, (filters.within(scope.doc_ids) if scope is not None else filters)


def label_of(report: Report) -> str:
    """ "Norfolk, 2015 inspection": how a report is named to people."""
    return report_label(report, place_of(report).name)
