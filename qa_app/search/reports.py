"""Report-level filters (authority, framework, publication dates, judgements) and the report list.

These filters select whole reports by the facts each report states about itself; they resolve to a set
of doc_ids before paragraph-level retrieval runs, so one filter module serves search, ask and compare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qa_app.records import Report, ReportSummary, paragraph_count
from qa_app.search.scope import place_of, report_label, words_of

REPORT_FILTER_KEYS = {"authority", "framework", "published", "judgement"}


def split_filters(filters: Mapping[str, object] | None) -> tuple[dict[str, object], dict[str, object]]:
    """(report-level filters, paragraph-level filters)."""
    if not filters:
        return {}, {}
    if not isinstance(filters, Mapping):
        raise ValueError('filters must be a mapping such as {"authority": "Norfolk"}.')
    report = {k: v for k, v in filters.items() if k in REPORT_FILTER_KEYS and v not in (None, "", [], {})}
    return report, {k: v for k, v in filters.items() if k not in REPORT_FILTER_KEYS}


def matching_reports(reports: Sequence[Report], filters: Mapping[str, object]) -> list[Report]:
    """The reports whose facts pass every report-level filter; ValueError, in one sentence, for a bad one."""
    check_report_filters(filters)
    return [r for r in reports if _passes(r, filters)]


def check_report_filters(filters: Mapping[str, object]) -> None:
    for key in ("authority", "framework"):
        value = filters.get(key)
        if value is not None and not _is_text_or_texts(value):
            raise ValueError(f"The {key} filter must be text or a list of texts.")
    published = filters.get("published")
    if published is not None and not (
        isinstance(published, str)
        or (isinstance(published, (list, tuple)) and len(published) == 2 and all(p is None or isinstance(p, str) for p in published))
    ):
        raise ValueError('The published filter must be a year ("2019") or a range of ISO dates, ["2019-01-01", "2020-12-31"].')
    judgement = filters.get("judgement")
    if judgement is not None and not (
        isinstance(judgement, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in judgement.items())
    ):
        raise ValueError('The judgement filter must map an area to a grade, {"Overall effectiveness": "Inadequate"}.')


def _passes(report: Report, filters: Mapping[str, object]) -> bool:
    authority = filters.get("authority")
    if authority is not None:
        place = place_of(report).name
        wanted = [authority] if isinstance(authority, str) else authority
        if not any(words_of(w) in (words_of(place), words_of(report.authority or "")) for w in wanted):  # type: ignore[union-attr]
            return False
    framework = filters.get("framework")
    if framework is not None:
        wanted = [framework] if isinstance(framework, str) else framework
        if not report.framework or not any(report.framework == f or report.framework.startswith(f"{f} ") for f in wanted):  # type: ignore[union-attr]
            return False
    published = filters.get("published")
    if published is not None:
        if not report.published:
            return False
        if isinstance(published, str):
            if not report.published.startswith(published):
                return False
        else:
            low, high = published  # type: ignore[misc]
            if (low and report.published < low) or (high and report.published > high):
                return False
    judgement = filters.get("judgement")
    if judgement:
        grades = {area.lower(): grade.lower() for area, grade in report.judgements.items()}
        for area, grade in judgement.items():  # type: ignore[union-attr]
            found = [g for a, g in grades.items() if a.startswith(area.lower())]
            if not any(g == grade.lower() or g.startswith(grade.lower()) for g in found):
                return False
    return True


def _is_text_or_texts(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value))


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
