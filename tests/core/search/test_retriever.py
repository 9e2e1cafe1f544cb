from __future__ import annotations

import pytest

from core.cache.local import LocalKeyValueStore
from core.documents.models import Chunk
from core.documents.service import build_document_service
from core.search.doc_match import DocumentMatcher, period_of, question_periods
from core.search.retriever import MODES, Retriever
from core.storage.local import LocalObjectStore
from core.vectors.local import LocalVectorStore

NS = "docs-T1"

TRAVEL = b"""Travel policy.

Employees may fly business class on flights longer than six hours.
Hotel costs are capped at 200 dollars per night in most cities."""

MERGER = b"""Project Falcon.

We will acquire Initech for 3.2 billion dollars in March.
The hotel costs for the negotiation team in Paris are 900 dollars per night."""

HOLIDAYS = b"""Holiday calendar.

The office closes on December 25 and January 1.
Staff get a hotel discount of 15 percent when they travel for work."""


@pytest.fixture
def embedder(minilm):
    return minilm  # the session-wide model from conftest.py


@pytest.fixture
def world(tmp_path, embedder):
    vectors = LocalVectorStore(tmp_path / "vectors")
    service = build_document_service(
        embedder=embedder,
        vectors=vectors,
        objects=LocalObjectStore(tmp_path / "objects"),
        kv=LocalKeyValueStore(tmp_path / "kv.sqlite"),
        namespace=NS,
    )
    service.ingest(TRAVEL, "travel-policy.md", channel="C1")
    service.ingest(MERGER, "falcon.txt", channel="G9")  # a private channel
    service.ingest(HOLIDAYS, "holidays.txt", workspace_wide=True)
    return service, Retriever(embedder, vectors, service, NS)


def files(hits):
    return {h.chunk.file_name for h in hits}


@pytest.mark.parametrize("mode", MODES)
def test_a_private_channels_document_never_surfaces_elsewhere(world, mode):
    _, retriever = world
    # The question is about the private document; it must still never leak.
    question = "How much will we pay to acquire Initech in Project Falcon? Paris hotel per night"
    for channel in ("C1", "C7", "D123"):
        assert "falcon.txt" not in files(retriever.search(question, channel=channel, k=10, mode=mode))
    assert "falcon.txt" in files(retriever.search(question, channel="G9", k=10, mode=mode))


@pytest.mark.parametrize("mode", MODES)
def test_workspace_wide_documents_answer_everywhere_and_channel_documents_only_there(world, mode):
    _, retriever = world
    assert files(retriever.search("hotel discount for staff", channel="C7", k=10, mode=mode)) == {"holidays.txt"}
    in_c1 = files(retriever.search("hotel cost per night", channel="C1", k=10, mode=mode))
    assert in_c1 == {"travel-policy.md", "holidays.txt"}
    everything = files(retriever.search("hotel cost per night", channel=None, k=10, mode=mode))
    assert everything == {"travel-policy.md", "holidays.txt", "falcon.txt"}


def test_relevant_chunk_ranks_first_in_every_mode(world):
    _, retriever = world
    for mode in MODES:
        hits = retriever.search("Can I fly business class on a long flight?", channel="C1", mode=mode)
        assert hits[0].chunk.file_name == "travel-policy.md", mode
        assert hits[0].chunk.pages == [] and hits[0].chunk.doc_id


def test_hybrid_hits_carry_both_ranks_and_the_dense_similarity(world):
    _, retriever = world
    hit = retriever.search("business class flights longer than six hours", channel="C1", k=1)[0]
    assert hit.dense_rank == 1 and hit.bm25_rank == 1
    assert 0.3 < hit.dense_score <= 1.0


def test_a_newly_linked_document_becomes_searchable_and_a_deleted_one_disappears(world):
    service, retriever = world
    assert "holidays.txt" in files(retriever.search("office closes December 25", channel="C1", mode="bm25"))
    assert "falcon.txt" not in files(retriever.search("acquire Initech", channel="C1", k=10))
    service.ingest(MERGER, "falcon-copy.txt", channel="C1")  # same bytes shared into C1: linked
    for mode in MODES:
        assert "falcon.txt" in files(retriever.search("acquire Initech", channel="C1", k=10, mode=mode)), mode
    falcon = next(r for r in service.list() if r.file_name == "falcon.txt")
    assert service.delete(falcon.doc_id)
    for mode in MODES:
        assert "falcon.txt" not in files(retriever.search("acquire Initech", channel=None, k=10, mode=mode)), mode


def test_empty_questions_scopes_and_bad_arguments(world):
    _, retriever = world
    assert retriever.search("   ", channel="C1") == []
    with pytest.raises(ValueError, match="unknown retrieval mode"):
        retriever.search("hotel", channel="C1", mode="fuzzy")
    with pytest.raises(ValueError, match="k must be"):
        retriever.search("hotel", channel="C1", k=0)
    # BM25 finds nothing for words no document contains; dense always returns neighbours.
    assert retriever.search("zyzzyva quux", channel="C1", mode="bm25") == []


def test_document_prior_prefers_files_named_in_the_question(tmp_path, embedder):
    vectors = LocalVectorStore(tmp_path / "v")
    service = build_document_service(
        embedder=embedder,
        vectors=vectors,
        objects=LocalObjectStore(tmp_path / "o"),
        kv=LocalKeyValueStore(tmp_path / "kv.sqlite"),
        namespace=NS,
    )
    body = "Net sales were {} million this quarter. Operating expenses rose because of hiring."
    names = {
        "2023 Q1 ACME.txt": "100",
        "2023 Q2 ACME.txt": "110",
        "2023 Q2 GLOBEX.txt": "300",
        "2023 Q3 ACME.txt": "120",
    }
    for name, figure in names.items():
        company = "Acme Corp" if "ACME" in name else "Globex Inc"
        service.ingest(f"{company} quarterly report.\n\n{body.format(figure)}".encode(), name, channel="C1")
    retriever = Retriever(embedder, vectors, service, NS)
    assert (
        retriever.search("What were ACME net sales in Q2 2023?", channel="C1", k=1)[0].chunk.file_name
        == "2023 Q2 ACME.txt"
    )
    spelled = retriever.search("ACME net sales in the second quarter of 2023", channel="C1", k=1)[0]
    assert spelled.chunk.file_name == "2023 Q2 ACME.txt"
    latest = retriever.search("Acme net sales in the most recent quarter", channel="C1", k=1)[0]
    assert latest.chunk.file_name == "2023 Q3 ACME.txt"
    assert retriever.search("Globex net sales", channel="C1", k=1)[0].chunk.file_name == "2023 Q2 GLOBEX.txt"


def test_period_parsing_and_matcher_silence_when_nothing_discriminates():
    assert period_of("2023 Q3 AAPL.pdf") == (2023, 3)
    assert period_of("report-q1-2024.pdf") == (2024, 1)
    assert period_of("notes.txt") is None
    assert DocumentMatcher([]).scores("anything") == {}


@pytest.mark.parametrize("mode", MODES)
def test_scope_holds_with_pinecone_as_the_vector_store(tmp_path, embedder, mode):
    from core.vectors.pinecone import PineconeVectorStore
    from tests.fakes.pinecone_server import FakePinecone

    with FakePinecone(dimension=embedder.dimension) as fake:
        vectors = PineconeVectorStore(api_key="test", host=fake.host)
        service = build_document_service(
            embedder=embedder,
            vectors=vectors,
            objects=LocalObjectStore(tmp_path / "o"),
            kv=LocalKeyValueStore(tmp_path / "kv.sqlite"),
            namespace=NS,
        )
        service.ingest(TRAVEL, "travel-policy.md", channel="C1")
        service.ingest(MERGER, "falcon.txt", channel="G9")
        retriever = Retriever(embedder, vectors, service, NS)
        assert files(retriever.search("acquire Initech hotel per night", channel="C1", k=10, mode=mode)) == {
            "travel-policy.md"
        }
        assert "falcon.txt" in files(retriever.search("acquire Initech", channel="G9", k=10, mode=mode))
        if mode != "bm25":
            queries = [body for _, path, body in fake.requests if path == "/query"]
            assert queries and queries[-1]["filter"] == {
                "$or": [{"channels": {"$in": ["G9"]}}, {"workspace_wide": {"$eq": True}}]
            }


def service_with(tmp_path, embedder, documents: dict[str, str]):
    vectors = LocalVectorStore(tmp_path / "v")
    service = build_document_service(
        embedder=embedder,
        vectors=vectors,
        objects=LocalObjectStore(tmp_path / "o"),
        kv=LocalKeyValueStore(tmp_path / "kv.sqlite"),
        namespace=NS,
    )
    for name, text in documents.items():
        service.ingest(text.encode(), name, channel="C1")
    return service, vectors


def test_the_named_documents_chunks_compete_among_themselves_not_only_in_the_global_pool(tmp_path, embedder):
    # Other quarters' filings match the question's words better and fill the (small) pool of
    # candidates; the filing the question names ("second quarter" = the Q2 file) must still win.
    documents = {
        f"{year} Q{q} ACME.txt": f"Quarterly report {year} {q}.\n\nNet sales were {q}00 million this quarter."
        for year in (2022, 2023)
        for q in (1, 3, 4)
    }
    documents["2023 Q2 ACME.txt"] = "Quarterly report.\n\nRevenue from product shipments totalled 110 million."
    service, vectors = service_with(tmp_path, embedder, documents)
    retriever = Retriever(embedder, vectors, service, NS, candidates=2)
    question = "What were net sales in the second quarter?"
    for mode in ("dense", "bm25"):
        assert retriever.search(question, channel="C1", k=1, mode=mode)[0].chunk.file_name != "2023 Q2 ACME.txt"
    assert retriever.search(question, channel="C1", k=1)[0].chunk.file_name == "2023 Q2 ACME.txt"


@pytest.mark.parametrize("mode", MODES)
def test_hits_are_passages_of_neighbouring_chunks_and_never_repeat_text(tmp_path, embedder, mode):
    paragraphs = [
        f"Paragraph {i} about the warehouse in region {i}: shipping volumes and staffing were reviewed "
        f"in detail, and the region reported {i * 1111:,} parcels with {i * 37} delayed deliveries."
        for i in range(1, 25)
    ]
    service, vectors = service_with(tmp_path, embedder, {"warehouses.txt": "\n\n".join(paragraphs)})
    chunks = service.chunks_in_scope("C1")
    assert len(chunks) >= 4
    question = "How many parcels did region 2 report?"
    plain = Retriever(embedder, vectors, service, NS, passage_tokens=0).search(question, channel="C1", k=2, mode=mode)
    assert [h.chunk.text for h in plain] == [chunks[h.chunk.index].text for h in plain]
    hits = Retriever(embedder, vectors, service, NS).search(question, channel="C1", k=3, mode=mode)
    assert "2,222 parcels" in hits[0].chunk.text
    for hit in hits:
        # The ranked chunk plus a neighbour, within the budget, cited with all their pages.
        own = chunks[hit.chunk.index]
        assert own.text.split("\n", 1)[1] in hit.chunk.text and len(hit.chunk.text) > len(own.text)
        assert hit.chunk.token_count <= 512
    lines = [line for hit in hits for line in hit.chunk.text.split("\n")[1:]]
    assert len(lines) == len(set(lines))


def test_a_word_that_fills_a_few_documents_outweighs_words_scattered_over_all():
    """The company fills half of its filing's chunks; "supply", "chain" and "efficiency" each
    turn up in one chunk of every other filing. The company's filing must lead: scattered words
    say little about which document a question is about."""

    def doc(name: str, special: dict[int, str]) -> list[Chunk]:
        # File names that say nothing ("report-6.pdf"): only the text can tell the documents apart.
        file_name = f"report-{len(name)}.pdf"
        return [Chunk(name, file_name, i, special.get(i, f"filler {i}"), [1], None, 5) for i in range(20)]

    acme = doc("acme", dict.fromkeys(range(10), "Acme reported its results"))
    others = [doc(name, {3: "supply chain efficiency improved"}) for name in ("globex", "initech", "umbrellas")]
    scores = DocumentMatcher([c for d in [acme, *others] for c in d]).scores("Acme's supply chain efficiency")
    assert max(scores, key=lambda d: scores[d]) == "acme"
    assert all(scores[d] < 0.75 for d in ("globex", "initech", "umbrellas"))


def test_a_named_period_is_matched_whole_not_by_its_quarter_alone():
    """Each filing names its company on most pages and mentions the next year's plans; a question
    about Q3 2023 is about the 2023 Q3 filing, not the 2022 Q3 one that holds 'Q3' and '2023' too."""

    def doc(file_name: str) -> list[Chunk]:
        company = "Globex" if "GBX" in file_name else "Acme"
        special = {**dict.fromkeys(range(8), f"{company} reported its results"), 9: "plans for 2023 and 2024"}
        return [Chunk(file_name, file_name, i, special.get(i, f"filler {i}"), [1], None, 5) for i in range(20)]

    names = ["2022 Q3 ACM.pdf", "2023 Q1 ACM.pdf", "2023 Q2 ACM.pdf", "2023 Q3 ACM.pdf"]
    names += ["2022 Q3 GBX.pdf", "2023 Q1 GBX.pdf", "2023 Q2 GBX.pdf", "2023 Q3 GBX.pdf"]
    matcher = DocumentMatcher([c for name in names for c in doc(name)])
    for question in ("Acme's inventories in Q3 2023", "Acme's inventories in the third quarter of 2023"):
        scores = matcher.scores(question)
        assert max(scores, key=lambda d: scores[d]) == "2023 Q3 ACM.pdf"
        assert scores["2022 Q3 ACM.pdf"] < 0.75, question  # not one of the documents it is about
    # Two periods named: both are asked about, and lead the filings of other periods.
    both = matcher.scores("Acme's inventories in Q3 2023 against Q3 2022")
    assert min(both["2022 Q3 ACM.pdf"], both["2023 Q3 ACM.pdf"]) > max(both["2023 Q1 ACM.pdf"], both["2023 Q2 ACM.pdf"])
    # A period no file name has: file names are not held against the question.
    assert matcher.scores("Acme's inventories in Q4 2021") == matcher.scores("Acme's inventories")
    assert question_periods("Q3 2023, 2022 Q1 and the second fiscal quarter of 2024") == {
        (2023, 3),
        (2022, 1),
        (2024, 2),
    }


def _filings(special_by_company: dict[str, dict[int, str]]) -> DocumentMatcher:
    """Four quarterly filings of each company; each names its company on most pages."""

    def doc(company: str, file_name: str) -> list[Chunk]:
        special = {**dict.fromkeys(range(8), f"{company} reported its results"), **special_by_company.get(company, {})}
        return [Chunk(file_name, file_name, i, special.get(i, f"filler {i}"), [1], None, 5) for i in range(20)]

    tickers = {"Acme": "ACM", "Globex": "GBX", "Initech": "INI"}
    periods = ("2022 Q3", "2023 Q1", "2023 Q2", "2023 Q3")
    return DocumentMatcher([c for co, t in tickers.items() for p in periods for c in doc(co, f"{p} {t}.pdf")])


def test_a_question_naming_a_company_is_not_about_another_company_full_of_its_topic():
    # Globex's notes are full of acquisitions, Initech's mention one, Acme's none; the question
    # asks about Acme's.
    matcher = _filings(
        {
            "Globex": dict.fromkeys(range(10, 18), "acquisitions and divestitures"),
            "Initech": {12: "one acquisition and one divestiture closed"},
        }
    )
    scores = matcher.scores("Does Acme report any acquisitions or divestitures?")
    assert all(scores[f"{p} ACM.pdf"] >= 0.75 for p in ("2022 Q3", "2023 Q1", "2023 Q2", "2023 Q3"))
    assert all(scores[f"{p} GBX.pdf"] < 0.75 for p in ("2022 Q3", "2023 Q1", "2023 Q2", "2023 Q3"))


def test_the_latest_filing_leads_but_earlier_ones_stay_when_the_question_compares_with_them():
    matcher = _filings({})
    latest = matcher.scores("Acme's R&D spending in the most recent quarter")
    assert latest["2023 Q3 ACM.pdf"] == 1.0 and latest["2023 Q2 ACM.pdf"] < 0.75
    compared = matcher.scores("Acme's R&D spending in the most recent quarter compared to previous quarters")
    assert compared["2023 Q3 ACM.pdf"] == 1.0
    assert all(compared[f"{p} ACM.pdf"] >= 0.75 for p in ("2022 Q3", "2023 Q1", "2023 Q2"))
    assert all(compared[f"{p} GBX.pdf"] < 0.75 for p in ("2022 Q3", "2023 Q1", "2023 Q2", "2023 Q3"))


def test_naming_terms_are_the_words_that_fill_a_company_s_filings_not_the_topic_words():
    """Two filings of each of two companies name their company on most pages; one travel policy
    alone speaks of hotels; every filing mentions divestitures once or twice."""

    def doc(doc_id: str, file_name: str, special: dict[int, str]) -> list[Chunk]:
        return [Chunk(doc_id, file_name, i, special.get(i, f"filler {i}"), [1], None, 5) for i in range(20)]

    filings = [
        doc(
            f"{company}-{quarter}",
            f"2023 {quarter} {ticker}.pdf",
            {
                **dict.fromkeys(range(8), f"{company} reported results"),
                12: "one divestiture closed",
            },
        )
        for company, ticker in (("Acme", "ACM"), ("Globex", "GBX"))
        for quarter in ("Q1", "Q2")
    ]
    policy = doc("policy", "travel_policy.pdf", dict.fromkeys(range(20), "the hotel limit per night"))
    others = [doc(f"memo-{i}", f"memo-{i}.txt", {}) for i in range(4)]
    matcher = DocumentMatcher([c for d in [*filings, policy, *others] for c in d])
    # The company, and the period its file names carry; not the topics.
    assert matcher.naming_terms("Did Acme's divestitures in Q2 2023 change its hotel limit?") == {"acme", "q2", "2023"}
    assert matcher.naming_terms("What did the ACM filings say?") == {"acm"}  # a ticker in two file names
    assert matcher.naming_terms("What is the hotel limit per night in the travel policy?") == set()
    # In a channel holding one Acme filing and the policy, Acme fills one document: a topic there.
    assert matcher.naming_terms("What did Acme report?", {"Acme-Q1", "policy"}) == set()


def test_a_passage_repeating_the_figures_of_a_better_ranked_one_gives_its_place_to_new_ones(tmp_path, embedder):
    table = "Net sales 81,797 82,959\nCost of sales 45,384 46,387\nGross margin 36,413 36,572"
    documents = {
        "statement.txt": f"Statement of operations, net sales.\n\n{table}",
        "review.txt": f"Review of net sales.\n\n{table}",
        "segments.txt": "Regional figures.\n\nAmericas 35,383 37,472\nEurope 20,205 19,287",
    }
    service, vectors = service_with(tmp_path, embedder, documents)
    question = "What were net sales?"
    keeping = Retriever(embedder, vectors, service, NS, passage_tokens=0, repeated_figures=None)
    assert {h.chunk.file_name for h in keeping.search(question, channel="C1", k=2)} == {"statement.txt", "review.txt"}
    retriever = Retriever(embedder, vectors, service, NS, passage_tokens=0)
    names = [h.chunk.file_name for h in retriever.search(question, channel="C1", k=2)]
    assert "segments.txt" in names and not {"statement.txt", "review.txt"} <= set(names)
