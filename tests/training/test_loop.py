import json
import time

import pytest

from qa_app.training.loop import TrainConfig, train
from qa_app.training.squad import Example

EXAMPLES = [
    Example(
        f"q{i}",
        f"A{i % 3}",
        f"Report {i} says the council looked after {600 + i} children.",
        "How many children?",
        ((str(600 + i), len(f"Report {i} says the council looked after ")),),
    )
    for i in range(24)
]


def test_a_stopped_run_resumes_from_its_checkpoint_and_finishes_the_same_plan(tiny_qa_model, tmp_path):
    config = TrainConfig(
        base_model=tiny_qa_model, max_steps=4, batch_size=4, max_length=48, stride=16, checkpoint_every=2, bf16=False
    )
    first = train(config, EXAMPLES, tmp_path, stop_at=time.time())  # stops cleanly after one step
    assert json.loads((first / "training.json").read_text())["steps"] == 1
    final = train(config, EXAMPLES, tmp_path)
    assert json.loads((final / "training.json").read_text())["steps"] == 4
    logged = [json.loads(line)["step"] for line in (tmp_path / "train-log.jsonl").read_text().splitlines()]
    assert logged == [1, 2, 4]  # resumed at step 1, not from the start
    assert (final / "model.safetensors").exists() and (final / "tokenizer.json").exists()


def test_a_checkpoint_of_another_config_is_not_silently_reused(tiny_qa_model, tmp_path):
    config = TrainConfig(
        base_model=tiny_qa_model, max_steps=2, batch_size=4, max_length=48, stride=16, checkpoint_every=1, bf16=False
    )
    train(config, EXAMPLES, tmp_path, stop_at=time.time())
    with pytest.raises(ValueError, match="another run config"):
        train(
            TrainConfig(base_model=tiny_qa_model, max_steps=3, batch_size=4, max_length=48, stride=16, bf16=False),
            EXAMPLES,
            tmp_path,
        )
