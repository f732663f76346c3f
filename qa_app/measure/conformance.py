"""How well a folder of published reports is read: per report, its paragraph numbering, facts, judgements
and parse time.

`qa-app conformance DIR` runs it. A report conforms when its numbered paragraphs run 1..N without a gap,
every fact is found, and every numbered paragraph of a judged section carries its section's judgement.
Where the folder has a MANIFEST.csv (as ../shared/ofsted does), the framework found is also checked against
the one it lists.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from qa_app.errors import ReportError
from qa_app.ingest.corpus import load_report, report_paths
from qa_app.ingest.judgements import area_grades, section_grade
from qa_app.records import Record, Report

FACTS = ("authority", "framework", "inspection_dates", "published", "lead_inspector", "overall")


@dataclass(frozen=True)
class Conformance(Record):
    """One report's result."""

    name: str  # file name
    seconds: float
    paragraphs: int = 0  # numbered paragraphs found
    contiguous: bool = False  # numbered 1..N, each once, in order
    missing: tuple[int, ...] = ()  # numbers absent from 1..N
    pages: int | None = None
    framework: str | None = None
    overall: str | None = None
    missing_facts: tuple[str, ...] = ()
    listed_framework: str | None = None  # what MANIFEST.csv says, where there is one
    error: str | None = None  # the ReportError, when the report could not be read
    judged: int = 0  # numbered paragraphs in judged sections: every one but the recommendations
    unjudged: tuple[int, ...] = ()  # those without their section's judgement (none, or not the table's)

    @property
    def ok(self) -> bool:
        framework_agrees = self.listed_framework is None or self.listed_framework == self.framework
        return self.error is None and self.contiguous and not self.missing_facts and framework_agrees and not self.unjudged

    def to_dict(self) -> dict:
        return {**super().to_dict(), "ok": self.ok}


def check_report(path: Path, listed_framework: str | None = None) -> Conformance:
    start = time.perf_counter()
    try:
        report = load_report(path)
    except ReportError as error:
        return Conformance(path.name, time.perf_counter() - start, listed_framework=listed_framework, error=str(error))
    return _result(path.name, report, time.perf_counter() - start, listed_framework)


def _result(name: str, report: Report, seconds: float, listed_framework: str | None) -> Conformance:
    numbers = [b.number for b in report.paragraphs if b.number is not None]
    top = max(numbers, default=0)
    judged, unjudged = _judged(report)
    return Conformance(
        name=name,
        seconds=seconds,
        paragraphs=len(numbers),
        contiguous=numbers == list(range(1, top + 1)),
        missing=tuple(sorted(set(range(1, top + 1)) - set(numbers))),
        pages=report.pages,
        framework=report.framework,
        overall=report.overall,
        missing_facts=tuple(f for f in FACTS if not getattr(report, f)) + (() if report.judgements else ("judgements",)),
        listed_framework=listed_framework,
        judged=judged,
        unjudged=unjudged,
    )


def _judged(report: Report) -> tuple[int, tuple[int, ...]]:
    """Numbered paragraphs in judged sections, and those of them that lack their judgement.

    Every section that holds findings reports on a graded area (recommendations are numbered too, but
    judge nothing), so each finding should carry a grade; where its section names an area of the
    judgement table, the table's grade for it.
    """
    if not report.judgements:
        return 0, ()
    grades = area_grades(report.judgements)
    findings = [b for b in report.paragraphs if b.number is not None and b.kind != "recommendation"]
    unjudged = [
        b.number for b in findings if b.judgement is None or (section_grade(b.section_path, grades) or b.judgement) != b.judgement
    ]
    return len(findings), tuple(unjudged)  # type: ignore[arg-type]


def check_folder(folder: Path) -> Iterator[Conformance]:
    """Each PDF report in the folder, in name order, as it is checked."""
    listed = _manifest_frameworks(folder / "MANIFEST.csv")
    for path in report_paths(folder):
        if path.suffix.lower() != ".pdf":
            continue
        yield check_report(path, listed.get(path.name))


def _manifest_frameworks(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["file"]: row["framework"] for row in csv.DictReader(handle) if row.get("file")}


def describe(result: Conformance) -> str:
    """One line per report for the console."""
    if result.error:
        return f"FAIL {result.name}: {result.error}"
    problems = []
    if not result.contiguous:
        problems.append(f"numbering not 1..N (missing {list(result.missing)[:8]})")
    if result.missing_facts:
        problems.append(f"no {', '.join(result.missing_facts)}")
    if result.listed_framework and result.listed_framework != result.framework:
        problems.append(f"framework {result.framework!r}, MANIFEST says {result.listed_framework!r}")
    if result.unjudged:
        problems.append(f"no judgement on ¶{', ¶'.join(map(str, result.unjudged[:8]))}")
    status = "ok  " if result.ok else "FAIL"
    return (
        f"{status} {result.name}: {result.paragraphs} paragraphs, {result.pages} pages, {result.framework}, "
        f"overall {result.overall}, {result.seconds:.2f} s" + (f"; {'; '.join(problems)}" if problems else "")
    )


def summary(results: list[Conformance]) -> str:
    """The totals, then one line per framework: how many paragraphs of judged sections carry their judgement."""
    seconds = [r.seconds for r in results]
    ok = sum(r.ok for r in results)
    contiguous = sum(r.contiguous for r in results)
    lines = [
        f"{ok} of {len(results)} reports conform ({contiguous} numbered 1..N, "
        f"{sum(r.error is not None for r in results)} unreadable); "
        f"parse time mean {mean(seconds) if seconds else 0:.2f} s, max {max(seconds, default=0):.2f} s per report"
    ]
    for framework, (reports, judged, carried) in judgement_shares(results).items():
        share = f"{carried / judged:.1%}" if judged else "n/a"
        lines.append(
            f"  {framework}: {reports} reports, judgements on {carried} of {judged} paragraphs in judged sections ({share})"
        )
    return "\n".join(lines)


def judgement_shares(results: list[Conformance]) -> dict[str, tuple[int, int, int]]:
    """Framework -> (reports, numbered paragraphs in judged sections, those carrying their judgement)."""
    shares: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for result in results:
        if result.error is None:
            counts = shares[result.framework or "no framework"]
            counts[0] += 1
            counts[1] += result.judged
            counts[2] += result.judged - len(result.unjudged)
    return {framework: tuple(counts) for framework, counts in sorted(shares.items())}  # type: ignore[misc]
