"""A soak run: N clients asking questions of a real app process over HTTP on 127.0.0.1, for minutes.

`qa-app soak` reports requests served, errors, latency p50/p95/p99 and the server's memory (RSS) over
time: load figures belong here, not in unit tests with timeouts. It starts `app.py` on a free loopback
port (or soaks one already running, given --url and --pid) and calls the `/ask` API as scripts do.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from statistics import quantiles

from qa_app.config import PROJECT_HOME, Settings
from qa_app.errors import QAError
from qa_app.records import to_dict as plain

# A request slower than this counts as an error: no one waits longer for an answer.
REQUEST_TIMEOUT_S = 120
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


@dataclass(frozen=True)
class SoakResult:
    clients: int
    seconds: float
    served: int
    errors: int
    latency_s: dict[str, float]  # p50, p95, p99 of whole requests
    samples: tuple[Sample, ...] = ()
    first_errors: tuple[str, ...] = ()  # a few, to say what went wrong

    @property
    def rss_growth_mb(self) -> float | None:
        """Memory growth after warm-up: the last sample less the one after the first fifth of the run (at the
        earliest the second: the first is taken before any request)."""
        known = [s for s in self.samples if s.rss_mb is not None]
        if len(known) < 2:
            return None
        warm = known[max(1, len(known) // 5)]
        return round(known[-1].rss_mb - warm.rss_mb, 1)  # type: ignore[operator]


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
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = time.monotonic()
    end = start + seconds

    def client_loop(n: int) -> None:
        client = Client(url, verbose=False, httpx_kwargs={"timeout": REQUEST_TIMEOUT_S})
        i = n
        while time.monotonic() < end:
            question = questions[i % len(questions)]
            i += 1
            asked = time.perf_counter()
            try:
                response = client.predict(question, settings.top_k, None, api_name="/ask")
                problem = None if whole_answer(response) else f"{question!r}: {response!r:.200}"
            except Exception as error:  # a soak counts every failure a client sees, whatever it is
                problem = f"{question!r}: {type(error).__name__}: {error}"
            with lock:
                latencies.append(time.perf_counter() - asked)
                if problem:
                    errors.append(problem)

    samples: list[Sample] = []

    def sample() -> None:
        with lock:
            now = Sample(round(time.monotonic() - start, 1), len(latencies), len(errors), _rss_mb(pid))
        samples.append(now)
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
    return SoakResult(
        clients=clients,
        seconds=round(time.monotonic() - start, 1),
        served=len(latencies),
        errors=len(errors),
        latency_s=percentiles(latencies),
        samples=tuple(samples),
        first_errors=tuple(errors[:3]),
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
    """`python app.py` on a free loopback port over the settings' corpus and index; yields (url, pid)."""
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
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
    return "\n".join(lines + [f"error: {e}" for e in result.first_errors])


def to_dict(result: SoakResult) -> dict:
    return {**plain(result), "rss_growth_mb": result.rss_growth_mb}
