"""Two real app processes on one PostgreSQL database (the session's server), soaked together for seconds:
every client answered by the process it was given, and a report removed and added again through the first
process's page followed by the second. The 10-minute soak itself is `qa-app soak --processes 2`'s to run."""

from __future__ import annotations

import pytest
from support import PARAGRAPHS, write_report

from qa_app.app.cli import main
from qa_app.config import Settings
from qa_app.measure.soak import Sample, SoakResult, percentiles
from qa_app.measure.soak_shared import Change, SharedSoak, format_shared, soak_shared

QUESTIONS = (
    "How many children were looked after?",
    "What is the average caseload of social workers?",
    "By what age do care leavers receive a personal adviser?",
)


@pytest.mark.slow
def test_two_processes_on_one_database_answer_every_client_and_follow_a_change(tmp_path, database_url):
    corpus = write_report(
        tmp_path / "corpus", PARAGRAPHS[:4], name="alpha.md", title="Inspection of Alpha council children's services"
    )
    write_report(corpus, PARAGRAPHS[::-1], name="beta.md", title="Beta council report")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", store=database_url)

    result = soak_shared(settings, processes=2, clients=4, seconds=4, every_s=4, change_at_s=0, questions=QUESTIONS)

    assert result.change_error is None
    for process in result.processes:  # clients 0 and 2 ask process 1, clients 1 and 3 process 2
        assert process.clients == 2 and process.errors == 0, process.first_errors
        assert process.served >= 2 and sum(process.answered_at) == process.served
    assert result.total.served == sum(p.served for p in result.processes) and result.total.errors == 0
    change = result.change
    assert change.doc_id == "alpha"  # the smallest report
    assert change.said[0].startswith("Removed alpha") and "Added alpha." in change.said[1]
    assert change.followed and change.errors_around == 0 and result.ok
    assert "process 2: 2 clients" in format_shared(result)


def test_soaking_several_processes_without_a_database_is_refused_in_one_sentence(capsys):
    assert main(["soak", "--store", "files", "--processes", "2", "--minutes", "0.1"]) == 2
    said = capsys.readouterr().err.strip()
    assert said.startswith("error: Soaking app processes together needs one database they share")
    assert said.endswith("pass --store postgresql://... (qa-app store serve starts one).") and "\n" not in said


def test_the_summary_names_each_process_the_change_and_the_load():
    def process(served: int, rss: tuple[float, float]) -> SoakResult:
        samples = (Sample(0, 0, 0, rss[0]), Sample(600, served, 0, rss[1]))
        return SoakResult(10, 600, served, 0, percentiles([0.5, 1.0]), samples=samples)

    change = Change("stoke", 300.4, 301.0, (0.6,), 330.2, (None,), 455.0, errors_around=0)
    shared = SharedSoak((process(900, (677, 712)), process(950, (652, 700))), process(1850, (0, 0)), change, (4.5, 3.0, 2.1))
    lines = format_shared(shared).splitlines()
    assert lines[0] == "process 1: 10 clients, 900 served, 0 errors, p50 0.75 s, p95 0.97 s, RSS 677 -> 712 MB"
    assert "gone from process 2 after 0.6 s" in lines[3] and "back in process 2 not within 120 s" in lines[3]
    assert lines[-1] == "load average at the end: 4.5, 3.0, 2.1 (1, 5, 15 min)"
    assert not change.followed and not shared.ok  # one process never showed the report again
