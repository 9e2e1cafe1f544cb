"""Question → retrieved chunks → an answer with citations (LLM-grounded, extractive, or none)."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import replace
from pathlib import Path

from core.answers.base import ANSWER_PREFIX, Answer, Citation
from core.answers.extractive import extractive_answer, score_sentences
from core.answers.prompt import (
    NOT_IN_DOCUMENTS,
    build_messages,
    resolve_citations,
    says_not_in_documents,
)
from core.cache.base import KeyValueStore
from core.documents.models import Chunk
from core.llm.base import ChatMessage, ChatModel, LlmUnavailable
from core.search.retriever import Retriever, SearchHit
from core.vectors.base import VectorStoreError

log = logging.getLogger(__name__)

NOTHING_FOUND = "I couldn't find anything about that in the documents available here."
# Extractive mode: below this cosine similarity (MiniLM) and term overlap, nothing is relevant.
MIN_SIMILARITY = 0.35
MIN_OVERLAP = 0.6


@functools.cache
def answering_code_fingerprint() -> str:
    """A digest of the source that decides an answer from a corpus: search, re-ranking, answering."""
    import core.answers
    import core.rerank
    import core.search

    digest = hashlib.sha256()
    for package in (core.answers, core.rerank, core.search):
        for path in sorted(Path(package.__file__ or "").parent.rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class Answerer:
    def __init__(
        self,
        retriever: Retriever,
        llm: ChatModel | None,
        k: int = 5,
        *,
        kv: KeyValueStore | None = None,
        cache_ttl_s: float = 86400.0,
        max_answer_tokens: int = 600,
        release: str | None = None,
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.k = k
        self._kv = kv
        self._cache_ttl_s = cache_ttl_s
        self._max_answer_tokens = max_answer_tokens
        # Part of every cache key: answers cached by an earlier release (another retrieval or
        # extraction) are not served after a deploy that changed how they are made. None: the
        # answering code's own digest, read when the first key is made.
        self._release = release

    def answer(self, question: str, *, channel: str | None, history: list[ChatMessage] | None = None) -> Answer:
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        key = self._cache_key(question, channel, history)
        cached = self._cached(key)
        if cached is not None:
            return cached
        problems: list[VectorStoreError] = []
        hits = self.retriever.search(
            self._retrieval_query(question, history), channel=channel, k=self.k, problems=problems
        )
        answer, cacheable = self._answer_from(question, hits, history, channel)
        if problems:
            # Keywords only: the answer says so, and is not cached, so the repaired index is used next time.
            return _keyword_only(answer, problems[0])
        if cacheable:
            self._store(key, answer)
        return answer

    def _answer_from(
        self, question: str, hits: list[SearchHit], history: list[ChatMessage] | None, channel: str | None
    ) -> tuple[Answer, bool]:
        """The answer, and whether it may be cached."""
        if not hits:
            return Answer(NOTHING_FOUND, [], "none", []), False
        if self.llm is None:
            return self._extractive(question, hits, channel, note=None), True
        try:
            return self._llm_answer(self.llm, question, hits, history), True
        except LlmUnavailable as exc:
            # Degrade to extracted sentences; not cached, so the model is tried again next time.
            log.warning("answering without the language model: %s", exc)
            return self._extractive(question, hits, channel, note=str(exc)), False

    # --- modes ------------------------------------------------------------------------------

    def _llm_answer(
        self, llm: ChatModel, question: str, hits: list[SearchHit], history: list[ChatMessage] | None
    ) -> Answer:
        reply = llm.complete(
            build_messages(question, hits, history), temperature=0.0, max_tokens=self._max_answer_tokens
        )
        text, citations = resolve_citations(reply, hits)
        if not citations and (says_not_in_documents(text) or not text):
            return Answer(NOT_IN_DOCUMENTS, [], "none", hits)
        return Answer(text, citations, "llm", hits)

    def _extractive(self, question: str, hits: list[SearchHit], channel: str | None, note: str | None) -> Answer:
        weights = self.retriever.term_weights(question)
        scored = score_sentences(
            question,
            hits,
            self.retriever.embedder,
            weights,
            self.retriever.naming_terms(question, channel),
            self.retriever.document_prior(question, channel),
        )
        relevant = any(s.prior > 0 and (s.similarity >= MIN_SIMILARITY or s.overlap >= MIN_OVERLAP) for s in scored)
        if not relevant:
            return Answer(NOTHING_FOUND, [], "none", hits)
        text, citations = extractive_answer(scored, hits, unmentioned=self.retriever.unmentioned(question, channel))
        if note:
            text = f"({note[:1].upper()}{note[1:]}. Showing extracted sentences instead.)\n{text}"
        return Answer(text, citations, "extractive", hits)

    @staticmethod
    def _retrieval_query(question: str, history: list[ChatMessage] | None) -> str:
        # A follow-up ("and in Q2?") is searched together with the previous question.
        previous = [
            t["content"] for t in history or [] if t.get("role") == "user" and isinstance(t.get("content"), str)
        ]
        return f"{previous[-1]}\n{question}" if previous else question

    # --- cache ------------------------------------------------------------------------------

    def _cache_key(self, question: str, channel: str | None, history: list[ChatMessage] | None) -> str | None:
        if self._kv is None:
            return None
        try:
            version = self.retriever.corpus.version()
        except Exception as exc:  # without the corpus version a cached answer could be stale
            log.warning("corpus version unavailable (%s): answering uncached", exc)
            return None
        material = json.dumps(
            [
                question,
                channel,
                version,
                history or [],
                self.llm.model if self.llm else None,
                self.k,
                self._release or answering_code_fingerprint(),
            ],
            sort_keys=True,
        )
        return ANSWER_PREFIX + hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _cached(self, key: str | None) -> Answer | None:
        if key is None or self._kv is None:
            return None
        raw = self._kv.get(key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            hits = [
                SearchHit(
                    Chunk.from_dict(h["chunk"]), h["score"], h["dense_rank"], h["bm25_rank"], h.get("dense_score")
                )
                for h in data["hits"]
            ]
            citations = [Citation(**c) for c in data["citations"]]
            return Answer(data["text"], citations, data["mode"], hits)
        except (ValueError, KeyError, TypeError):
            return None  # an unreadable entry is recomputed

    def _store(self, key: str | None, answer: Answer) -> None:
        if key is None or self._kv is None:
            return
        data = {
            "text": answer.text,
            "mode": answer.mode,
            "citations": [c.to_dict() for c in answer.citations],
            "hits": [
                {
                    "chunk": h.chunk.to_dict(),
                    "score": h.score,
                    "dense_rank": h.dense_rank,
                    "bm25_rank": h.bm25_rank,
                    "dense_score": h.dense_score,
                }
                for h in answer.hits
            ],
        }
        self._kv.set(key, json.dumps(data), self._cache_ttl_s)


def _keyword_only(answer: Answer, problem: VectorStoreError) -> Answer:
    """The answer, saying first that it comes from a keyword search because the vector index failed."""
    note = f"({problem.user_message.rstrip('.')}. Searched by keywords only.)"
    return replace(answer, text=f"{note}\n{answer.text}", degraded_by=problem)
