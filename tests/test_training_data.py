"""The hand-written training questions (training/reports-squad.json) are well formed and kept apart from eval/."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("training_check", ROOT / "training" / "check.py")
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


def _data() -> dict:
    return json.loads((ROOT / "training" / "reports-squad.json").read_text(encoding="utf-8"))


def _one(doc: str, context: str, answers: list[dict], impossible: bool = False) -> dict:
    qa = {"id": "x1", "question": "How many?", "answers": answers, "is_impossible": impossible}
    return {"data": [{"title": doc, "paragraphs": [{"context": context, "qas": [qa]}]}]}


def test_the_committed_questions_have_right_offsets_and_no_report_of_eval():
    assert check.problems(_data(), check.eval_docs(ROOT / "eval")) == []


def test_there_are_hundreds_of_questions_and_a_share_without_an_answer():
    qas = [qa for a in _data()["data"] for p in a["paragraphs"] for qa in p["qas"]]
    impossible = sum(qa["is_impossible"] for qa in qas)
    assert len(qas) >= 300
    assert 0.15 <= impossible / len(qas) <= 0.3


def test_eval_reports_include_the_lists_and_the_gold_lines():
    docs = check.eval_docs(ROOT / "eval")
    assert "norfolk-2023-01-13" in docs  # eval/corpus-30.txt and eval/multi.jsonl
    assert "stoke-on-trent-2015" in docs  # eval/gold.jsonl names it without its date


def test_a_wrong_offset_is_reported():
    data = _one("bury-2016-05-16", "There are 160 foster carers.", [{"text": "160", "answer_start": 9}])
    assert any("not at offset 9" in p for p in check.problems(data, set()))


def test_an_impossible_question_with_an_answer_is_reported():
    data = _one("bury-2016-05-16", "There are 160 foster carers.", [{"text": "160", "answer_start": 10}], True)
    assert any("impossible question with answers" in p for p in check.problems(data, set()))


def test_a_report_of_eval_is_reported_even_when_eval_names_it_without_its_date():
    data = _one("stoke-on-trent-2015-08-12", "There are 160 foster carers.", [{"text": "160", "answer_start": 10}])
    assert check.problems(data, {"norfolk-2023-01-13"}) == []
    assert any("is in eval/" in p for p in check.problems(data, {"stoke-on-trent-2015"}))
