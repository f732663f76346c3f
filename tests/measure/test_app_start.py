"""The bench's restart row: app.py started as a person starts it, timed to its first page, the workbench and
the first answer."""

from __future__ import annotations

import pytest
from support import QUESTION, write_report

from qa_app.config import Settings
from qa_app.measure.app_start import AppStart, app_start, format_app_start


@pytest.mark.slow
def test_a_restart_reaches_a_page_then_the_workbench_then_an_answer(tmp_path):
    settings = Settings.load(corpus_dir=write_report(tmp_path / "corpus"), index_dir=tmp_path / "index")
    start = app_start(settings, QUESTION)
    assert start.error is None
    assert 0 < start.page_s <= start.workbench_s <= start.first_answer_s


def test_the_row_says_each_time_and_what_did_not_happen():
    assert format_app_start("Restart", AppStart(0.92, 14.2, 17.84)) == (
        "Restart: page 0.9 s · workbench 14.2 s · first answer 17.8 s"
    )
    assert format_app_start("Restart", AppStart(0.9, None, None, "no answer within 300 s")).endswith(
        "workbench — · first answer — (no answer within 300 s)"
    )
