"""The soak run's arithmetic: percentiles of request times, what counts as an error, memory growth after warm-up.

The run itself, against a real app process, is exercised in tests/app/test_load.py."""

from __future__ import annotations

from qa_app.measure.soak import Sample, SoakResult, format_soak, percentiles, whole_answer


def test_percentiles_are_of_whole_requests():
    latencies = [i / 100 for i in range(1, 101)]  # 0.01 s .. 1.00 s
    assert percentiles(latencies) == {"p50": 0.505, "p95": 0.951, "p99": 0.99}
    assert percentiles([0.2]) == {"p50": 0.2, "p95": 0.2, "p99": 0.2}
    assert percentiles([]) == {"p50": 0.0, "p95": 0.0, "p99": 0.0}


def test_a_refusal_is_a_whole_answer_and_an_error_payload_is_not():
    assert whole_answer({"answered": False, "message": "The report does not appear to answer this."})
    assert not whole_answer({"error": "The assistant is busy; try again in a moment.", "status": 503})
    assert not whole_answer("<html>502 Bad Gateway</html>")


def test_memory_growth_is_measured_after_the_first_fifth_of_the_run():
    samples = tuple(Sample(float(t), 10 * t, 0, 500.0 + (50 if t == 0 else t)) for t in range(10))
    result = SoakResult(clients=2, seconds=9, served=90, errors=0, latency_s=percentiles([0.1, 0.3]), samples=samples)
    assert result.rss_growth_mb == 7.0  # 509 MB at the end less 502 MB after warm-up (the start, 550, is not counted)
    assert "RSS growth after warm-up: +7.0 MB" in format_soak(result)
    assert SoakResult(1, 1, 1, 0, percentiles([0.1]), samples=(Sample(0, 0, 0, None),)).rss_growth_mb is None
    assert result.rss_start_end_mb == (550.0, 509.0)


def test_errors_are_counted_between_two_moments_of_the_run():
    result = SoakResult(clients=2, seconds=60, served=90, errors=3, latency_s=percentiles([0.1]), error_at_s=(5.0, 40.0, 41.5))
    assert result.errors_between(30, 60) == 2 and result.errors_between(0, 5) == 1 and result.errors_between(6, 39.9) == 0


def test_the_summary_names_requests_errors_and_latency():
    result = SoakResult(
        clients=20,
        seconds=600,
        served=1234,
        errors=2,
        latency_s={"p50": 1.5, "p95": 4.25, "p99": 6.0},
        first_errors=("'How many?': TimeoutError: timed out",),
    )
    lines = format_soak(result).splitlines()
    assert lines[0] == "20 clients for 600 s: 1234 requests served, 2 errors"
    assert lines[1] == "latency p50 1.50 s, p95 4.25 s, p99 6.00 s"
    assert lines[-1] == "error: 'How many?': TimeoutError: timed out"
