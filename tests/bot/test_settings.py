"""Configuration errors are named, misspelt backends refused, and a fresh install trains itself."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.settings import Settings
from bot.wiring import Services, SettingsError, load_settings


def test_a_bad_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("MAX_FILE_MB", "abc")
    with pytest.raises(SettingsError, match="MAX_FILE_MB='abc'"):
        load_settings()


def test_a_misspelt_backend_is_refused_but_case_does_not_matter(monkeypatch):
    monkeypatch.setenv("VECTOR_STORE", "pincone")
    with pytest.raises(SettingsError, match="VECTOR_STORE='pincone'"):
        load_settings()
    monkeypatch.setenv("VECTOR_STORE", "Pinecone")
    monkeypatch.setenv("OBJECT_STORE", "S3")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert (settings.vector_store, settings.object_store, settings.log_level) == ("pinecone", "s3", "DEBUG")


def test_the_cli_reports_bad_configuration_without_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("EMBEDDING_PROVIDER", "word2vec")
    assert main(["docs", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: bad configuration: EMBEDDING_PROVIDER='word2vec'") and "Traceback" not in err


def test_a_fresh_install_trains_sql_knowledge_on_first_use(tmp_path, minilm):
    services = Services(Settings(data_dir=tmp_path / "data", database_url="", openai_api_key=""))
    services.__dict__["embedder"] = minilm  # the session's loaded model
    kinds = {record.kind for record in services.knowledge.records()}
    assert {"ddl", "doc", "example"} <= kinds
    proposal = services.sql.propose("What is the revenue per month?", requester="U1")
    assert proposal.kind == "sql" and "orders" in proposal.sql


def test_train_with_a_missing_file_changes_nothing(tmp_path, minilm):
    services = Services(Settings(data_dir=tmp_path / "data", database_url="", openai_api_key=""))
    services.__dict__["embedder"] = minilm
    with pytest.raises(SettingsError, match="training file not found: .*nope.md"):
        services.train(docs=tmp_path / "nope.md")
    assert services.vectors.query("sql-default", minilm.embed(["orders"])[0], top_k=1) == []


def test_the_reranker_is_chosen_by_setting(tmp_path, monkeypatch):
    services = Services(Settings(data_dir=tmp_path, openai_api_key=""))
    assert services.reranker is not None and services.retriever.reranker is services.reranker
    assert Services(Settings(data_dir=tmp_path, RERANKER="NONE")).reranker is None
    monkeypatch.setenv("RERANKER", "cross-encoder")
    with pytest.raises(SettingsError, match="RERANKER='cross-encoder'"):
        load_settings()
