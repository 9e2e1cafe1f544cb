from __future__ import annotations

import pytest

from core.answers.answerer import NOTHING_FOUND, Answerer
from core.answers.extractive import EXTRACTED_LABEL
from core.answers.prompt import NOT_IN_DOCUMENTS, resolve_citations
from core.cache.local import LocalKeyValueStore
from core.documents.service import build_document_service
from core.llm.openai import OpenAIChatModel, make_openai_client
from core.search.retriever import Retriever
from core.storage.local import LocalObjectStore
from core.vectors.local import LocalVectorStore
from tests.fakes.openai_server import FakeOpenAI

NS = "docs-T1"
TRAVEL = (
    b"Travel policy.\n\nEmployees may fly business class on flights longer than six hours. "
    b"Hotel costs are capped at 200 dollars per night in most cities. Receipts must be submitted within 30 days."
)
HOLIDAYS = (
    b"Holiday calendar.\n\nThe office closes on December 25 and January 1. Staff get a hotel discount of 15 percent."
)
SECRET = b"Board minutes.\n\nThe board approved layoffs of 120 engineers, to be announced on 3 May."


@pytest.fixture
def embedder(minilm):
    return minilm  # the session-wide model from conftest.py


@pytest.fixture
def kv(tmp_path):
    return LocalKeyValueStore(tmp_path / "kv.sqlite")


@pytest.fixture
def service(tmp_path, embedder, kv):
    svc = build_document_service(
        embedder=embedder,
        vectors=LocalVectorStore(tmp_path / "v"),
        objects=LocalObjectStore(tmp_path / "o"),
        kv=kv,
        namespace=NS,
    )
    svc.ingest(TRAVEL, "travel-policy.md", channel="C1")
    svc.ingest(HOLIDAYS, "holidays.txt", workspace_wide=True)
    svc.ingest(SECRET, "board.txt", channel="G9")
    return svc


@pytest.fixture
def retriever(service, embedder):
    return Retriever(embedder, service.vectors, service, NS)


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm(fake):
    return OpenAIChatModel(make_openai_client("sk-test", fake.base_url, timeout=5, max_retries=0), "gpt-4o-mini")


def test_llm_answer_is_grounded_in_numbered_sources_and_cites_them(fake, llm, retriever):
    def reply(body):
        prompt = body["messages"][-1]["content"]
        source = next(line for line in prompt.splitlines() if "travel-policy.md" in line)
        number = source.split("]")[0].lstrip("[")
        return f"Hotels are capped at 200 dollars per night [{number}][9]."

    fake.chat_handler = reply
    answer = Answerer(retriever, llm).answer("What is the hotel limit per night?", channel="C1")
    assert answer.mode == "llm"
    assert answer.text == "Hotels are capped at 200 dollars per night [1]."  # [9] names no source: dropped
    assert [(c.number, c.file_name) for c in answer.citations] == [(1, "travel-policy.md")]
    messages = fake.chat_requests()[0]["messages"]
    assert messages[0]["role"] == "system" and NOT_IN_DOCUMENTS in messages[0]["content"]
    assert "Hotel costs are capped at 200 dollars per night" in messages[-1]["content"]
    assert "board.txt" not in messages[-1]["content"]  # private channel text never reaches the prompt


def test_llm_saying_the_documents_dont_say_is_an_honest_none(fake, llm, retriever):
    fake.chat_replies.append("The documents don't say.")
    answer = Answerer(retriever, llm).answer("What is our parental leave policy?", channel="C1")
    assert answer.mode == "none" and answer.text == NOT_IN_DOCUMENTS and answer.citations == []


def test_an_unavailable_llm_degrades_to_an_extractive_answer_with_a_note(fake, llm, retriever, kv):
    fake.fail_next(500, "server exploded")
    answerer = Answerer(retriever, llm, kv=kv)
    degraded = answerer.answer("What is the hotel limit per night?", channel="C1")
    assert degraded.mode == "extractive"
    assert "unavailable" in degraded.text and "500" in degraded.text
    assert "Hotel costs are capped at 200 dollars per night" in degraded.text
    fake.chat_replies.append("Capped at 200 dollars [1].")
    assert answerer.answer("What is the hotel limit per night?", channel="C1").mode == "llm"  # not cached


def test_extractive_answer_quotes_cited_sentences_and_is_labelled(retriever):
    answer = Answerer(retriever, None).answer("When must receipts be submitted?", channel="C1")
    assert answer.mode == "extractive"
    assert answer.text.startswith(EXTRACTED_LABEL)
    assert "• Receipts must be submitted within 30 days. [1]" in answer.text
    assert answer.citations[0].file_name == "travel-policy.md" and answer.citations[0].number == 1


def test_extractive_says_nothing_was_found_for_unrelated_questions(retriever):
    answer = Answerer(retriever, None).answer("What is the capital of Mongolia?", channel="C1")
    assert answer.mode == "none" and answer.text == NOTHING_FOUND and answer.citations == []


def test_an_extractive_answer_says_which_asked_words_no_document_uses(retriever):
    answer = Answerer(retriever, None).answer("What is the hotel limit per night in Reykjavik?", channel="C1")
    assert answer.mode == "extractive" and "200 dollars per night" in answer.text
    assert "(The documents don't mention “limit” or “Reykjavik”; these are the closest passages.)" in answer.text
    covered = Answerer(retriever, None).answer("What is the hotel limit per night?", channel="C1")
    assert "don't mention" not in covered.text
    # A single framing word of a longer question is not worth saying.
    framed = Answerer(retriever, None).answer("What might the hotel cost per night suggest?", channel="C1")
    assert "don't mention" not in framed.text


def test_words_only_another_channel_s_documents_use_are_unmentioned_here(retriever):
    # The board minutes of G9 speak of layoffs of engineers: C1's answer must not reveal that.
    assert retriever.unmentioned("Are there layoffs of engineers?", "C1") == ["layoffs", "engineers"]
    assert retriever.unmentioned("Are there layoffs of engineers?", "G9") == []
    assert retriever.unmentioned("Fly business class to Reykjavik or Oslo?", "C1") == ["Reykjavik", "Oslo"]
    assert retriever.unmentioned("How many gift cards did we sell?", "C1") == ["gift cards", "sell"]


def test_scope_holds_in_answers(retriever):
    outside = Answerer(retriever, None).answer("How many engineers will be laid off?", channel="C1")
    assert "120 engineers" not in outside.text
    assert all(c.file_name != "board.txt" for c in outside.citations)
    inside = Answerer(retriever, None).answer("How many engineers will be laid off?", channel="G9")
    assert "120 engineers" in inside.text and inside.citations[0].file_name == "board.txt"


def test_answers_are_cached_until_the_documents_change(fake, llm, retriever, service, kv):
    fake.chat_handler = lambda body: "Business class on long flights [1]."
    answerer = Answerer(retriever, llm, kv=kv)
    first = answerer.answer("Can I fly business class?", channel="C1")
    again = answerer.answer("Can I fly business class?", channel="C1")
    assert len(fake.chat_requests()) == 1
    assert again.text == first.text and again.citations == first.citations
    assert [h.chunk.id for h in again.hits] == [h.chunk.id for h in first.hits]
    assert kv.keys("answer:")
    service.ingest(b"Expenses.\n\nTaxis are reimbursed up to 50 dollars.", "expenses.txt", channel="C1")
    answerer.answer("Can I fly business class?", channel="C1")
    assert len(fake.chat_requests()) == 2


def test_answers_cached_by_another_release_are_not_served(fake, llm, retriever, kv):
    fake.chat_handler = lambda body: "Business class on long flights [1]."
    Answerer(retriever, llm, kv=kv, release="before").answer("Can I fly business class?", channel="C1")
    Answerer(retriever, llm, kv=kv, release="before").answer("Can I fly business class?", channel="C1")
    assert len(fake.chat_requests()) == 1
    Answerer(retriever, llm, kv=kv, release="after").answer("Can I fly business class?", channel="C1")
    assert len(fake.chat_requests()) == 2
    # By default the release is the answering code itself: the same for two processes of one release.
    Answerer(retriever, llm, kv=kv).answer("Can I fly business class?", channel="C1")
    Answerer(retriever, llm, kv=kv).answer("Can I fly business class?", channel="C1")
    assert len(fake.chat_requests()) == 3


def test_history_shapes_the_search_and_the_prompt(fake, llm, retriever):
    history = [
        {"role": "user", "content": "What is the hotel limit per night?"},
        {"role": "assistant", "content": "200 dollars [1]."},
    ]
    fake.chat_replies.append("In most cities [1].")
    answer = Answerer(retriever, llm).answer("and where does it apply?", channel="C1", history=history)
    assert answer.citations[0].file_name == "travel-policy.md"
    roles = [m["role"] for m in fake.chat_requests()[0]["messages"]]
    assert roles == ["system", "user", "assistant", "user"]


def test_an_empty_question_is_refused(retriever):
    with pytest.raises(ValueError, match="empty"):
        Answerer(retriever, None).answer("  ", channel="C1")


def test_citation_markers_are_validated_and_renumbered(retriever):
    hits = retriever.search("hotel", channel=None, k=3)
    text, citations = resolve_citations("A [3]. B [1, 3]. C [0] [4].", hits)
    assert text == "A [1]. B [2][1]. C."
    assert [c.number for c in citations] == [1, 2]
    assert citations[0].file_name == hits[2].chunk.file_name


def test_extractive_answers_never_quote_page_headers_or_footers(minilm):
    from core.answers.extractive import score_sentences
    from core.documents.models import Chunk
    from core.search.retriever import SearchHit

    def hit(index: int, text: str) -> SearchHit:
        chunk = Chunk("d1", "2023 Q3 ACME.pdf", index, text, [index + 1], None, 50)
        return SearchHit(chunk, 1.0 / (index + 1), index + 1, None)

    hits = [
        hit(
            0,
            "2023 Q3 ACME — Results\nAcme Inc. | Q3 2023 Form 10-Q | 14\n"
            "Acme's R&D expense in Q3 2023 was $7.4 billion.",
        ),
        hit(1, "2023 Q3 ACME — Results\nAcme Inc. | Q3 2023 Form 10-Q | 15\nTotal net sales 81,797 82,959"),
    ]
    scored = score_sentences("How much did Acme spend on R&D in Q3 2023?", hits, minilm)
    texts = [s.text for s in scored]
    assert not any("Form 10-Q" in t for t in texts)
    assert texts[0] == "Acme's R&D expense in Q3 2023 was $7.4 billion."
    assert "Total net sales 81,797 82,959" in texts


def test_a_table_row_with_a_one_word_label_is_a_candidate_but_bare_fragments_are_not(minilm):
    from core.answers.extractive import score_sentences
    from core.documents.models import Chunk
    from core.search.retriever import SearchHit

    text = "2023 Q3 ACME — Balance sheet\n(1,393) (2,247) (3,100)\nInventories 11,466 13,224\nGoodwill 27,591 27,462"
    hits = [SearchHit(Chunk("d1", "2023 Q3 ACME.pdf", 0, text, [8], None, 30), 1.0, 1, None)]
    scored = score_sentences("What were Acme's inventories at the end of Q3 2023?", hits, minilm)
    texts = [s.text for s in scored]
    assert texts[0] == "Inventories 11,466 13,224"
    assert "Goodwill 27,591 27,462" in texts and not any(t.startswith("(1,393)") for t in texts)


def test_rows_naming_what_was_asked_lead_and_each_filing_s_row_is_quoted_once(minilm):
    from core.answers.extractive import extractive_answer, score_sentences
    from core.documents.models import Chunk
    from core.search.retriever import SearchHit

    def hit(index: int, quarter: str, text: str) -> SearchHit:
        chunk = Chunk(
            f"d{index}", f"2023 {quarter} ACME.pdf", 0, f"2023 {quarter} ACME — Net sales\n{text}", [3], None, 60
        )
        return SearchHit(chunk, 1.0 / (index + 1), index + 1, None)

    prose = (
        "The Company's proportion of net sales by revenue source was generally consistent, "
        "except in Greater China, where Widget revenue was a higher proportion of net sales."
    )
    hits = [
        hit(0, "Q1", f"{prose}\nWidget $ 40,665 $ 39,570\nServices $ 19,604 $ 17,486"),
        hit(1, "Q2", f"{prose[40:]}\nWidget $ 51,334 $ 50,570"),
        hit(2, "Q3", "Widget $ 65,775 $ 71,628\nWearables $ 9,650 $ 8,806"),
        hit(3, "Q4", "Widget $ 39,669 $ 40,665"),
    ]
    weights = {"widget": 3.0, "revenu": 1.5, "sale": 0.5, "fluctuat": 2.0, "quarter": 0.5}
    scored = score_sentences(
        "How has Acme's revenue from Widget sales fluctuated across quarters?", hits, minilm, weights
    )
    text, _ = extractive_answer(scored, hits)
    bullets = [line for line in text.split("\n") if line.startswith("• ")]
    # One row per filing, ahead of the prose that mentions the product.
    assert sorted(b.split(" [")[0] for b in bullets[:4]) == [
        "• Widget $ 39,669 $ 40,665",
        "• Widget $ 40,665 $ 39,570",
        "• Widget $ 51,334 $ 50,570",
        "• Widget $ 65,775 $ 71,628",
    ]


def _filing_hit(index: int, doc_id: str, text: str):
    from core.documents.models import Chunk
    from core.search.retriever import SearchHit

    chunk = Chunk(doc_id, f"2023 Q{index + 1} {doc_id.upper()}.pdf", 0, f"{doc_id} — Notes\n{text}", [2], None, 40)
    return SearchHit(chunk, 1.0 / (index + 1), index + 1, None)


def test_names_are_left_out_of_ranking_but_not_out_of_whether_anything_is_relevant(minilm):
    from core.answers.extractive import score_sentences

    hits = [_filing_hit(0, "acme", "Acme Corp designs and sells industrial robots in Europe and Asia.")]
    scored = score_sentences("Tell me about Acme", hits, minilm, {"tell": 1.0, "acm": 3.0}, naming={"acm", "acme"})
    # The stripped question is just "Tell me about"; the relevance measures read the whole one.
    assert scored and scored[0].overlap > 0 and scored[0].similarity >= 0.35


def test_documents_the_question_is_not_about_are_not_quoted_and_a_silent_prior_keeps_the_order(minilm):
    from core.answers.extractive import score_sentences

    hits = [
        _filing_hit(0, "acme", "Acme pays a quarterly dividend of 24 cents per share to its holders."),
        _filing_hit(1, "globex", "The company hired a new auditor for the year ahead of the merger."),
    ]
    question = "What is the dividend policy?"
    about_globex = score_sentences(question, hits, minilm, None, prior={"globex": 1.0, "acme": 0.0})
    acme = next(s for s in about_globex if "dividend" in s.text)
    assert acme.score == 0 and acme.prior == 0  # and the answerer's relevance check skips it
    # A prior that holds none of the hits' documents says nothing about them: not applied.
    silent = score_sentences(question, hits, minilm, None, prior={"initech": 1.0})
    assert "dividend" in silent[0].text and silent[0].score > silent[1].score > 0


def test_a_header_of_years_is_not_a_row_and_a_sentence_is_said_once():
    from core.answers.extractive import _repeats, _row_match
    from core.search.text import terms

    asked = dict.fromkeys(terms("operating income by segment"), 1.0)
    assert _row_match("Operating income by segment 2023 2022", asked) == 0.0
    assert _row_match("July 1, 2023 July 2, 2022", asked) == 0.0
    assert _row_match("Operating income $ 19,346 $ 17,514", asked) > 0.5
    whole = set(terms("except in Greater China, where iPhone revenue represented a higher proportion of net sales"))
    cut = set(terms("where iPhone revenue represented a higher proportion of net sales"))
    assert _repeats(cut, whole)
    # The same label with another figure says something new.
    assert not _repeats(set(terms("Effective tax rate 12.5 % 15.7 %")), set(terms("Effective tax rate 15.7 % 10.8 %")))
