"""Attacks on a real app process, as an attacker or an unlucky operator would try them: a decompression
bomb uploaded from the page, a segment altered on disk before a restart, and a start on a full disk."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import wait_ready
from support import CHILD_ENV, PARAGRAPHS, QUESTION, ROOT, index_command, keep_note, running_app, write_report
from support_pdf import inflating_pdf

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 600
CHANGE_MS = 120_000
OTHER = ["The other council had 75 children on child protection plans."]


def memory_mb(pid: int) -> dict[str, float]:
    """The process's resident memory now (VmRSS) and at its highest since it started (VmHWM), in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}


def built_index(corpus: Path, index: Path) -> Path:
    """The index as `python -m qa_app index` builds it, in a process of its own."""
    subprocess.run(index_command(corpus, index), cwd=ROOT, env=CHILD_ENV, check=True, capture_output=True)
    return index


def ready_line(printed: list[str]) -> str:
    return next(line for line in printed if "Ready in" in line)


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False)


def test_a_1_gib_bomb_uploaded_from_the_page_is_refused_and_the_server_grows_under_200_mb(tmp_path, browser):
    corpus = write_report(tmp_path / "corpus")
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(inflating_pdf(1024))  # 1 GiB of page content in about 1 MB
    process: list[subprocess.Popen] = []
    with running_app(
        "--corpus", str(corpus), "--index", str(tmp_path / "index"), timeout_s=START_TIMEOUT_S, process=process
    ) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(url)
        wait_ready(page)
        before = memory_mb(process[0].pid)
        page.get_by_role("tab", name="Reports", exact=True).click()
        page.get_by_text("Add or remove reports").click()
        page.locator("#qa-upload input[type=file]").set_input_files(str(bomb))
        page.locator("#qa-add").click()
        page.wait_for_selector("#qa-change:has-text('Nothing was added')", timeout=CHANGE_MS)
        after = memory_mb(process[0].pid)
        keep_note(
            f"1 GiB bomb upload: server RSS {before['VmRSS']:.0f} -> {after['VmRSS']:.0f} MB, peak {before['VmHWM']:.0f} -> {after['VmHWM']:.0f} MB"
        )
        said = page.locator("#qa-change").inner_text()
        context.close()
        assert "bomb.pdf holds more than 256 MB of compressed content" in said
        assert after["VmHWM"] - before["VmHWM"] < 200 and after["VmRSS"] - before["VmRSS"] < 200, (before, after)
        assert sorted(p.name for p in corpus.iterdir() if not p.name.startswith(".")) == ["tiny.md"]
        assert client(url).predict(QUESTION, api_name="/ask")["answered"]


def status_line(browser, url: str) -> str:
    """The page's status line as a visitor's browser shows it once the page is ready."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    wait_ready(page)
    line = page.locator("#qa-status").inner_text()
    context.close()
    return line


def test_a_segment_altered_on_disk_is_re_embedded_on_restart_and_never_served(tmp_path, browser):
    corpus = write_report(tmp_path / "corpus")
    index = built_index(corpus, tmp_path / "index")
    [segment] = (index / "segments").iterdir()
    rows = [json.loads(line) for line in (segment / "blocks.jsonl").read_text(encoding="utf-8").splitlines()]
    rows[0]["text"] = "ALTERED IN THE CACHE: " + rows[0]["text"]
    (segment / "blocks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    write_report(corpus, OTHER, name="other.md")  # a report added while the app was down: the segment is read

    printed: list[str] = []
    with running_app("--corpus", str(corpus), "--index", str(index), timeout_s=START_TIMEOUT_S, output=printed) as url:
        assert "Re-embedded tiny: the cached copy under segments/ was altered or damaged." in ready_line(printed)
        assert status_line(browser, url).endswith(" · ready · re-embedded 1 damaged segment (tiny)")
        [focus, *_] = client(url).predict("tiny:p1", 0, api_name="/context")
        assert focus["text"] == PARAGRAPHS[0]


def test_on_a_full_disk_a_start_and_an_upload_leave_the_app_answering_from_the_previous_index(tmp_path, browser):
    corpus = write_report(tmp_path / "corpus")
    built = built_index(corpus, tmp_path / "built")
    write_report(corpus, OTHER, name="other.md")  # the index is stale: the start tries to build
    index = tmp_path / "index"
    index.mkdir()
    size_kb = sum(p.stat().st_size for p in built.rglob("*") if p.is_file()) // 1024 + 1024
    # A tmpfs of its own, in a mount namespace of its own (no root needed): the previous build, then zeros
    # until the disk is full. Gradio takes the upload into a folder elsewhere, as the index folder has no room.
    fill = f"cat /dev/zero > {index}/.filler 2>/dev/null"
    uploads = f"export GRADIO_TEMP_DIR={tmp_path / 'uploads'}"
    script = (
        f'mount -t tmpfs -o size={size_kb}k tmpfs {index} && cp -a {built}/. {index}/ && ({fill}; true) && {uploads} && exec "$@"'
    )
    prefix = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh"]
    printed: list[str] = []
    with running_app(
        "--corpus", str(corpus), "--index", str(index), timeout_s=START_TIMEOUT_S, output=printed, prefix=prefix
    ) as url:
        assert (
            f"The index in {index} could not be updated (no space left on device); answering from the previous "
            "index, read-only, until it can be rebuilt."
        ) in ready_line(printed)
        answer = client(url).predict(QUESTION, api_name="/ask")
        assert answer["answered"] and "620" in answer["answer"]
        kept = "serving the previous build: the index could not be updated (no space left on device)"
        assert status_line(browser, url).endswith(f" · ready · {kept}")

        upload = write_report(
            tmp_path / "downloads", OTHER, name="third.md", title="Inspection of Third council children's services"
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(url)
        wait_ready(page)
        page.get_by_role("tab", name="Reports", exact=True).click()
        page.get_by_text("Add or remove reports").click()
        page.locator("#qa-upload input[type=file]").set_input_files(str(upload / "third.md"))
        page.locator("#qa-add").click()
        page.wait_for_selector("#qa-change:has-text('could not be updated')", timeout=CHANGE_MS)
        said = page.locator("#qa-change").inner_text()
        status = page.locator("#qa-status").inner_text()
        context.close()
        assert said == (  # what changed, then what failed, once, and no server path
            "Added third. The index could not be updated (no space left on device), so the reports loaded before "
            "still answer; free some space or fix the index folder, then restart the app."
        )
        assert status.endswith(f" · ready · {kept}")
        assert client(url).predict(QUESTION, api_name="/ask") == answer
