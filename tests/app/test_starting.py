"""Start-up: a page answers on the app's address before the web framework has imported, and answering a
question with the ONNX runtime never imports PyTorch."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys

import pytest
from support import CHILD_ENV, ROOT, free_port, index_command, write_report

from qa_app.app.web.starting import StartingPage
from qa_app.config import Settings


def get(port: int, host: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/", headers={"Host": host})
    response = connection.getresponse()
    return response.status, response.read().decode()


def test_the_starting_page_reloads_itself_on_the_apps_address_until_the_workbench_takes_the_port():
    port = free_port()
    page = StartingPage(Settings(host="127.0.0.1", port=port))
    try:
        status, body = get(port, f"127.0.0.1:{port}")
        assert status == 503 and 'http-equiv="refresh"' in body and "Starting" in body
        status, body = get(port, "attacker.example")  # a rebound name is refused, as by the workbench's guard
        assert status == 403 and "does not answer to the name" in body
    finally:
        page.stop()
    with socket.socket() as again:  # the port is free for the workbench, which binds as uvicorn does
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past this test's own closed connections
        again.bind(("127.0.0.1", port))


QUESTION_TIME = """
import sys
from qa_app import Assistant
assistant = Assistant.load(corpus_dir=sys.argv[1], index_dir=sys.argv[2], embedding_runtime="onnx")
assert assistant.ask("How many children were looked after?").citations
assistant.search("early help")
print(sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules))
"""


@pytest.mark.slow
def test_answering_with_the_onnx_runtime_imports_no_torch(tmp_path):
    corpus = write_report(tmp_path / "corpus")
    built = subprocess.run(index_command(corpus, tmp_path / "index"), cwd=ROOT, env=CHILD_ENV, capture_output=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    done = subprocess.run(  # a restart: the index is built, as it is on every start but the first
        [sys.executable, "-c", QUESTION_TIME, str(corpus), str(tmp_path / "index")],
        cwd=ROOT,
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
