from pathlib import Path

import numpy as np
import pytest

from qa_app.answer.span_model import CHECKSUM_FILE, MODEL_FILE, OnnxSpanModel
from qa_app.errors import QAError
from qa_app.training.export import export_onnx, load_trained, write_card


@pytest.fixture(scope="module")
def exported(tiny_qa_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx")
    export_onnx(load_trained(Path(tiny_qa_model)), Path(tiny_qa_model), folder, quantize=False)
    return folder


def test_the_exported_graph_gives_a_start_and_end_logit_for_every_token_of_every_window(exported):
    model = OnnxSpanModel(exported, max_length=32, stride=8)
    windows = model.windows("How many children?", ["The council looked after 609 children. " * 6, "Short one."])
    start, end = model.logits(windows)
    assert start.shape == end.shape == windows.ids.shape
    assert windows.owner.count(0) > 1 and windows.owner[-1] == 1  # the long passage is cut into windows
    assert windows.context[0].any() and not windows.context[0][0]  # [CLS] is never part of the passage


def test_a_model_file_that_no_longer_matches_its_checksum_is_refused(exported, tmp_path):
    for f in exported.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    data = bytearray((tmp_path / MODEL_FILE).read_bytes())
    data[-10] ^= 0xFF
    (tmp_path / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(QAError, match="does not match its checksum"):
        OnnxSpanModel(tmp_path).windows("q", ["p"])


def test_a_missing_model_says_how_to_get_one(tmp_path):
    with pytest.raises(QAError, match="train-reader"):
        OnnxSpanModel(tmp_path).logits(None)


def test_int8_weights_load_and_stay_close_to_fp32(tiny_qa_model, exported, tmp_path):
    export_onnx(load_trained(Path(tiny_qa_model)), Path(tiny_qa_model), tmp_path, quantize=True)
    assert (tmp_path / CHECKSUM_FILE).exists() and not (tmp_path / "model-fp32.onnx").exists()
    question, passages = "How many?", ["The council looked after 609 children."]
    fp32 = OnnxSpanModel(exported).logits(OnnxSpanModel(exported).windows(question, passages))[0]
    int8 = OnnxSpanModel(tmp_path).logits(OnnxSpanModel(tmp_path).windows(question, passages))[0]
    assert np.corrcoef(fp32.ravel(), int8.ravel())[0, 1] > 0.9


def test_the_card_names_the_data_its_licence_and_the_measurements(tmp_path):
    stages = [
        {"data": "SQuAD v1.1 train", "steps": 5, "seconds": 9, "config": {"batch_size": 16}},
        {"data": "report questions", "steps": 2, "seconds": 1, "config": {"batch_size": 16}},
    ]
    card = write_card(tmp_path, {"stages": stages, "metrics": {"SQuAD dev F1": 81.2}})
    text = card.read_text()
    assert "CC BY-SA 4.0" in text and "SQuAD dev F1: 81.2" in text and "training time 10 s in all" in text
    assert "Stage 1: SQuAD v1.1 train; 5 steps of 16" in text and "Stage 2: report questions; 2 steps of 16" in text
