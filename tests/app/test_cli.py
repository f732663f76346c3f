import importlib.util
from pathlib import Path

from qa_app.app import cli
from qa_app.records import Answer

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
