"""How well a folder of published reports is read: per report, its paragraph numbering, facts and parse time.

`python -m qa_app conformance DIR` runs it. A report conforms when its numbered paragraphs run 1..N without
a gap and every fact is found. Where the folder has a MANIFEST.csv (as ../shared/ofsted does), the
framework found is also checked against the one it lists.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from qa_app.errors import ReportError
from qa_app.ingest.corpus import load_report, report_paths
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

    @property
    def ok(self) -> bool:
        framework_agrees = self.listed_framework is None or self.listed_framework == self.framework
        return self.error is None and self.contiguous and not self.missing_facts and framework_agrees

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
    )


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
    status = "ok  " if result.ok else "FAIL"
    return (
        f"{status} {result.name}: {result.paragraphs} paragraphs, {result.pages} pages, {result.framework}, "
        f"overall {result.overall}, {result.seconds:.2f} s" + (f"; {'; '.join(problems)}" if problems else "")
    )


def summary(results: list[Conformance]) -> str:
    seconds = [r.seconds for r in results]
    ok = sum(r.ok for r in results)
    contiguous = sum(r.contiguous for r in results)
    return (
        f"{ok} of {len(results)} reports conform ({contiguous} numbered 1..N, "
        f"{sum(r.error is not None for r in results)} unreadable); "
        f"parse time mean {mean(seconds) if seconds else 0:.2f} s, max {max(seconds, default=0):.2f} s per report"
    )
