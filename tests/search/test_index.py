"""The persisted index survives damage, killed builds, concurrent builders and a read-only folder.

Most tests use a tiny report and one index built per module, copied per test before it is damaged;
the ones that start real processes (SIGKILL, two builders, the app on a read-only folder) are slow.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support import (
    CAP_DAC_OVERRIDE,
    CAP_FOWNER,
    CHILD_ENV,
    QUESTION,
    ROOT,
    dropping_capabilities,
    free_port,
    index_command,
    open_assistant,
    write_report,
)

from qa_app.config import Settings
from qa_app.errors import IndexUnavailable, QAError
from qa_app.ingest.checksums import file_sha256
from qa_app.search.embedding import MODELS_DIR, Embedder
from qa_app.search.index.manifest import live_build, read_manifest, verify_files
from qa_app.search.index.opening import ensure_index, load_index
from qa_app.search.segments import SEGMENTS

REBUILD_COMMAND = "Run: python -m qa_app index --rebuild"


def assert_one_sentence_then_command(message: str) -> str:
    """The refusal is one sentence saying what is wrong, then the command that fixes it."""
    assert message.endswith(REBUILD_COMMAND), message
    problem = message[: -len(REBUILD_COMMAND)].strip()
    assert len(re.findall(r"[.!?](?:\s|$)", problem)) == 1 and problem.endswith("."), message
    return problem


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder) -> Settings:
    """A tiny corpus and its index, built once; tests copy it before damaging it."""
    root = tmp_path_factory.mktemp("built")
    settings = Settings(corpus_dir=write_report(root / "corpus"), index_dir=root / "index")
    ensure_index(settings, embedder)
    return settings


@pytest.fixture
def settings(built, tmp_path) -> Settings:
    shutil.copytree(built.corpus_dir, tmp_path / "corpus")
    shutil.copytree(built.index_dir, tmp_path / "index")
    return built.replace(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


# ---------------------------------------------------------------- damage, detected before use


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


DROP = object()  # a manifest field to leave out, as an older format would


def _edit_manifest(index_dir: Path, repoint: bool, **fields) -> None:
    """Change manifest fields; with repoint, update CURRENT's checksum too, as another version's build would."""
    build, _ = live_build(index_dir)
    manifest = build / "manifest.json"
    raw = json.loads(manifest.read_text(encoding="utf-8"))
    edited = {k: v for k, v in {**raw, **fields}.items() if v is not DROP}
    manifest.write_text(json.dumps(edited, indent=2), encoding="utf-8")
    if repoint:
        (index_dir / "CURRENT").write_text(f"{build.name} {file_sha256(manifest)}\n", encoding="utf-8")


def _half_built(index_dir: Path) -> None:
    """What a build killed before its switch leaves when there was no previous index."""
    build, _ = live_build(index_dir)
    (index_dir / "CURRENT").unlink()
    staging = build.rename(index_dir / f".tmp-{build.name}")
    (staging / "manifest.json").unlink()
    an_hour_ago = time.time() - 3600  # old enough that no running build can own it
    os.utime(staging, (an_hour_ago, an_hour_ago))


def _build_file(name: str):
    return lambda index_dir: live_build(index_dir)[0] / name


DAMAGE = {
    "index folder deleted": (lambda d: shutil.rmtree(d), "There is no index"),
    "pointer deleted": (lambda d: (d / "CURRENT").unlink(), "There is no index"),
    "garbage in pointer": (lambda d: (d / "CURRENT").write_bytes(b"\xff\xfe garbage \x00"), "pointer .* is unreadable"),
    "pointer names no build": (lambda d: (d / "CURRENT").write_text("elsewhere 00\n"), "names no build"),
    "pointer leads outside": (lambda d: (d / "CURRENT").write_text("build-x/../../etc 00\n"), "names no build"),
    "dense.faiss truncated": (
        lambda d: os.truncate(_build_file("dense.faiss")(d), 100),
        r"dense.faiss is damaged \(checksum mismatch\)",
    ),
    "byte flipped in chunks.jsonl": (
        lambda d: _flip_byte(_build_file("chunks.jsonl")(d)),
        r"chunks.jsonl is damaged",
    ),
    "byte flipped in sentences.faiss": (
        lambda d: _flip_byte(_build_file("sentences.faiss")(d)),
        r"sentences.faiss is damaged",
    ),
    "byte flipped in the BM25 index": (
        lambda d: _flip_byte(sorted((live_build(d)[0] / "bm25").iterdir())[0]),
        r"bm25/.* is damaged",
    ),
    "sentences.json deleted": (lambda d: _build_file("sentences.json")(d).unlink(), "sentences.json is missing"),
    "manifest deleted": (lambda d: _build_file("manifest.json")(d).unlink(), "manifest .* is missing"),
    "manifest edited": (
        lambda d: _edit_manifest(d, repoint=False, model_id="someone/else"),
        "manifest .* was changed after the build",
    ),
    "built with another model": (
        lambda d: _edit_manifest(d, repoint=True, model_id="someone/else", weights_sha256=None),
        r"out of date: it was built with another model \(someone/else\)",
    ),
    "built by another report parser version": (
        lambda d: _edit_manifest(d, repoint=True, parser_version="0-old"),
        "out of date: it was built by report parser version 0-old",
    ),
    "built by another chunker version": (
        lambda d: _edit_manifest(d, repoint=True, chunker_version="0-old"),
        "out of date: it was built by chunker version 0-old",
    ),
    "written by another index format": (
        lambda d: _edit_manifest(d, repoint=True, format_version=0),
        "out of date: it was written by index format 0",
    ),
    "manifest of an older format, fields missing": (
        lambda d: _edit_manifest(d, repoint=True, format_version=1, parser_version=DROP),
        "manifest .* is unreadable|written by index format 1",
    ),
    "half-built, no previous index": (_half_built, "There is no index"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_refused_in_one_sentence_with_the_rebuild_command(settings, embedder, damage):
    harm, problem = DAMAGE[damage]
    harm(settings.index_dir)
    with pytest.raises(IndexUnavailable) as refused:
        open_assistant(settings, embedder, auto_rebuild=False)
    assert re.search(problem, assert_one_sentence_then_command(str(refused.value)))


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_rebuilt_and_answers(settings, embedder, damage):
    harm, problem = DAMAGE[damage]
    harm(settings.index_dir)
    assistant = open_assistant(settings, embedder)
    assert assistant.status.startswith("Built a new index") and re.search(problem, assistant.status)
    answer = assistant.ask(QUESTION)
    assert answer.answered and "620" in answer.answer
    build, manifest = read_manifest(settings.index_dir)
    verify_files(build, manifest)  # the new build is whole, and the only one left
    assert [p.name for p in settings.index_dir.iterdir() if p.is_dir() and p.name != SEGMENTS] == [build.name]


def test_leftover_of_a_crashed_build_is_ignored_then_cleaned_up(settings, embedder):
    leftover = settings.index_dir / ".tmp-build-19990101T000000-deadbeef"
    leftover.mkdir()
    (leftover / "dense.faiss").write_bytes(b"half")
    an_hour_ago = time.time() - 3600
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    assistant = open_assistant(settings, embedder, auto_rebuild=False)  # the live build is untouched
    assert assistant.status.startswith("Loaded") and "620" in assistant.ask(QUESTION).answer
    ensure_index(settings, embedder, rebuild=True)
    assert not leftover.exists()


# ---------------------------------------------------------------- corpus changes


def test_changed_report_is_picked_up_on_next_start(settings, embedder):
    report = settings.corpus_dir / "tiny.md"
    report.write_text(report.read_text(encoding="utf-8").replace("620", "655"), encoding="utf-8")
    with pytest.raises(IndexUnavailable, match=r"corpus changed since it was built \(tiny.md\)") as refused:
        open_assistant(settings, embedder, auto_rebuild=False)
    assert_one_sentence_then_command(str(refused.value))
    answer = open_assistant(settings, embedder).ask(QUESTION)
    assert "655" in answer.answer and "655" in answer.citations[0].quote


def test_added_and_removed_reports_make_the_index_stale(settings, embedder):
    write_report(settings.corpus_dir, ["The borough has 41 children's homes."], name="other.md", title="Other")
    assistant = open_assistant(settings, embedder)
    assert "other.md" in assistant.status and {d for d, _ in assistant.documents()} == {"tiny", "other"}
    (settings.corpus_dir / "other.md").unlink()
    assistant = open_assistant(settings, embedder)
    assert "other.md" in assistant.status and {d for d, _ in assistant.documents()} == {"tiny"}


# ---------------------------------------------------------------- real processes


def _big_corpus(folder: Path, paragraphs: int = 150) -> Path:
    """Enough text that embedding takes seconds, so a kill lands mid-build."""
    topics = ["early help", "care leavers", "adoption", "fostering", "audits", "caseloads", "health checks"]
    texts = [
        f"In district {i} the service for {topics[i % len(topics)]} saw {i * 3 + 7} referrals. "
        f"Managers reviewed {i % 17 + 2} cases each week and recorded the outcome of every review."
        for i in range(paragraphs)
    ]
    return write_report(folder, texts, name="big.md", title="Big council report")


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["embedding", "staging"])
def test_build_killed_midway_leaves_the_previous_index_usable(settings, embedder, tmp_path, moment):
    before = live_build(settings.index_dir)
    proc = subprocess.Popen(
        index_command(_big_corpus(tmp_path / "big"), settings.index_dir, "--rebuild"),
        cwd=ROOT,
        env=CHILD_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = threading.Event()
    stderr = bytearray()

    def watch_progress():  # tqdm redraws with \r, so read bytes as they come, not lines
        while chunk := os.read(proc.stderr.fileno(), 4096):  # type: ignore[union-attr]
            stderr.extend(chunk)
            if moment == "embedding" and b"Embedding" in stderr:
                seen.set()

    threading.Thread(target=watch_progress, daemon=True).start()
    deadline = time.monotonic() + 240
    while not seen.is_set() and proc.poll() is None and time.monotonic() < deadline:
        if moment == "staging" and any(settings.index_dir.glob(".tmp-build-*")):
            seen.set()
            break
        time.sleep(0.001 if moment == "staging" else 0.05)
    still_running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert seen.is_set() and still_running, f"the build was not caught at {moment}: {bytes(stderr[-2000:])!r}"
    assert proc.returncode == -signal.SIGKILL

    assert live_build(settings.index_dir) == before  # the pointer never moved
    assistant = open_assistant(settings, embedder, auto_rebuild=False)  # intact and fresh, no rebuild needed
    assert assistant.status.startswith("Loaded") and "620" in assistant.ask(QUESTION).answer

    # The killed process held the lock; the kernel released it, so the next build neither waits nor fails.
    leftovers = list(settings.index_dir.glob(".tmp-*"))
    assert bool(leftovers) == (moment == "staging")
    for leftover in leftovers:  # a minute later: no build can still own them
        os.utime(leftover, (time.time() - 120, time.time() - 120))
    ensure_index(settings, embedder, rebuild=True)
    assert not list(settings.index_dir.glob(".tmp-*"))
    builds = sorted(p.name for p in settings.index_dir.iterdir() if p.is_dir() and p.name != MODELS_DIR)
    assert builds == sorted([live_build(settings.index_dir)[0].name, SEGMENTS])


@pytest.mark.slow
def test_two_builders_at_once_do_not_corrupt_each_other(settings, embedder):
    shutil.rmtree(settings.index_dir)
    procs = [
        subprocess.Popen(
            index_command(settings.corpus_dir, settings.index_dir, "--rebuild"),
            cwd=ROOT,
            env=CHILD_ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, results):
        assert proc.returncode == 0, err[-2000:]
        assert "Built a new index" in err  # each build ran whole, one after the other under the lock
    build, manifest = read_manifest(settings.index_dir)
    verify_files(build, manifest)
    # Beside the build, the ONNX export the first builder made (the second found it made).
    assert sorted(p.name for p in settings.index_dir.iterdir()) == sorted([".lock", "CURRENT", MODELS_DIR, build.name, SEGMENTS])
    assistant = open_assistant(settings, embedder, auto_rebuild=False)
    assert "620" in assistant.ask(QUESTION).answer


# ---------------------------------------------------------------- read-only index folder


def _chmod_tree(root: Path, dirs: int, files: int) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(dirs if path.is_dir() else files)


@pytest.mark.slow
def test_app_starts_on_a_read_only_index_and_says_it_cannot_rebuild(settings, tmp_path):
    from gradio_client import Client

    report = settings.corpus_dir / "tiny.md"  # a changed report: the index is stale but cannot be rebuilt
    report.write_text(report.read_text(encoding="utf-8").replace("seven days", "eight days"), encoding="utf-8")
    _chmod_tree(settings.index_dir, 0o555, 0o444)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)],
        cwd=ROOT,
        env={**CHILD_ENV, "GRADIO_TEMP_DIR": str(tmp_path / "gradio")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=dropping_capabilities(CAP_DAC_OVERRIDE, CAP_FOWNER),  # root, too, may not write there
    )
    try:
        lines: list[str] = []
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if "Ready in" in line or "Error:" in line:
                break
        ready = lines[-1] if lines else ""
        assert "Ready in" in ready, "".join(lines[-30:])
        assert "corpus changed since it was built (tiny.md)" in ready
        assert "read-only, so it cannot be rebuilt; answering from the existing index" in ready
        answer = Client(f"http://127.0.0.1:{port}", verbose=False).predict(QUESTION, api_name="/ask")
        assert answer["answered"] and "620" in answer["answer"]
    finally:
        proc.kill()
        proc.wait(30)
        _chmod_tree(settings.index_dir, 0o755, 0o644)
    assert sorted(p.name for p in settings.index_dir.iterdir()) == sorted(
        ["CURRENT", ".lock", live_build(settings.index_dir)[0].name, SEGMENTS]
    )
    load_index(settings.index_dir)  # untouched


def test_windows_longer_than_the_model_reads_are_refused_before_building(settings, embedder):
    with pytest.raises(QAError, match="QA_CHUNK_TOKENS"):
        open_assistant(settings, embedder, chunk_tokens=400, auto_rebuild=True, index_dir=settings.index_dir.parent / "new")
