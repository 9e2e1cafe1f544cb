from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.base import EmbeddingError
from core.embeddings.cached import CachedEmbedder
from core.embeddings.openai import OpenAIEmbedder
from core.llm.openai import make_openai_client
from tests.fakes.openai_server import FakeOpenAI, deterministic_vector


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def embedder(fake):
    return OpenAIEmbedder(
        make_openai_client("sk-test", fake.base_url, timeout=5, max_retries=0), "text-embedding-3-small"
    )


def test_embeddings_come_back_in_order_normalised_with_the_model_dimension(fake, embedder):
    vectors = embedder.embed(["alpha", "beta", ""])
    assert vectors.shape == (3, 1536) and vectors.dtype == np.float32
    assert np.allclose(vectors[1], deterministic_vector("beta", 1536), atol=1e-6)
    sent = fake.embedding_requests()[0]
    assert sent["encoding_format"] == "float"
    assert sent["input"] == ["alpha", "beta", " "]  # the API refuses empty strings


def test_the_fake_answers_base64_like_the_real_api(fake):
    import openai

    client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
    got = client.embeddings.create(model="text-embedding-3-small", input=["x"]).data[0].embedding  # SDK asks base64
    assert fake.embedding_requests()[0]["encoding_format"] == "base64"
    assert np.allclose(got, deterministic_vector("x", 1536), atol=1e-6)


def test_api_failure_is_an_embedding_error_with_the_reason(fake, embedder):
    fake.fail_next(503, "overloaded")
    with pytest.raises(EmbeddingError, match="answered 503"):
        embedder.embed(["a"])


def test_unknown_models_are_refused(fake):
    with pytest.raises(ValueError, match="unknown OpenAI embedding model"):
        OpenAIEmbedder(make_openai_client("k", fake.base_url), "text-embedding-9")


def test_approximate_tokenizer_spans_cover_words_and_numbers(embedder):
    text = "Revenue was 81,797 million"
    spans = embedder.tokenizer.spans(text)
    pieces = [text[a:b] for a, b in spans]
    assert pieces == ["Reve", "nue", "was", "81", ",", "797", "mill", "ion"]
    assert embedder.tokenizer.count(text) == len(pieces)
    assert embedder.max_tokens == 8000


def test_cached_embedder_sends_each_text_to_the_model_once(fake, embedder, local_kv):
    cached = CachedEmbedder(embedder, local_kv)
    first = cached.embed(["a", "b", "a"])
    second = cached.embed(["b", "c"])
    assert np.allclose(first[0], first[2]) and np.allclose(first[1], second[0])
    inputs = [r["input"] for r in fake.embedding_requests()]
    assert inputs == [["a", "b"], ["c"]]
    assert cached.model_id == "text-embedding-3-small" and cached.dimension == 1536


def test_cache_keys_include_the_model_so_models_never_mix(fake, local_kv):
    client = make_openai_client("k", fake.base_url, max_retries=0)
    small = CachedEmbedder(OpenAIEmbedder(client, "text-embedding-3-small"), local_kv)
    large = CachedEmbedder(OpenAIEmbedder(client, "text-embedding-3-large"), local_kv)
    assert small.embed(["same"]).shape == (1, 1536)
    assert large.embed(["same"]).shape == (1, 3072)
    assert len(fake.embedding_requests()) == 2


def test_cache_works_over_redis_too(fake, embedder, redis_kv):
    cached = CachedEmbedder(embedder, redis_kv)
    a = cached.embed(["hello"])
    b = CachedEmbedder(embedder, redis_kv).embed(["hello"])
    assert np.array_equal(a, b)
    assert len(fake.embedding_requests()) == 1
