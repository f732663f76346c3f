"""Whatever people and scripts type, the assistant answers or refuses clearly; it reads only its corpus.

One tiny report and its index are built per module and shared by every test; the long run of 1,000
questions (memory stays flat) is marked slow.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import (
    CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH,
    CAP_FOWNER,
    CHILD_ENV,
    GOLD,
    QUESTION,
    ROOT,
    dropping_capabilities,
    index_command,
    keep_note,
    write_report,
)

from qa_app.app.web.page import build_app
from qa_app.assistant import Assistant
from qa_app.errors import InvalidQuestion, ReportError

LIMIT = 1000


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("robust")
    write_report(root / "corpus")
    (root / "secret.md").write_text("# Secret\n\n1. The password is swordfish.\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def assistant(home) -> Assistant:
    return Assistant.load(corpus_dir=home / "corpus", index_dir=home / "index")


@pytest.fixture(scope="module")
def clean_answer(assistant):
    return assistant.ask(QUESTION)


# ---------------------------------------------------------------- questions


@pytest.mark.parametrize("question", ["", " ", "\n\t \r\n", "\u200f\u200e\u202e", "\x00", "\ufeff\u2066\u2069"])
def test_empty_question_is_refused_by_ask_and_search(assistant, question):
    for call in (assistant.ask, assistant.search):
        with pytest.raises(InvalidQuestion, match="The question is empty; type a question"):
            call(question)


@pytest.mark.parametrize("size", [LIMIT + 1, 5_000, 20 * LIMIT + 1, 10_000_000])
def test_over_long_question_is_refused(assistant, size):
    with pytest.raises(InvalidQuestion, match="too long .* the limit is 1,000"):
        assistant.ask("why " * (size // 4) + "x" * (size % 4))


def test_question_at_the_limit_is_answered(assistant):
    question = (QUESTION + " ") * (LIMIT // (len(QUESTION) + 1))
    question += "x" * (LIMIT - len(question))
    assert len(question) == LIMIT
    answer = assistant.ask(question)
    assert answer.answered and "620" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "How many\x00 children were looked after?",
        "\u202eHow many children were looked after?\u202c",
        "How many \u200fchildren\u200e were looked\u200b after?\ufeff",
        "How\tmany\r\nchildren\x07 were\x1b looked after?\x7f",
    ],
)
def test_invisible_and_control_characters_do_not_change_the_answer(assistant, clean_answer, question):
    answer = assistant.ask(question)
    assert answer.question == QUESTION
    assert answer.to_dict() == clean_answer.to_dict()


@pytest.mark.parametrize(
    "question",
    [
        "How many children 👶👧 were looked after? 🤔",
        "How many children (дети, 子供, أطفال) were looked after?",
        "كم عدد الأطفال How many children were looked after?",
        "How many children were looked after? \U0001f469\u200d\U0001f467 \ud800",  # a lone surrogate too
    ],
)
def test_emoji_and_mixed_scripts_are_answered(assistant, question):
    answer = assistant.ask(question)
    assert answer.answered and "620" in answer.answer
    assert "\ud800" not in answer.question


MARKUP = [
    "<script>alert(1)</script> How many children were looked after?",
    '<img src=x onerror="alert(1)"> How many children were looked after?',
    "**How many** children were [looked after](javascript:alert(1))?",
]


@pytest.mark.parametrize("question", MARKUP)
def test_markup_in_a_question_is_kept_as_text_in_the_record(assistant, question):
    answer = assistant.ask(question)
    assert answer.question == question  # not stripped, not rendered: data
    assert json.loads(json.dumps(answer.to_dict()))["question"] == question


# ---------------------------------------------------------------- the page's handlers


@pytest.fixture(scope="module")
def handlers(assistant):
    """The page's on_ask and on_search, as Gradio calls them."""
    demo = build_app(assistant)
    return {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}


@pytest.mark.parametrize("question", ["", "   ", None, "\x00\u200f"])
def test_page_answers_an_empty_question_with_a_friendly_message(handlers, question):
    card, evidence, copy, *_ = handlers["on_ask"](question, "", "", "", "", "")
    assert "qa-notice" in card and ("Type a question first" in card or "The question is empty" in card)
    assert (evidence, copy) == ("", "")


def test_page_answers_an_over_long_question_with_the_limit(handlers):
    card, evidence, *_ = handlers["on_ask"]("why " * 300, "", "", "", "", "")
    assert "qa-notice" in card and "the limit is 1,000" in card and evidence == ""
    results, _ = handlers["on_search"]("why " * 300, 5, "", "", "", "")
    assert "the limit is 1,000" in results


@pytest.mark.parametrize("question", MARKUP)
def test_page_shows_markup_in_a_question_as_text(handlers, question):
    card, evidence, copy, *_ = handlers["on_ask"](question, "", "", "", "", "")
    assert "<script" not in card and "<img" not in card
    assert not any("javascript:" in value for value in card.split('"')[1::2])  # no attribute value runs a script
    assert question.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")[:20] in card
    assert "<script" not in evidence and "<img" not in evidence
    assert copy.startswith(question)  # the copy box is plain text
    results, _ = handlers["on_search"](question, 5, "", "", "", "")
    assert "<script" not in results and "<img" not in results


# ---------------------------------------------------------------- nothing outside the corpus is read


class FileSpy:
    """Every file opened while active, through Python's audit hooks (they cannot be removed, only muted)."""

    def __init__(self):
        self.active = False
        self.opened: list[str] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple) -> None:
        if self.active and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            self.opened.append(os.fsdecode(args[0]))

    def __enter__(self):
        self.opened.clear()
        self.active = True
        return self

    def __exit__(self, *exc):
        self.active = False


@pytest.fixture(scope="module")
def spy() -> FileSpy:
    return FileSpy()


NASTY_FILTERS = [
    {"doc_id": "../secret"},
    {"doc_id": "../../../../etc/passwd"},
    {"doc_id": ["/etc/passwd", "../secret.md"]},
    {"section": "../../etc"},
    {"kind": "/etc/shadow"},
]


@pytest.mark.parametrize("filters", NASTY_FILTERS)
def test_filters_naming_paths_select_nothing_and_open_no_file(assistant, spy, filters):
    with spy:
        hits = assistant.search("password swordfish root", filters=filters)
        answer = assistant.ask("What is the password?", filters=filters)
    assert hits == [] and not answer.answered and not answer.citations and not answer.passages
    assert spy.opened == []


@pytest.mark.parametrize("block_id", ["../secret:p1", "/etc/passwd", "../../../../etc/passwd:p1", "tiny:p1/../../x"])
def test_context_naming_a_path_is_unknown_and_opens_no_file(assistant, spy, block_id):
    with spy, pytest.raises(KeyError, match="No paragraph with id"):
        assistant.context(block_id)
    assert spy.opened == []


def test_report_linked_from_outside_the_corpus_is_not_read(home, tmp_path, spy):
    corpus = write_report(tmp_path / "corpus")
    (corpus / "secret.md").symlink_to(home / "secret.md")
    from qa_app.ingest.corpus import load_corpus
    from qa_app.search.index.manifest import corpus_fingerprint
    from qa_app.search.screening import LINKED_OUT

    with spy:
        # The link counts towards the index as a link, never by its target's bytes.
        assert corpus_fingerprint(corpus)["secret.md"] == LINKED_OUT
        with pytest.raises(ReportError, match="secret.md is outside the corpus folder"):
            load_corpus(corpus)
    assert not any(Path(p).resolve() == (home / "secret.md").resolve() for p in spy.opened)


@pytest.mark.parametrize("with_index", [False, True])
def test_unreadable_report_is_named_in_the_error(home, assistant, tmp_path, with_index):
    import shutil

    corpus = write_report(tmp_path / "corpus")
    if with_index:  # the index is checked against the corpus first: that check must name the file too
        shutil.copytree(home / "index", tmp_path / "index")
    (corpus / "locked.md").write_text("# Locked\n\n1. Text.\n", encoding="utf-8")
    (corpus / "locked.md").chmod(0)
    try:
        done = subprocess.run(
            index_command(corpus, tmp_path / "index"),
            cwd=ROOT,
            env=CHILD_ENV,
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=dropping_capabilities(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER),  # root may not read it either
        )
    finally:
        (corpus / "locked.md").chmod(0o644)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "locked.md cannot be read (Permission denied)" in done.stderr


# ---------------------------------------------------------------- resources


def _rss_mb() -> float:
    import psutil

    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.slow
def test_memory_stays_flat_over_1000_questions(assistant):
    questions = [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    for question in questions[:100]:  # warm-up: caches, allocator pools, lazy imports
        assistant.ask(question)
    before = _rss_mb()
    started = time.perf_counter()
    for i in range(1000):
        assistant.ask(questions[i % len(questions)], filters={"kind": "finding"} if i % 7 == 0 else None)
    elapsed = time.perf_counter() - started
    after = _rss_mb()
    note = f"memory over 1,000 questions: RSS {before:.1f} MB -> {after:.1f} MB ({after - before:+.1f} MB), {elapsed:.1f}s"
    keep_note(note)
    assert after - before < 50, note
