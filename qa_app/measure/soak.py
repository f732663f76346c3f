"""A soak run: N clients asking questions of a real app process over HTTP on 127.0.0.1, for minutes.

`qa-app soak` reports requests served, errors, latency p50/p95/p99 and the server's memory (RSS) over
time: load figures belong here, not in unit tests with timeouts. It starts `app.py` on a free loopback
port (or soaks one already running, given --url and --pid) and calls the `/ask` API over HTTP as scripts
do; `soak_apps` spreads the clients over several apps (soak_shared.py: processes sharing one database). Each client is polite: told the server is busy, it waits the Retry-After it is given and tries again,
up to TRIES times a question; the run counts the busy answers and the try at which each question was answered.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from statistics import quantiles

import httpx

from qa_app.config import PROJECT_HOME, Settings
from qa_app.errors import QAError
from qa_app.records import to_dict as plain

# A request slower than this counts as an error: no one waits longer for an answer.
REQUEST_TIMEOUT_S = 120
TRIES = 3  # a polite client asks a question this many times at most, waiting as told between
# Questions a day's work asks; any corpus answers or refuses them, and either is a whole response.
QUESTIONS = (
    "How many children were looked after?",
    "What did inspectors find about early help?",
    "How well do leaders know their services?",
    "What needs to improve for care leavers?",
    "How quickly are child protection enquiries made?",
    "What is the average caseload of social workers?",
)


@dataclass(frozen=True)
class Sample:
    """The server at one moment of the run."""

    seconds: float  # since the clients started
    served: int  # responses so far
    errors: int
    rss_mb: float | None  # the app process and its children; None when not known
    process: int = 1  # which of the apps soaked together, from 1


@dataclass(frozen=True)
class SoakResult:
    clients: int
    seconds: float
    served: int
    errors: int
    latency_s: dict[str, float]  # p50, p95, p99 of the requests answered
    samples: tuple[Sample, ...] = ()
    first_errors: tuple[str, ...] = ()  # a few, to say what went wrong
    busy: int = 0  # busy answers (503 with Retry-After), each followed by a wait and another try
    answered_at: tuple[int, ...] = ()  # questions answered at the 1st, 2nd, ... try
    unanswered: int = 0  # questions still turned away after TRIES tries
    error_at_s: tuple[float, ...] = ()  # when each error came, in seconds since the clients started

    @property
    def rss_growth_mb(self) -> float | None:
        """Memory growth after warm-up: the last sample less the one after the first fifth of the run (at the
        earliest the second: the first is taken before any request)."""
        known = [s for s in self.samples if s.rss_mb is not None]
        if len(known) < 2:
            return None
        warm = known[max(1, len(known) // 5)]
        return round(known[-1].rss_mb - warm.rss_mb, 1)  # type: ignore[operator]

    @property
    def rss_start_end_mb(self) -> tuple[float, float] | None:
        """Memory before the first request and at the end."""
        known = [s.rss_mb for s in self.samples if s.rss_mb is not None]
        return (known[0], known[-1]) if len(known) >= 2 else None

    def errors_between(self, first_s: float, last_s: float) -> int:
        """The errors that came from `first_s` to `last_s` seconds into the run."""
        return sum(first_s <= t <= last_s for t in self.error_at_s)


def percentiles(latencies: Sequence[float]) -> dict[str, float]:
    """p50, p95 and p99 in seconds; all 0 with no requests."""
    if not latencies:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    if len(latencies) == 1:
        return dict.fromkeys(("p50", "p95", "p99"), round(latencies[0], 3))
    cuts = quantiles(latencies, n=100, method="inclusive")
    return {"p50": round(cuts[49], 3), "p95": round(cuts[94], 3), "p99": round(cuts[98], 3)}


def whole_answer(response: object) -> bool:
    """An /ask response a script can use: an answer or a refusal, never an error payload."""
    return isinstance(response, dict) and "answered" in response and "status" not in response


@dataclass(frozen=True)
class Reply:
    """One call's outcome: the /ask result, or the seconds the busy answer said to wait."""

    result: object = None
    retry_after_s: float | None = None


def call(client: httpx.Client, name: str, data: list) -> Reply:
    """One call of a named API endpoint as a script makes it over HTTP (start the call, then read its events);
    a busy answer is one only when it says so in one sentence and gives a Retry-After."""
    started = client.post(f"/gradio_api/call/{name}", json={"data": data})
    if started.status_code == 503:
        detail = started.json().get("detail", "")
        if "retry-after" not in started.headers or not detail.startswith("The server is busy"):
            raise QAError(f"a 503 that is not the busy answer: {started.headers} {detail!r:.200}")
        return Reply(retry_after_s=float(started.headers["retry-after"]))
    started.raise_for_status()
    event = ""
    with client.stream("GET", f"/gradio_api/call/{name}/{started.json()['event_id']}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = json.loads(line.split(":", 1)[1])
                return Reply(data[0] if event == "complete" and data else data)
    raise QAError("the call ended without a result")


def ask(client: httpx.Client, question: str, top_k: int) -> Reply:
    """One /ask call."""
    return call(client, "ask", [question, top_k, None])


def run_soak(
    settings: Settings,
    clients: int,
    seconds: float,
    every_s: float = 30,
    url: str | None = None,
    pid: int | None = None,
    questions: Sequence[str] = QUESTIONS,
    report: Callable[[Sample], None] | None = None,
) -> SoakResult:
    """Soak the app at `url` (its process `pid`, for memory), or one started here on `settings`."""
    if url is None:
        with started_app(settings) as (url, pid):
            return run_soak(settings, clients, seconds, every_s, url, pid, questions, report)
    (result,), _ = soak_apps([(url, pid)], clients, seconds, settings.top_k, every_s, questions, report)
    return result


class Tally:
    """One app's requests so far; its clients' threads add to it under the lock."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.error_at_s: list[float] = []
        self.busy = 0
        self.answered_at = [0] * TRIES
        self.unanswered = 0

    def sample(self, pid: int | None, process: int) -> Sample:
        with self.lock:
            return Sample(round(time.monotonic() - self.start, 1), len(self.latencies), len(self.errors), _rss_mb(pid), process)


def soak_apps(
    apps: Sequence[tuple[str, int | None]],
    clients: int,
    seconds: float,
    top_k: int,
    every_s: float = 30,
    questions: Sequence[str] = QUESTIONS,
    report: Callable[[Sample], None] | None = None,
    start: float | None = None,
) -> tuple[list[SoakResult], SoakResult]:
    """Soak the apps (url, pid) together, client n asking app n mod len(apps); each app's result, and all of
    them together. The run starts at `start` (time.monotonic()), by default now."""
    start = time.monotonic() if start is None else start
    end = start + seconds
    tallies = [Tally(start) for _ in apps]

    def client_loop(n: int) -> None:
        url, tally = apps[n % len(apps)][0], tallies[n % len(apps)]
        # One HTTP client each, keeping its cookies as a browser does: the busy answer's ticket among them.
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
            i = n
            while time.monotonic() < end:
                question = questions[i % len(questions)]
                i += 1
                for tries in range(1, TRIES + 1):
                    asked = time.perf_counter()
                    try:
                        reply = ask(client, question, top_k)
                        problem = (
                            None if reply.retry_after_s is not None or whole_answer(reply.result) else f"{reply.result!r:.200}"
                        )
                    except Exception as error:  # a soak counts every failure a client sees, whatever it is
                        reply, problem = Reply(), f"{type(error).__name__}: {error}"
                    with tally.lock:
                        if reply.retry_after_s is not None:
                            tally.busy += 1
                        else:
                            tally.latencies.append(time.perf_counter() - asked)
                            tally.answered_at[tries - 1] += problem is None
                        if problem:
                            tally.errors.append(f"{question!r}: {problem}")
                            tally.error_at_s.append(round(time.monotonic() - start, 1))
                    if reply.retry_after_s is None:
                        break
                    if tries == TRIES:
                        with tally.lock:
                            tally.unanswered += 1
                    else:
                        time.sleep(reply.retry_after_s)

    samples: list[list[Sample]] = [[] for _ in apps]

    def sample() -> None:
        for n, ((_, pid), tally) in enumerate(zip(apps, tallies)):
            now = tally.sample(pid, n + 1)
            samples[n].append(now)
            if report:
                report(now)

    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
    sample()
    for thread in threads:
        thread.start()
    while time.monotonic() < end:
        time.sleep(max(0.0, min(every_s, end - time.monotonic())))
        if time.monotonic() < end:
            sample()
    for thread in threads:  # each finishes the request it is in
        thread.join()
    sample()
    took = round(time.monotonic() - start, 1)
    each = [_result([tally], len(range(n, clients, len(apps))), took, samples[n]) for n, tally in enumerate(tallies)]
    return each, _result(tallies, clients, took, [])


def _result(tallies: Sequence[Tally], clients: int, seconds: float, samples: Sequence[Sample]) -> SoakResult:
    """The result of these apps' requests together."""
    errors = [e for t in tallies for e in t.errors]
    return SoakResult(
        clients=clients,
        seconds=seconds,
        served=sum(len(t.latencies) for t in tallies),
        errors=len(errors),
        latency_s=percentiles([x for t in tallies for x in t.latencies]),
        samples=tuple(samples),
        first_errors=tuple(errors[:3]),
        busy=sum(t.busy for t in tallies),
        answered_at=tuple(sum(at) for at in zip(*(t.answered_at for t in tallies))),
        unanswered=sum(t.unanswered for t in tallies),
        error_at_s=tuple(sorted(x for t in tallies for x in t.error_at_s)),
    )


def _rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    import psutil

    try:
        process = psutil.Process(pid)
        return round(sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20, 1)
    except psutil.Error:
        return None


@contextmanager
def started_app(settings: Settings, ready_timeout_s: float = 900) -> Iterator[tuple[str, int]]:
    """`python app.py` on a free loopback port over the settings' corpus, index and store; yields (url, pid)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        str(PROJECT_HOME / "app.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--corpus",
        str(settings.corpus_dir),
        "--index",
        str(settings.index_dir),
    ]
    env = {**os.environ, "QA_STORE": settings.store_url} if settings.store_url else None  # a database it shares
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    ready = threading.Event()
    tail: list[str] = []

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            tail[:] = [*tail[-20:], line]
            if "Ready in" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + ready_timeout_s
    try:
        while not ready.wait(1):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise QAError("The app did not start for the soak run; its last words: " + " ".join(tail[-3:]).strip())
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def format_sample(sample: Sample) -> str:
    rss = f"{sample.rss_mb:,.0f} MB" if sample.rss_mb is not None else "unknown"
    return f"{sample.seconds:7.1f} s  served {sample.served:6d}  errors {sample.errors:4d}  RSS {rss}"


def format_soak(result: SoakResult) -> str:
    latency = result.latency_s
    growth = result.rss_growth_mb
    lines = [
        f"{result.clients} clients for {result.seconds:.0f} s: {result.served} requests served, {result.errors} errors",
        f"latency p50 {latency['p50']:.2f} s, p95 {latency['p95']:.2f} s, p99 {latency['p99']:.2f} s",
        "RSS growth after warm-up: " + (f"{growth:+.1f} MB" if growth is not None else "unknown"),
    ]
    if result.busy or result.unanswered:
        tries = ", ".join(f"{n} at try {i}" for i, n in enumerate(result.answered_at, 1))
        lines.append(
            f"busy answers: {result.busy}; waiting as told, questions answered {tries}; "
            f"{result.unanswered} not answered in {TRIES} tries"
        )
    return "\n".join(lines + [f"error: {e}" for e in result.first_errors])


def to_dict(result: SoakResult) -> dict:
    return {**plain(result), "rss_growth_mb": result.rss_growth_mb, "rss_start_end_mb": result.rss_start_end_mb}
