"""Schema-aware pattern engine: plain questions to SQL without an LLM, or an honest "no".

Three steps, each its own module:
1. the tagger (tagger.py) reads the question as a sequence of typed tags (tags.py): schema
   tables and columns, literal values found in the data, numbers, business metrics, and a small
   vocabulary of aggregate, comparison, grouping and ordering words;
2. the interpreter (interpreter.py) reads the tags left to right into a Query (query.py), one
   method per tag kind;
3. the renderer (renderer.py) writes the Query as SQL.
Every word must be explained by a tag or be a known filler word; one word the tagger cannot
explain and the engine abstains — a wrong query that looks right is worse than no query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from core.sql.generate.interpreter import Interpreter
from core.sql.generate.joins import JoinGraph
from core.sql.generate.metrics import Metric, measures_by_phrase
from core.sql.generate.periods import LatestDate, Periods
from core.sql.generate.query import Abstain
from core.sql.generate.renderer import Renderer
from core.sql.generate.schema_index import SchemaIndex
from core.sql.generate.tagger import Tagger
from core.sql.generate.tags import Tag, TagKind
from core.sql.generate.tokens import Word, tokenize


class PatternEngine:
    def __init__(
        self,
        schema: SchemaIndex,
        today: date | None = None,
        latest_date: LatestDate | None = None,
        metrics: Iterable[Metric] = (),
    ) -> None:
        self.schema = schema
        # Business metrics from the documentation ("revenue"), by their names as engine words.
        self.measures = measures_by_phrase(metrics, schema)
        joins = JoinGraph(schema)
        self.tagger = Tagger(schema, self.measures)
        # today None: the real date at each question (long-running processes); latest_date(table,
        # column): the newest date in the data, the anchor for "last month".
        self.interpreter = Interpreter(schema, joins, Periods(schema, today, latest_date))
        self.renderer = Renderer(joins)

    def generate(self, question: str) -> tuple[str, list[str], list[str]]:
        """(sql, tables, notes on how words were read) or raises Abstain with the reason."""
        words = tokenize(question)
        if len(words) < 2:
            raise Abstain("the question is too short")
        tags = self.tagger.tag(words)
        unknown = [tag.text for tag in tags if tag.kind == TagKind.UNKNOWN]
        if unknown:
            raise Abstain(f"not understood: {', '.join(unknown[:5])}")
        dropped = _unread_request(tags, words)
        if dropped:
            raise Abstain(f"nothing in '{dropped}' names what to show")
        query = self.interpreter.interpret(tags, words)
        return self.renderer.render(query), query.tables, query.notes


_ASKING = {"what", "which", "who", "whom", "whose", "where", "when", "how", "why"}


def _unread_request(tags: list[Tag], words: list[Word]) -> str | None:
    """ "How old is each teacher and where are they from?": a second request made only of filler
    words would be silently dropped, answering half the question. Its words, or None."""
    for tag in tags:
        starts_request = tag.kind == TagKind.BREAK or (tag.kind == TagKind.FILLER and words[tag.start].lower == "and")
        if not starts_request:
            continue
        rest = [t for t in tags if t.start >= tag.end]
        clause = rest[: next((n for n, t in enumerate(rest) if t.kind == TagKind.BREAK), len(rest))]
        # "… and also where they are from": a question word, and nothing else the engine reads
        asks = bool(clause) and any(w.lower in _ASKING for w in words[tag.end : clause[-1].end])
        if asks and all(t.kind == TagKind.FILLER for t in clause):
            return " ".join(w.text for w in words[tag.end : clause[-1].end])
    return None
