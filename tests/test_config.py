from pathlib import Path

from qa_app.config import PACKAGED_MODEL, Settings


def test_defaults_are_safe_and_offline():
    settings = Settings.load(env={})
    assert settings.host == "127.0.0.1"
    assert settings.model == PACKAGED_MODEL
    assert settings.corpus_dir == Path("corpus") and settings.index_dir == Path("index")


def test_environment_overrides_defaults_and_flags_override_environment():
    env = {"QA_INDEX_DIR": "/tmp/ix", "QA_TOP_K": "7", "QA_AUTO_REBUILD": "false", "QA_DENSE_WEIGHT": "0.3"}
    settings = Settings.load(env=env, top_k=3)
    assert settings.index_dir == Path("/tmp/ix")
    assert settings.top_k == 3
    assert settings.auto_rebuild is False
    assert settings.dense_weight == 0.3
