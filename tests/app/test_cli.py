import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import CHILD_ENV, PARAGRAPHS, write_report

from qa_app.app import cli
from qa_app.ingest.corpus import load_corpus
from qa_app.query.report_filters import summary as report_summary
from qa_app.records import Answer, paragraph_count

ROOT = Path(__file__).resolve().parents[2]


def load_app_module():
    spec = importlib.util.spec_from_file_location("app", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_app_takes_the_same_settings_flags_as_the_command_line():
    app = load_app_module()
    flags = ["--reader", "transformers", "--reader-model", "qa-model", "--device", "cpu", "--corpus", "reports"]
    settings = app.load_settings(app.parse_args([*flags, "--port", "9000"]), env={})
    expected = cli.settings_from_flags(cli._parser().parse_args([*flags, "index"]), env={})
    assert settings == expected.replace(port=9000)
    assert (settings.reader, settings.reader_model, settings.device) == ("transformers", "qa-model", "cpu")


def test_ask_answers_from_qa_top_k_passages_unless_the_flag_says_otherwise(monkeypatch):
    asked = []

    class FakeAssistant:
        def ask(self, question, top_k, filters):
            asked.append(top_k)
            return Answer(question, None, None, 0.0, False, "The report does not appear to answer this.")

    monkeypatch.setattr(cli, "load_assistant", lambda settings: FakeAssistant())
    monkeypatch.setenv("QA_TOP_K", "7")
    assert cli.main(["ask", "Who is the mayor?", "--json"]) == 0
    assert cli.main(["ask", "Who is the mayor?", "--json", "--top-k", "2"]) == 0
    assert asked == [7, 2]


def test_progress_bar_draws_nothing_until_a_build_reports_progress(capsys):
    cli.ProgressBar().close()
    assert capsys.readouterr().err == ""
    seen = []
    bar = cli.ProgressBar(mirror=lambda stage, fraction: seen.append((stage, fraction)))
    bar("Embedding passages", 0.5)
    bar.close()
    assert seen == [("Embedding passages", 0.5)]
    assert "Embedding passages" in capsys.readouterr().err


# `qa-app` as the README's Start installs it, run from a folder that is not the project's.
QA_APP = Path(sys.executable).with_name("qa-app")


def _qa_app(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    # PYTHONPATH: this checkout's package, whichever checkout the installed script was made from.
    child = {k: v for k, v in CHILD_ENV.items() if not k.startswith("QA_")}
    child.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run([str(QA_APP), *args], cwd=cwd, env=child, capture_output=True, text=True, timeout=600)


def test_qa_app_help_names_the_command_people_type(tmp_path):
    shown = _qa_app("--help", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: qa-app ")
    assert "conformance" in shown.stdout and "soak" in shown.stdout


@pytest.mark.slow  # loads the model's tokenizer to count chunk tokens
def test_qa_app_reads_the_project_corpus_from_any_folder_and_counts_numbered_paragraphs(tmp_path):
    shown = _qa_app("corpus", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    per_report = [int(re.search(r", (\d+) paragraphs, ", line).group(1)) for line in lines if " paragraphs, " in line]
    reports = load_corpus(ROOT / "corpus")
    assert len(per_report) == len(reports)
    # One count everywhere: the numbered paragraphs, as the page's report list and status line say.
    total = sum(summary.paragraphs for summary in map(report_summary, reports))
    assert sum(per_report) == total == paragraph_count(b for r in reports for b in r.paragraphs)
    assert f"paragraphs: {total}" in lines


@pytest.mark.slow
def test_qa_home_names_another_project_folder(tmp_path):
    home = tmp_path / "home"
    write_report(home / "corpus", name="somewhere.md")
    shown = _qa_app("corpus", cwd=tmp_path, QA_HOME=str(home))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("somewhere: ") and f"paragraphs: {len(PARAGRAPHS)}" in shown.stdout


def test_the_store_flag_names_the_database_for_index_search_ask_eval_and_bench():
    from qa_app.app.cli import _parser, settings_from_flags

    url = "postgresql://qa@db.example/reports"
    for command in (["index"], ["search", "early help"], ["ask", "Who?"], ["eval"], ["bench"]):
        settings = settings_from_flags(_parser().parse_args([*command, "--store", url]), env={})
        assert settings.store == "postgresql" and settings.store_url == url, command
    assert settings_from_flags(_parser().parse_args(["index"]), env={}).store == "files"
