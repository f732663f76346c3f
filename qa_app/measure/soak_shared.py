"""Several app processes on one PostgreSQL database, soaked together (issue #27): the clients spread over
them round robin; each process's requests, errors, latency and memory; and, partway through, one report
removed and added again through the first process's page, timed until every other process follows it.

Each process gets a scratch copy of the corpus folder and its own index folder, so the change moves no file
of the real corpus; the database is the corpus they share. The first process loads an empty database.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from qa_app.config import Settings, StoreKind
from qa_app.errors import QAError
from qa_app.ingest.corpus import report_paths
from qa_app.measure.bench_process import copy_reports
from qa_app.measure.page_events import PageSession
from qa_app.measure.soak import QUESTIONS, REQUEST_TIMEOUT_S, Sample, SoakResult, call, soak_apps, started_app
from qa_app.measure.soak import to_dict as soak_dict
from qa_app.records import to_dict as plain

FOLLOW_LIMIT_S = 120  # a process that has not followed a change by then is counted as not following it
AROUND_S = 30  # errors this long before and after the change count as around it


@dataclass(frozen=True)
class Change:
    """One report removed and added again through the first process's page, and when the others followed.

    Times are seconds since the clients started; `*_followed_s` are per other process, seconds from the
    change being done in the first to the report being gone from (or back in) that process's report list,
    None when it was not within FOLLOW_LIMIT_S."""

    doc_id: str
    started_s: float
    removed_s: float  # the removal done in the first process
    removal_followed_s: tuple[float | None, ...]
    added_s: float | None  # the report added again; None when it was not
    add_followed_s: tuple[float | None, ...]
    ended_s: float
    errors_around: int = 0  # the clients' errors, all processes, from AROUND_S before to AROUND_S after
    said: tuple[str, ...] = ()  # what the page's change box said, removal and add

    @property
    def followed(self) -> bool:
        """Added again, and every other process followed both the removal and the add."""
        return self.added_s is not None and None not in self.removal_followed_s + self.add_followed_s


@dataclass(frozen=True)
class SharedSoak:
    processes: tuple[SoakResult, ...]
    total: SoakResult
    change: Change | None
    load_average: tuple[float, float, float]  # 1, 5 and 15 minutes, at the end: the machine's other work
    change_error: str | None = None  # why the change could not be made, when it could not

    @property
    def ok(self) -> bool:
        """No client saw an error, and the change, when one was made, was followed everywhere."""
        return not self.total.errors and not self.change_error and (self.change is None or self.change.followed)


def soak_shared(
    settings: Settings,
    processes: int,
    clients: int,
    seconds: float,
    every_s: float = 30,
    change_at_s: float | None = None,
    questions: Sequence[str] = QUESTIONS,
    report: Callable[[Sample], None] | None = None,
) -> SharedSoak:
    """Start `processes` apps on the settings' database and soak them together; with `change_at_s`, remove
    and add again one report through the first app's page that far into the run."""
    if settings.store is not StoreKind.POSTGRES:
        raise QAError(
            "Soaking app processes together needs one database they share (else each answers from its own index); "
            "pass --store postgresql://... (qa-app store serve starts one)."
        )
    if change_at_s is not None and not 0 <= change_at_s < seconds:
        raise QAError(f"The change at {change_at_s:g} s is outside the {seconds:g} s soak; choose a time within it.")
    with tempfile.TemporaryDirectory(prefix="qa-soak-") as tmp, ExitStack() as stack:
        apps = []
        for n in range(1, processes + 1):  # one after another: the first loads an empty database alone
            own = Path(tmp) / f"process-{n}"
            corpus = copy_reports(report_paths(settings.corpus_dir), own / "corpus")
            apps.append(stack.enter_context(started_app(settings.replace(corpus_dir=corpus, index_dir=own / "index"))))
        start = time.monotonic()
        made: list[Change | str] = []

        def make_change(at_s: float) -> None:
            try:
                made.append(change_later([url for url, _ in apps], settings, start, at_s))
            except Exception as error:  # the soak goes on and says why the change failed
                made.append(f"{type(error).__name__}: {error}")

        changer = threading.Thread(target=make_change, args=(change_at_s,), daemon=True)
        if change_at_s is not None:
            changer.start()
        each, total = soak_apps(apps, clients, seconds, settings.top_k, every_s, questions, report, start)
        if change_at_s is not None:
            changer.join()
    change = next((c for c in made if isinstance(c, Change)), None)
    if change is not None:
        change = replace(change, errors_around=total.errors_between(change.started_s - AROUND_S, change.ended_s + AROUND_S))
    error = next((c for c in made if isinstance(c, str)), None)
    return SharedSoak(tuple(each), total, change, os.getloadavg(), error)


def change_later(urls: Sequence[str], settings: Settings, start: float, at_s: float) -> Change:
    """At `at_s` into the run, remove the smallest report through the first app's page and add its file
    again, timing how soon each other app's report list follows."""
    time.sleep(max(0.0, start + at_s - time.monotonic()))

    def since() -> float:
        return round(time.monotonic() - start, 1)

    with httpx.Client(base_url=urls[0], timeout=REQUEST_TIMEOUT_S) as http:
        loaded = set(doc_ids(http))
        path = min((p for p in report_paths(settings.corpus_dir) if p.stem in loaded), key=lambda p: p.stat().st_size)
        started_s = since()
        page = PageSession(http)
        removed = page.remove(path.stem)
        removed_s = since()
        if not removed.startswith(f"Removed {path.stem}"):
            raise QAError(f"The first app did not remove {path.stem}: {removed}")
        gone = followed(urls[1:], lambda ids: path.stem not in ids)
        added = page.add(path.name, path.read_bytes())
        added_s = since() if f"Added {path.stem}." in added else None
        back = followed(urls[1:], lambda ids: path.stem in ids) if added_s is not None else ()
    return Change(path.stem, started_s, removed_s, gone, added_s, back, since(), said=(removed, added))


def followed(urls: Sequence[str], shows: Callable[[set[str]], bool]) -> tuple[float | None, ...]:
    """Seconds until each app's report list shows the change (polled together), None past FOLLOW_LIMIT_S."""
    found: dict[str, float] = {}
    started = time.monotonic()
    clients = {url: httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) for url in urls}
    try:
        while len(found) < len(urls) and time.monotonic() - started < FOLLOW_LIMIT_S:
            for url, http in clients.items():
                if url not in found and shows(set(doc_ids(http))):
                    found[url] = round(time.monotonic() - started, 1)
            time.sleep(0.2)
    finally:
        for http in clients.values():
            http.close()
    return tuple(found.get(url) for url in urls)


def doc_ids(http: httpx.Client) -> list[str]:
    """The reports an app lists now (its /reports API), waiting as told while it is busy."""
    while (reply := call(http, "reports", [None])).retry_after_s is not None:
        time.sleep(reply.retry_after_s)
    if not isinstance(reply.result, list):
        raise QAError(f"The app's report list came back as {reply.result!r:.200}")
    return [r["doc_id"] for r in reply.result]


def format_shared(result: SharedSoak) -> str:
    lines = []
    for n, p in enumerate(result.processes, 1):
        rss = p.rss_start_end_mb
        memory = f"RSS {rss[0]:,.0f} -> {rss[1]:,.0f} MB" if rss else "RSS unknown"
        lines.append(
            f"process {n}: {p.clients} clients, {p.served} served, {p.errors} errors, "
            f"p50 {p.latency_s['p50']:.2f} s, p95 {p.latency_s['p95']:.2f} s, {memory}"
        )
        lines += [f"  error: {e}" for e in p.first_errors]
    t = result.total
    lines.append(
        f"all: {t.clients} clients for {t.seconds:.0f} s: {t.served} served, {t.errors} errors, "
        f"p50 {t.latency_s['p50']:.2f} s, p95 {t.latency_s['p95']:.2f} s, busy answers {t.busy}"
    )
    if c := result.change:
        lines.append(
            f"change at {c.started_s:.0f} s: {c.doc_id} removed through process 1 by {c.removed_s:.0f} s, "
            f"gone from {_followed(c.removal_followed_s)}; "
            + (
                f"added again by {c.added_s:.0f} s, back in {_followed(c.add_followed_s)}"
                if c.added_s is not None
                else f"not added again: {c.said[-1]}"
            )
            + f"; {c.errors_around} errors from {AROUND_S} s before to {AROUND_S} s after"
        )
    if result.change_error:
        lines.append(f"the change failed: {result.change_error}")
    lines.append("load average at the end: " + ", ".join(f"{x:.1f}" for x in result.load_average) + " (1, 5, 15 min)")
    return "\n".join(lines)


def _followed(each: Sequence[float | None]) -> str:
    """How soon each other process followed: "process 2 after 0.7 s, process 3 not within 120 s"."""
    return ", ".join(
        f"process {n} " + (f"after {x:.1f} s" if x is not None else f"not within {FOLLOW_LIMIT_S} s")
        for n, x in enumerate(each, 2)
    )


def to_dict(result: SharedSoak) -> dict:
    return {
        "processes": [soak_dict(p) for p in result.processes],
        "total": soak_dict(result.total),
        "change": plain(result.change) if result.change else None,
        "change_error": result.change_error,
        "load_average": list(result.load_average),
    }
