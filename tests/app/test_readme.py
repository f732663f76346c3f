"""The README's Python and HTTP examples, run as they are written, so the README cannot drift from the code."""

from __future__ import annotations

import re

import pytest
from support import ROOT

pytestmark = pytest.mark.slow

EXAMPLE = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)
README_ADDRESS = "http://127.0.0.1:7860"


def readme_example(using: str) -> str:
    """The README's Python example that uses `using`."""
    examples = [code for code in EXAMPLE.findall((ROOT / "README.md").read_text(encoding="utf-8")) if using in code]
    assert len(examples) == 1, f"the README should have one Python example using {using}"
    return examples[0]


def run(code: str) -> dict:
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace


def test_the_python_api_example_runs_and_its_search_returns_top_k(served, monkeypatch):
    monkeypatch.setenv("QA_HOME", str(served["home"]))  # the bundled reports and the index the app built
    done = run(readme_example("from qa_app import Assistant"))
    assert done["answer"].scope.label.startswith("Norfolk")
    hits = done["assistant"].search("early help", top_k=5, filters={"section": "The local authority"})
    assert len(hits) == 5  # one report has that section: no per-report cap


def test_the_http_example_runs_against_the_app(app_url):
    code = readme_example("gradio_client")
    assert README_ADDRESS in code
    done = run(code.replace(README_ADDRESS, app_url))
    assert done["answer"]["citations"] and len(done["hits"]) == 5
