from pathlib import Path

import pytest

from qa_app.config import PACKAGED_MODEL, PROJECT_HOME, Settings
from qa_app.errors import SettingsError


def test_defaults_are_safe_and_offline():
    settings = Settings.load(env={})
    assert settings.host == "127.0.0.1"
    assert settings.model == PACKAGED_MODEL
    assert settings.corpus_dir == PROJECT_HOME / "corpus" and settings.index_dir == PROJECT_HOME / "index"


def test_corpus_and_index_are_absolute_the_projects_or_qa_homes_whatever_the_current_folder():
    assert PROJECT_HOME.is_absolute() and (PROJECT_HOME / "corpus").is_dir()
    home = Settings.load(env={"QA_HOME": "/srv/reports"})
    assert home.corpus_dir == Path("/srv/reports/corpus") and home.index_dir == Path("/srv/reports/index")
    named = Settings.load(env={"QA_HOME": "/srv/reports", "QA_INDEX_DIR": "/tmp/ix"}, corpus_dir="mine")
    assert named.corpus_dir == Path("mine") and named.index_dir == Path("/tmp/ix")  # named folders win


def test_environment_overrides_defaults_and_flags_override_environment():
    env = {"QA_INDEX_DIR": "/tmp/ix", "QA_TOP_K": "7", "QA_AUTO_REBUILD": "false", "QA_DENSE_WEIGHT": "0.3"}
    settings = Settings.load(env=env, top_k=3)
    assert settings.index_dir == Path("/tmp/ix")
    assert settings.top_k == 3
    assert settings.auto_rebuild is False
    assert settings.dense_weight == 0.3


def test_login_needs_both_user_and_password():
    assert Settings.load(env={"QA_AUTH_USER": "inspector"}).auth is None
    assert Settings.load(env={"QA_AUTH_PASSWORD": "secret"}).auth is None
    both = Settings.load(env={"QA_AUTH_USER": "inspector", "QA_AUTH_PASSWORD": "secret"})
    assert both.auth == ("inspector", "secret")


def test_empty_variables_leave_required_settings_at_their_defaults_and_clear_optional_ones():
    env = {"QA_MODEL": "", "QA_READER": "", "QA_HOST": " ", "QA_PORT": "", "QA_DEVICE": "", "QA_READER_MODEL": ""}
    settings = Settings.load(env=env)
    assert settings.model == PACKAGED_MODEL and settings.reader == "sentence"
    assert settings.host == "127.0.0.1" and settings.port == 7860
    assert settings.device is None and settings.reader_model is None


def test_a_variable_that_is_not_a_number_is_named_in_the_error():
    with pytest.raises(SettingsError, match="QA_PORT='eighty'"):
        Settings.load(env={"QA_PORT": "eighty"})


def test_the_upload_limit_is_set_in_megabytes():
    assert Settings.load(env={}).max_upload_bytes == 50 * 1024 * 1024
    assert Settings.load(env={"QA_MAX_UPLOAD_MB": "2.5"}).max_upload_bytes == int(2.5 * 1024 * 1024)


def test_a_database_url_as_the_store_chooses_postgresql_and_keeps_the_url():
    url = "postgresql://qa:secret@db.example:5432/reports"
    settings = Settings.load(env={"QA_STORE": url})
    assert settings.store == "postgresql" and settings.store_url == url
    assert Settings.load(env={}).store == "files" and Settings.load(env={}).store_url is None


def test_an_unknown_store_or_a_database_without_url_is_refused_in_one_sentence():
    with pytest.raises(SettingsError, match="QA_STORE to files or to a database URL"):
        Settings.load(env={"QA_STORE": "mysql://x"})
    with pytest.raises(SettingsError, match="needs a database"):
        Settings(store="postgresql")
