"""The running app with several clients at once through the HTTP API: every answer whole and right.

`python app.py` runs as a subprocess on a loopback port over a tiny report, exactly as a script on the
office machine would call it. Throughput, latency and memory over time are `qa-app soak`'s to measure
(README, Performance), not these tests': nothing here depends on how fast the machine is.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support import running_app, write_report

from qa_app.config import Settings
from qa_app.measure.soak import run_soak

START_TIMEOUT_S = 600
CLIENTS = 5
QUESTIONS_PER_CLIENT = 4
# However loaded the machine: these tests are about what the answers are, never how soon they come.
WAIT = {"timeout": 600}
# question -> what the answer must contain, and the paragraph it must cite first
QUESTIONS = {
    "How many children were looked after?": ("620", 1),
    "How long do early help cases stay open on average?": ("14", 2),
    "What share of managers do not complete audits?": ("12", 3),
    "How long does the adoption service take to place children?": ("400", 6),
    "How quickly are private fostering arrangements checked?": ("seven", 7),
    "What is the average caseload of social workers?": ("18", 8),
    "By what age do care leavers receive a personal adviser?": ("16", 5),
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_report(tmp_path_factory.mktemp("load") / "corpus")


@pytest.fixture(scope="module")
def app(corpus):
    """The app, started as a person starts it, once it says it is ready; yields (url, index folder)."""
    index_dir = corpus.parent / "index"
    with running_app("--corpus", str(corpus), "--index", str(index_dir), timeout_s=START_TIMEOUT_S) as url:
        yield url, index_dir


@pytest.fixture(scope="module")
def expected(app, corpus) -> dict[str, dict]:
    """What the in-process assistant answers, from the very index the app built."""
    from qa_app import Assistant

    assistant = Assistant.load(corpus_dir=corpus, index_dir=app[1], auto_rebuild=False)
    return {q: assistant.ask(q).to_dict() for q in QUESTIONS}


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app[0], verbose=False, httpx_kwargs=WAIT)


def test_in_process_answers_are_right(expected):
    for question, (must_contain, paragraph) in QUESTIONS.items():
        answer = expected[question]
        assert answer["answered"] and must_contain in answer["answer"], question
        assert answer["citations"][0]["paragraph"] == paragraph, question


def test_questions_from_clients_at_once_all_get_whole_right_answers(app, expected):
    from gradio_client import Client

    questions = list(QUESTIONS)
    failures: list[str] = []

    def run_client(n: int) -> None:
        client = Client(app[0], verbose=False, httpx_kwargs=WAIT)
        for i in range(QUESTIONS_PER_CLIENT):
            question = questions[(n + i) % len(questions)]
            got = client.predict(question, 5, None, api_name="/ask")
            want = expected[question]
            whole = isinstance(got, dict) and got.get("answered") and got.get("citations")
            if not whole or (got["answer"], got["sentence"], _cited(got)) != (want["answer"], want["sentence"], _cited(want)):
                failures.append(f"{question!r}: {got!r:.300}")

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(run_client, range(CLIENTS)))

    total = CLIENTS * QUESTIONS_PER_CLIENT
    assert not failures, f"{len(failures)} of {total} answers wrong or incomplete, e.g. {failures[:3]}"


def test_a_short_soak_counts_every_request_and_samples_as_it_goes(app):
    samples = []
    result = run_soak(Settings(), clients=2, seconds=5, every_s=1, url=app[0], questions=list(QUESTIONS), report=samples.append)
    assert result.served > 0 and result.errors == 0 and result.first_errors == ()
    assert result.samples == tuple(samples) and samples[0].served == 0 and samples[-1].served == result.served
    assert 0 < result.latency_s["p50"] <= result.latency_s["p95"] <= result.latency_s["p99"]


def test_fifty_clients_get_the_busy_answer_and_waiting_as_told_each_question_is_answered_within_three_tries(app):
    # 50 clients asking back to back: 2 run and 32 wait, so at any moment about 16 are turned away.
    result = run_soak(Settings(), clients=50, seconds=20, every_s=20, url=app[0], questions=list(QUESTIONS))
    assert result.errors == 0, result.first_errors  # every 503 was the busy answer with a Retry-After
    assert result.busy > 0 and result.unanswered == 0
    assert sum(result.answered_at[1:]) > 0  # some were answered only after waiting as told


def _cited(answer: dict) -> list[tuple]:
    return [(c["doc_id"], c["paragraph"], c["quote"]) for c in answer["citations"]]


# ---------------------------------------------------------------- what scripts may send


@pytest.mark.parametrize("question", ["", "   \n", "\x00\u200f"])
def test_api_empty_question_is_a_400_payload(client, question):
    assert client.predict(question, 5, None, api_name="/ask") == {
        "error": "The question is empty; type a question or some keywords.",
        "status": 400,
    }


def test_api_over_long_question_is_a_400_payload(client):
    got = client.predict("why " * 50_000, 5, None, api_name="/ask")
    assert got["status"] == 400 and "the limit is 1,000" in got["error"]
    assert client.predict("x" * 1001, 10, None, api_name="/search")["status"] == 400


def test_api_odd_characters_and_markup_are_answered_as_text(client, expected):
    want = expected["How many children were looked after?"]
    got = client.predict("How many\x00 children\u200f were looked after? 👶", 5, None, api_name="/ask")
    assert got["answer"] == want["answer"]
    markup = "<script>alert(1)</script> How many children were looked after?"
    assert client.predict(markup, 5, None, api_name="/ask")["question"] == markup


@pytest.mark.parametrize(
    "filters",
    [{"doc_id": "../../../../etc/passwd"}, {"doc_id": ["/etc/passwd"]}, {"section": "../../etc"}],
)
def test_api_filters_naming_paths_select_nothing(client, filters):
    assert client.predict("root password", 5, filters, api_name="/search") == []
    got = client.predict("What is the root password?", 5, filters, api_name="/ask")
    assert not got["answered"] and not got["citations"] and not got["passages"]


@pytest.mark.parametrize("block_id", ["../../../../etc/passwd", "/etc/passwd", "tiny:p1/../../../etc/passwd"])
def test_api_context_naming_a_path_is_a_404(client, block_id):
    assert client.predict(block_id, 1, api_name="/context")["status"] == 404


@pytest.mark.parametrize("top_k", [0, 101, -1])
def test_api_bad_top_k_is_a_400(client, top_k):
    assert client.predict("early help", top_k, None, api_name="/ask")["status"] == 400


def test_api_unknown_filter_is_a_400(client):
    got = client.predict("early help", 5, {"path": "/etc/passwd"}, api_name="/search")
    assert got["status"] == 400 and "Unknown filter 'path'" in got["error"]
    assert all(key in got["error"] for key in ("doc_id", "section", "authority", "framework", "published", "judgement"))
