"""Report-level filters (authority, framework, publication dates, judgements) and the report list.

These filters select whole reports by the facts each report states about itself; they resolve to a set
of doc_ids before paragraph-level retrieval runs, so one filter module serves search, ask and compare.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa_app.query.filters import Filters
from qa_app.query.scope import place_of, report_label, words_of
from qa_app.records import Report, ReportSummary, paragraph_count


def matching_reports(reports: Sequence[Report], filters: Filters) -> list[Report]:
    """The reports whose facts pass every report-level filter."""
    return [r for r in reports if _passes(r, filters)]


def _passes(report: Report, filters: Filters) -> bool:
    if filters.authority is not None:
        place = place_of(report).name
        if not any(words_of(w) in (words_of(place), words_of(report.authority or "")) for w in filters.authority):
            return False
    if filters.framework is not None:
        framework = report.framework
        if not framework or not any(framework == f or framework.startswith(f"{f} ") for f in filters.framework):
            return False
    published = filters.published
    if published is not None:
        if not report.published:
            return False
        if isinstance(published, str):
            if not report.published.startswith(published):
                return False
        else:
            low, high = published
            if (low and report.published < low) or (high and report.published > high):
                return False
    if filters.judgement:
        grades = {area.lower(): grade.lower() for area, grade in report.judgements.items()}
        for area, grade in filters.judgement:
            found = [g for a, g in grades.items() if a.startswith(area.lower())]
            if not any(g == grade.lower() or g.startswith(grade.lower()) for g in found):
                return False
    return True


def summary(report: Report) -> ReportSummary:
    return ReportSummary(
        doc_id=report.doc_id,
        title=report.title,
        label=report_label(report, place_of(report).name),
        authority=report.authority,
        framework=report.framework,
        inspection_dates=report.inspection_dates,
        published=report.published,
        lead_inspector=report.lead_inspector,
        judgements=dict(report.judgements),
        overall=report.overall,
        pages=report.pages,
        paragraphs=paragraph_count(report.paragraphs),
    )
