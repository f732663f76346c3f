"""The ONNX runtime: exported once and re-exported when missing or damaged, the same vectors as PyTorch,
and recorded in the index manifest so an index knows which export computed it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from support import CHILD_ENV, ROOT, STOKE_REPORT, write_report

from qa_app.config import Runtime, Settings
from qa_app.errors import SettingsError
from qa_app.ingest.checksums import file_sha256
from qa_app.search import onnx_runtime
from qa_app.search.embedding import ENCODERS, Embedder, choose_runtime
from qa_app.search.onnx_runtime import CHECKSUM_SUFFIX, _truncate, check_exportable, ensure_export

# ---------------------------------------------------------------- choosing the runtime


def test_auto_runs_onnx_on_the_cpu_and_pytorch_on_cuda():
    assert choose_runtime("auto", None) == "onnx"
    assert choose_runtime("auto", "cpu") == "onnx"
    assert choose_runtime("auto", "cuda:0") == "torch"
    assert choose_runtime("torch", None) == "torch"


def test_onnx_on_a_gpu_and_unknown_runtimes_are_refused_with_the_fix():
    with pytest.raises(SettingsError, match="QA_EMBEDDING_RUNTIME=torch"):
        choose_runtime("onnx", "cuda")
    with pytest.raises(SettingsError, match="onnx, torch or auto"):
        choose_runtime("tensorflow", None)


def test_runtime_is_a_setting_from_the_environment():
    assert Settings.load(env={}).embedding_runtime == "auto"
    assert Settings.load(env={"QA_EMBEDDING_RUNTIME": "torch"}).embedding_runtime == "torch"


def test_embedder_from_settings_keeps_its_export_inside_the_index_folder(tmp_path):
    embedder = Embedder.from_settings(Settings(index_dir=tmp_path / "index"))
    assert embedder.runtime == "onnx" and embedder.cache_dir == tmp_path / "index" / "models"


# ---------------------------------------------------------------- exporting, with a fake exporter


@pytest.fixture
def fake_export(monkeypatch):
    """export_model replaced by one that writes a few bytes and counts its calls."""
    calls: list[Path] = []

    def export(model_path: str, target: Path) -> None:
        calls.append(target)
        target.write_bytes(b"onnx graph of " + model_path.encode())

    monkeypatch.setattr(onnx_runtime, "export_model", export)
    return calls


def test_missing_export_is_built_once_then_reused(tmp_path, fake_export):
    target = tmp_path / "models" / "m.onnx"
    checked: list[bool] = []
    sha = ensure_export("model-dir", target, lambda: checked.append(True))
    assert sha == file_sha256(target) and len(fake_export) == 1 and checked == [True]
    assert (tmp_path / "models" / f"m.onnx{CHECKSUM_SUFFIX}").read_text().strip() == sha
    assert ensure_export("model-dir", target, lambda: checked.append(True)) == sha
    assert len(fake_export) == 1 and checked == [True]  # intact: neither exported nor the weights re-hashed


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.unlink(),
        lambda p: p.write_bytes(b"truncated"),
        lambda p: Path(str(p) + CHECKSUM_SUFFIX).unlink(),
    ],
    ids=["file deleted", "file changed", "checksum deleted"],
)
def test_missing_or_damaged_export_is_rebuilt(tmp_path, fake_export, damage):
    target = tmp_path / "m.onnx"
    sha = ensure_export("model-dir", target, lambda: None)
    damage(target)
    assert ensure_export("model-dir", target, lambda: None) == sha
    assert len(fake_export) == 2 and file_sha256(target) == sha


def test_export_that_cannot_be_written_says_how_to_go_on(tmp_path, fake_export):
    blocker = tmp_path / "index"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(Exception, match="QA_EMBEDDING_RUNTIME=torch"):
        ensure_export("model-dir", blocker / "models" / "m.onnx", lambda: None)


@pytest.mark.parametrize("runtime", ["auto", "onnx"])
def test_unwritable_export_falls_back_to_pytorch_only_when_onnx_was_not_asked_for(tmp_path, monkeypatch, runtime):
    def unwritable(*args):
        raise onnx_runtime.ExportUnwritable("The ONNX embedding model cannot be written to index/models.")

    monkeypatch.setattr(onnx_runtime, "ensure_export", unwritable)
    torch_model = SimpleNamespace(runtime_sha256=None)
    monkeypatch.setitem(ENCODERS, Runtime.TORCH, lambda source, device, cache_dir: torch_model)
    embedder = Embedder(runtime=runtime, cache_dir=tmp_path / "models")
    if runtime == "onnx":
        with pytest.raises(onnx_runtime.ExportUnwritable):
            embedder.model
        return
    assert embedder.model is torch_model and embedder.runtime == "torch" and embedder.runtime_sha256 is None


def test_models_the_export_cannot_reproduce_are_refused(tmp_path):
    folder = tmp_path / "cls-model"
    (folder / "1_Pooling").mkdir(parents=True)
    modules = [
        {"type": "sentence_transformers.models.Transformer"},
        {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    )
    with pytest.raises(SettingsError, match="mean-pooled models only"):
        check_exportable(str(folder))
    with pytest.raises(SettingsError, match="local sentence-transformers model folder"):
        check_exportable(str(tmp_path / "nowhere"))


def test_long_texts_are_cut_keeping_the_final_separator():
    assert _truncate([101, 5, 6, 7, 102], 4) == [101, 5, 6, 102]
    assert _truncate([101, 5, 102], 4) == [101, 5, 102]


# ---------------------------------------------------------------- the real export


@pytest.fixture(scope="module")
def onnx_embedder(tmp_path_factory) -> Embedder:
    return Embedder(runtime="onnx", cache_dir=tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder(runtime="torch", device="cpu")


def report_sentences() -> list[str]:
    from qa_app.ingest.corpus import load_report
    from qa_app.ingest.sentences import split_sentences

    blocks = load_report(STOKE_REPORT).paragraphs
    return [b.text[s:e] for b in blocks for s, e in split_sentences(b.text)]


@pytest.mark.slow
def test_onnx_vectors_agree_with_pytorch_on_the_reports_sentences(onnx_embedder, torch_embedder):
    sentences = report_sentences()
    long_text = " ".join(sentences[:60])  # past the model's 256 word pieces: both cut it the same way
    texts = [*sentences, long_text]
    cosines = np.sum(onnx_embedder.encode(texts) * torch_embedder.encode(texts), axis=1)
    assert len(sentences) > 500 and cosines.min() >= 0.99, cosines.min()
    assert np.allclose(np.linalg.norm(onnx_embedder.encode(sentences[:10]), axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_onnx_cuts_the_text_into_the_same_word_pieces(onnx_embedder, torch_embedder):
    text = STOKE_REPORT.read_text(encoding="utf-8")[:20_000]
    assert onnx_embedder.token_spans(text) == torch_embedder.token_spans(text)
    assert onnx_embedder.max_tokens == torch_embedder.max_tokens
    assert onnx_embedder.dimension == torch_embedder.dimension


@pytest.mark.slow
def test_index_manifest_records_the_export_and_is_rebuilt_when_another_export_built_it(tmp_path, onnx_embedder, torch_embedder):
    from qa_app.search.index.manifest import read_manifest
    from qa_app.search.index.opening import ensure_index

    models = onnx_embedder.cache_dir
    settings = Settings(corpus_dir=write_report(tmp_path / "corpus"), index_dir=tmp_path / "index")
    embedder = Embedder(runtime="onnx", cache_dir=tmp_path / "index" / "models")
    shutil.copytree(models, embedder.cache_dir)  # the module's export, so this test does not export again
    ensure_index(settings, embedder)
    _, manifest = read_manifest(settings.index_dir)
    assert manifest.embedding_runtime == "onnx"
    assert manifest.runtime_sha256 == embedder.runtime_sha256 == file_sha256(next(embedder.cache_dir.glob("*.onnx")))

    # PyTorch computes the same vectors, so it serves an index the export built (and the other way round).
    _, opened = ensure_index(settings, torch_embedder)
    assert opened.line.startswith("Loaded")

    _record_other_export(settings.index_dir)
    _, opened = ensure_index(settings, embedder)
    assert "another ONNX export" in opened.line
    assert read_manifest(settings.index_dir)[1].runtime_sha256 == embedder.runtime_sha256


def _record_other_export(index_dir: Path) -> None:
    """Rewrite the live manifest as if another export had built it (and re-point CURRENT at it)."""
    from qa_app.search.index.manifest import live_build

    build, _ = live_build(index_dir)
    manifest = build / "manifest.json"
    manifest.write_text(json.dumps(json.loads(manifest.read_text()) | {"runtime_sha256": "0" * 64}))
    (index_dir / "CURRENT").write_text(f"{build.name} {file_sha256(manifest)}\n")


@pytest.mark.slow
def test_answering_with_the_onnx_runtime_imports_neither_torch_nor_sentence_transformers(tmp_path, onnx_embedder):
    settings = Settings(corpus_dir=write_report(tmp_path / "corpus"), index_dir=tmp_path / "index")
    shutil.copytree(onnx_embedder.cache_dir, tmp_path / "index" / "models")  # the module's export
    from qa_app.search.index.opening import ensure_index

    ensure_index(settings, Embedder.from_settings(settings))
    ask = (
        "import sys; from qa_app.assistant import Assistant; "
        f"a = Assistant.load(corpus_dir={str(settings.corpus_dir)!r}, index_dir={str(settings.index_dir)!r}); "
        "print(a.ask('How many children were looked after?').answer); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'sentence_transformers', 'transformers'}))"
    )
    out = subprocess.run([sys.executable, "-c", ask], cwd=ROOT, env=CHILD_ENV, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["620", "[]"], out.stdout + out.stderr
