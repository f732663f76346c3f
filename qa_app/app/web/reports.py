"""The loaded reports in words and rows: the status line, the report table and the judgement chart."""

from __future__ import annotations

from collections.abc import Sequence

from qa_app.errors import skipped_note
from qa_app.records import ReportSummary

REPORT_COLUMNS = ["Report", "Authority", "Framework", "Published", "Overall effectiveness", "Paragraphs", "Pages"]
CHART_COLUMNS = ["year", "framework", "overall", "reports"]
# The grades' usual colours (greens for Outstanding and Good, amber, red), each dark enough for 4.5:1 against
# white; the chart's legend names each grade in words, so colour is never the only cue.
GRADE_COLOURS = {
    "Outstanding": "#14532d",
    "Good": "#15803d",
    "Requires improvement": "#b45309",
    "Requires improvement to be good": "#b45309",
    "Inadequate": "#b91c1c",
    "not graded": "#4b5563",
}


def loaded_line(
    reports: Sequence[ReportSummary],
    skipped: dict[str, str],
    changing: str = "",
    repaired: Sequence[str] = (),
    previous: str | None = None,
) -> str:
    """The status line: "2 reports · 412 paragraphs · ready", then, a part each, the damaged segments the start
    embedded again, why an earlier build answers, any change under way, and what was left out."""
    n = len(reports)
    paragraphs = sum(r.paragraphs for r in reports)
    parts = [f"{n} report{'s' if n != 1 else ''}", f"{paragraphs:,} paragraphs", "ready"]
    if repaired:
        segments = "segment" if len(repaired) == 1 else "segments"
        parts.append(f"re-embedded {len(repaired)} damaged {segments} ({', '.join(repaired)})")
    if previous:
        parts.append(f"serving the previous build: {previous}")
    if changing:
        parts[2] = f"updating: {changing}"
    line = " · ".join(parts)
    return f"{line}. {skipped_note(skipped)}".rstrip(". ") if skipped else line


def report_rows(reports: Sequence[ReportSummary]) -> list[list[object]]:
    """The report list as table rows, newest first."""
    ordered = sorted(reports, key=lambda r: r.published or "", reverse=True)
    return [
        [r.doc_id, r.authority or "", r.framework or "", r.published or "", r.overall or "", r.paragraphs, r.pages or ""]
        for r in ordered
    ]


def judgement_counts(reports: Sequence[ReportSummary]) -> list[dict[str, object]]:
    """Reports counted by publication year, framework and overall judgement: the chart above the list."""
    counts: dict[tuple[str, str, str], int] = {}
    for r in reports:
        key = ((r.published or "")[:4] or "unknown", r.framework or "unknown", r.overall or "not graded")
        counts[key] = counts.get(key, 0) + 1
    return [{"year": y, "framework": f, "overall": o, "reports": n} for (y, f, o), n in sorted(counts.items())]
