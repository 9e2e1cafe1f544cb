"""Tables and columns into plain words: prefixes stripped, run-ons split, shortenings expanded.

`lg_WhseMstr`, which PostgreSQL folds to `lg_whsemstr`, is read in four steps: the schema's
prefixes are found (prefixes.py: 'lg' is shared by several tables and is no word); the rest is
split against the English word list, the schema's own vocabulary and plausible shortenings
(words.py: 'whse mstr'); a column's prefix is dropped when the table's columns share it (its
initials, as `sbdpclose` of `sbDailyPrice`, or its first letters, as `hishopid` of `hiring`);
and each token is expanded where the schema's context settles what it stands for
(expansions.py: 'warehouse master').
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from core.schema.abbreviations import ABBREVIATIONS
from core.schema.descriptions import Descriptions
from core.schema.expansions import Context, Expander
from core.schema.glosses import Glosses
from core.schema.inflect import singular
from core.schema.lexicon import EnglishLexicon
from core.schema.meanings import ColumnMeaning, TableMeaning, WordSource
from core.schema.prefixes import Name, strip_prefix, table_prefixes
from core.schema.shortenings import Shortenings
from core.schema.stopwords import GENERIC_COLUMN_WORDS, STOPWORDS
from core.schema.synonyms import Thesaurus
from core.schema.words import WordSplitter, delimited_chunks

if TYPE_CHECKING:
    from core.sql.models import TableInfo

_COMMON_WORD = 5.5  # lexicon cost: below it a token is an ordinary word, not a shortening
_BOUNDARY_SLACK = 1.0  # how much dearer a reading may be when a prefix is cut off first
_HEAD_COST = 5.0
_MAX_SHORT_NAME = 5  # a table named 'teac' or 'voca' after its prefix is the schema's own word
_REPEATED = 2  # names a shortening must appear in to count as the schema's own word
_TEXT_WORD = re.compile(r"[a-z]+")


class NameReader:
    """Turns TableInfo into TableMeaning: prefixes, words, expansions, synonyms, descriptions."""

    def __init__(
        self,
        tables: list[TableInfo],
        lexicon: EnglishLexicon,
        descriptions: Descriptions,
        thesaurus: Thesaurus | None,
        glosses: Glosses | None = None,
    ) -> None:
        self.tables = tables
        self.lexicon = lexicon
        self.descriptions = descriptions
        self.thesaurus = thesaurus
        self.shortenings = Shortenings.for_lexicon(lexicon)
        self.expander = Expander(lexicon, self.shortenings, glosses)
        names = [_unqualified(t.name) for t in tables] + [c.name for t in tables for c in t.columns]
        # Words the schema spells out somewhere (delimited or cased) guide the splitting of
        # run-ons; a chunk that is itself a run-on of known words ('deptmaster') is not one.
        chunks = {
            chunk.lower()
            for name in names
            for chunk in delimited_chunks(name)
            if len(delimited_chunks(name)) > 1 and len(chunk) > 2 and chunk.isalpha()
        }
        self.splitter = self._splitter(chunks)

    def read(self) -> list[TableMeaning]:
        prefixes = self._table_prefixes()
        bare_names = [self._strip(table, prefix) for table, prefix in zip(self.tables, prefixes, strict=True)]
        # The schema's vocabulary grows twice: by its short table names once prefixes are off,
        # then by the shortenings a reading with those finds in several names.
        short_names = {rest for _, rest in bare_names if rest.isalpha() and len(rest) <= _MAX_SHORT_NAME}
        self.splitter = self._splitter(self.splitter.schema_words | short_names)
        self.splitter = self._splitter(self.splitter.schema_words | self._repeated([rest for _, rest in bare_names]))
        meanings = []
        for table, (stripped, rest) in zip(self.tables, bare_names, strict=True):
            schema, _ = _split_qualified(table.name)
            meanings.append(
                TableMeaning(
                    table.name,
                    self._split(rest),
                    [],
                    [],
                    prefix=stripped,
                    comment=table.comment,
                    description=self.descriptions.table(table.name),
                    schema=schema,
                )
            )
        spelled = self._spelled(meanings)
        table_words = {tuple(singular(w) for w in m.raw_words) for m in meanings}
        for table, meaning in zip(self.tables, meanings, strict=True):
            own = tuple(singular(w) for w in meaning.raw_words)
            context = Context(spelled, self._neighbours(table, meaning.raw_words), table_words - {own})
            meaning.words, meaning.word_sources = self._expand(meaning.raw_words, context)
        for table, meaning, prefix in zip(self.tables, meanings, prefixes, strict=True):
            meaning.columns = self._columns(table, meaning, prefix, spelled)
            meaning.synonyms = self._synonyms(meaning.words)
        return meanings

    # ---- words ------------------------------------------------------------------------------

    def _splitter(self, chunks: Iterable[str]) -> WordSplitter:
        plain = WordSplitter(self.lexicon, (), self.shortenings)
        return WordSplitter(self.lexicon, {c for c in chunks if not self._compound(c, plain)}, self.shortenings)

    def _repeated(self, table_rests: list[str]) -> set[str]:
        """Shortenings a first reading finds in several names ('prpr' in prprid, prprname,
        otherprprftrs): the schema's own words, which then guide the names read wrongly."""
        names = table_rests + [c.name.lower() for t in self.tables for c in t.columns]
        counts: dict[str, int] = defaultdict(int)
        for name in set(names):
            for token in set(self._split(name)):
                if len(token) >= 3 and not self.lexicon.is_common(token, _COMMON_WORD) and self._shortening(token):
                    counts[token] += 1
        return {token for token, count in counts.items() if count >= _REPEATED}

    def _compound(self, chunk: str, plain: WordSplitter) -> bool:
        """'deptmaster', 'whsemstr', 'fuelpurch': known words and shortenings run together."""
        pieces = plain.split(chunk)
        if len(pieces) < 2:
            return False
        anchored = any(len(p) >= 3 and (self.lexicon.is_common(p, _COMMON_WORD) or p in ABBREVIATIONS) for p in pieces)
        return anchored and all(p == "id" or (len(p) >= 3 and self._known(p)) for p in pieces)

    def _known(self, token: str) -> bool:
        return (
            token.isdigit()
            or token in ABBREVIATIONS
            or self.lexicon.is_common(token, 6.0)
            or self.shortenings.plausible(token)
        )

    def _split(self, text: str) -> list[str]:
        return [w for part in text.split() for w in self.splitter.split(part)]

    def _spelled(self, meanings: list[TableMeaning]) -> set[str]:
        """Words the schema spells out in full: in names, comments and descriptions."""
        tokens = [w for m in meanings for w in m.raw_words]
        tokens += [w for t in self.tables for c in t.columns for w in self._split(c.name)]
        texts = [t.comment for t in self.tables] + [c.comment for t in self.tables for c in t.columns]
        texts += list(self.descriptions.tables.values()) + list(self.descriptions.columns.values())
        tokens += [w for text in texts if text for w in _TEXT_WORD.findall(text.lower())]
        return {w for w in tokens if len(w) > 3 and self.lexicon.is_common(w, _COMMON_WORD)}

    def _neighbours(self, table: TableInfo, own: list[str]) -> set[str]:
        """The table's words as plain as the abbreviation table makes them: what definitions meet."""
        tokens = list(own) + [w for c in table.columns for w in self._split(c.name)]
        words = {w for t in tokens for w in ABBREVIATIONS.get(t, (t,))}
        return {singular(w) for w in words if len(w) > 2 and w not in STOPWORDS}

    def _expand(
        self, raw: list[str], context: Context, initials: tuple[str, list[str]] | None = None
    ) -> tuple[list[str], list[WordSource]]:
        words: list[str] = []
        sources: list[WordSource] = []
        for at, token in enumerate(raw):
            listed, reading = self.expander.listed(raw, at, context)
            if initials and token == initials[0]:
                words.extend(initials[1])
                sources.append("initials")
            elif reading is not None:
                words.extend(reading)
                sources.append("abbreviation")
            elif not listed and (expansion := self.expander.shortened(raw, at, context)) is not None:
                words.append(expansion)
                sources.append("shortening")
            else:
                words.append(singular(token))
                sources.append("word")
        return words, sources

    # ---- prefixes ---------------------------------------------------------------------------

    def _table_prefixes(self) -> list[str | None]:
        groups: dict[str | None, list[int]] = defaultdict(list)
        for index, table in enumerate(self.tables):
            groups[_split_qualified(table.name)[0]].append(index)
        found: list[str | None] = [None] * len(self.tables)
        for indexes in groups.values():
            names = [
                Name(
                    [c.lower() for c in delimited_chunks(_unqualified(self.tables[i].name))],
                    [c.name.lower() for c in self.tables[i].columns],
                )
                for i in indexes
            ]
            for index, prefix in zip(indexes, table_prefixes(names, self), strict=True):
                found[index] = prefix
        return found

    def _strip(self, table: TableInfo, prefix: str | None) -> tuple[str | None, str]:
        bare = _unqualified(table.name)
        return strip_prefix([c.lower() for c in delimited_chunks(bare)], bare.lower(), prefix)

    def is_word(self, text: str) -> bool:
        return self.lexicon.is_common(text, 5.0)

    def is_lemma(self, text: str) -> bool:
        return self.thesaurus is not None and bool(self.thesaurus.related(text))

    def is_shortening(self, text: str) -> bool:
        return text in ABBREVIATIONS or self.shortenings.plausible(text)

    def segments_cleanly(self, text: str) -> bool:
        if self._shortening(text):
            return True  # 'voca' of lxvoca: one shortened word
        words = self.splitter.split(text)
        return (
            bool(words)
            and all(
                w.isdigit() or w in ABBREVIATIONS or self.lexicon.is_common(w, 6.0) or self._shortening(w)
                for w in words
            )
            and len(words) <= max(1, len(text) // 3)
        )

    def _shortening(self, token: str) -> bool:
        return len(token) >= 3 and self.shortenings.plausible(token)

    def _prefix_boundary(self, text: str, prefix: str) -> bool:
        """A column starts with its table's prefix when what follows reads no worse than the
        whole: 'sbcustname' does, the column 'title' of a schema prefixed 't' does not."""
        rest = text[len(prefix) :]
        return bool(rest) and self.splitter.segment_cost(rest) <= self.splitter.segment_cost(text) + _BOUNDARY_SLACK

    def boundary_after(self, text: str, head: str) -> bool:
        rest = text[len(head) :]
        if not rest:
            return False
        # A head that marks names costs no more than an abbreviation: 'sb' of sbcustname.
        cut = min(self.splitter.word_cost(head), _HEAD_COST) + self.splitter.segment_cost(rest)
        return cut <= self.splitter.segment_cost(text) + _BOUNDARY_SLACK

    # ---- columns ----------------------------------------------------------------------------

    def _columns(
        self, table: TableInfo, meaning: TableMeaning, table_prefix: str | None, spelled: set[str]
    ) -> list[ColumnMeaning]:
        initials = "".join(w[0] for w in meaning.words if w) if len(meaning.words) > 1 else None
        originals, rests = [], []
        for column in table.columns:
            chunks = [c.lower() for c in delimited_chunks(column.name)]
            originals.append(" ".join(chunks))
            rests.append(strip_prefix(chunks, column.name.lower(), table_prefix, self._prefix_boundary))
        if 2 * sum(stripped is not None for stripped, _ in rests) < len(rests):
            # The table's prefix is not its columns' ('hrlyrateamt' of hr_DrvrRoster keeps its
            # 'hr'), except in a column named after the whole table ('lginvbalid' of lginvbal).
            whole = _unqualified(table.name).lower()
            rests = [
                rest if column.name.lower().startswith(whole) else (None, original)
                for column, original, rest in zip(table.columns, originals, rests, strict=True)
            ]
        marker = self._column_marker(originals, [rest for _, rest in rests], meaning, table_prefix)
        split_columns = []
        for column, original, (stripped, rest) in zip(table.columns, originals, rests, strict=True):
            if marker and marker[1] and _starts(original, marker[0]):
                stripped, rest = marker[0], original[len(marker[0]) :].strip()
            elif marker and not marker[1] and _starts(rest, marker[0]):
                stripped, rest = (stripped or "") + marker[0], rest[len(marker[0]) :].strip()
            split_columns.append((column, stripped, self._split(rest)))
        column_prefix = None if marker else self._column_prefix([raw for _, _, raw in split_columns], initials, meaning)
        final = []
        for column, stripped, raw in split_columns:
            prefix = stripped
            if column_prefix and len(raw) > 1 and raw[0] == column_prefix:
                prefix = (stripped or "") + column_prefix
                raw = raw[1:]
            elif (
                column_prefix
                and len(raw) == 1
                and raw[0].startswith(column_prefix)
                and len(raw[0]) > len(column_prefix) + 2
            ):
                prefix = (stripped or "") + column_prefix
                raw = self._split(raw[0][len(column_prefix) :])
            final.append((column, prefix, raw))
        plain = {column.name: tuple(singular(w) for w in raw) for column, _, raw in final}
        neighbours = self._neighbours(table, meaning.raw_words)
        result = []
        for column, prefix, raw in final:
            siblings = {words for name, words in plain.items() if name != column.name}
            context = Context(spelled, neighbours, siblings)
            words, sources = self._expand(raw, context, (initials, meaning.words) if initials else None)
            result.append(
                ColumnMeaning(
                    column.name,
                    raw,
                    words,
                    sources,
                    prefix=prefix,
                    synonyms=self._synonyms(_own_words(words, meaning.words)),
                    comment=column.comment,
                    description=self.descriptions.column(table.name, column.name),
                    table=table.name,
                    type=column.type,
                    primary_key=column.primary_key,
                    references=column.references,
                )
            )
        return result

    def _column_marker(
        self, originals: list[str], rests: list[str], table: TableMeaning, table_prefix: str | None
    ) -> tuple[str, bool] | None:
        """(letters most columns start with that mark the table, whether they include the table's
        prefix) or None. The mark is the table's initials ('dp' on every column of daily price,
        'sic' of singer in concert) or its first two letters ('hi' on the columns of hiring),
        after the table's prefix or with it ('gcoaf_lnmn_id' of gc_other_avlb_features), where
        the column reads as those letters followed by words."""
        if len(rests) < 2 or not table.raw_words:
            return None
        heads = []
        if len(table.raw_words) > 1:
            heads += ["".join(w[0] for w in table.raw_words), "".join(w[0] for w in table.words if w)]
        first = table.raw_words[0]
        if len(first) > 2 and first.isalpha():
            heads.append(first[:2])
        prefix = table_prefix or ""
        candidates = [(prefix + head, True) for head in heads] if prefix else []
        candidates += [(head, False) for head in heads]
        for text, with_prefix in dict.fromkeys(candidates):
            names = originals if with_prefix else rests
            skip = len(prefix) if with_prefix else 0
            carrying = sum(1 for name in names if self._carries(name, text, skip))
            if carrying >= max(2, (len(names) + 1) // 2):
                return text, with_prefix
        return None

    def _carries(self, name: str, mark: str, skip: int) -> bool:
        """The name starts with the mark and reads as the mark's last letters (after `skip`
        letters of prefix) followed by words."""
        first = name.split(" ", 1)[0]
        if first == mark:
            return " " in name
        if not (first.startswith(mark) and len(first) > len(mark) + 1):
            return False
        return self.boundary_after(first[skip:], mark[skip:])

    def _column_prefix(self, columns: list[list[str]], initials: str | None, table: TableMeaning) -> str | None:
        """A first word most columns share that is a short non-word ('c' in c_name, c_address)
        and starts the table's name; or one that every column has and that is the start of the
        table's name ('tbem' on every column of tbEmpl, after the schema's 'tb')."""
        if len(columns) < 2:
            return None
        firsts = [raw[0] for raw in columns if len(raw) > 1]
        if len(firsts) == len(columns) and len(set(firsts)) == 1 and table.raw_words:
            shared = firsts[0]
            prefix = table.prefix or ""
            own = shared[len(prefix) :] if prefix and shared.startswith(prefix) else shared
            # sbCustName keeps 'cust': it says the table's word (customer), it does not just mark it
            says_table = list(ABBREVIATIONS.get(own, ())) == table.words
            first = table.raw_words[0]
            if 2 <= len(own) <= 4 and own != first and first.startswith(own) and not says_table:
                return shared
        counts: dict[str, int] = defaultdict(int)
        for word in firsts:
            counts[word] += 1
        if initials:
            starts = sum(1 for raw in columns if raw and raw[0].startswith(initials))
            if starts >= max(2, len(columns) // 2):
                return initials
        for word, count in sorted(counts.items(), key=lambda item: -item[1]):
            if count < max(2, (len(columns) + 1) // 2) or len(word) > 3:
                continue
            if word in table.words or (self.lexicon.is_common(word, 5.0) and len(word) > 2) or word in ABBREVIATIONS:
                continue
            if table.words and table.words[0].startswith(word):
                return word
        return None

    def _synonyms(self, words: list[str]) -> list[str]:
        if self.thesaurus is None or not words:
            return []
        content = [w for w in words if w not in GENERIC_COLUMN_WORDS and w not in STOPWORDS]
        phrase = " ".join(words)
        related = [r.word for r in self.thesaurus.related(phrase, nouns_first=True)] if len(words) > 1 else []
        if len(content) == 1:
            head = content[0]
            senses = self.thesaurus.related(head, nouns_first=True)
            if head == words[-1]:
                # 'client id' for customer_id: the head noun replaced, its modifiers kept
                related += [" ".join([*words[:-1], r.word]) for r in senses if r.relation == "synonym" and r.pos == "n"]
            related += [r.word for r in senses if r.relation != "synonym" or len(words) == 1]
        seen: list[str] = []
        for word in related:
            if word not in seen and word != phrase:
                seen.append(word)
        return seen[:12]


def _starts(name: str, mark: str) -> bool:
    """Once most columns carry a mark, every column that starts with it drops it."""
    first = name.split(" ", 1)[0]
    return (first == mark and " " in name) or (first.startswith(mark) and len(first) > len(mark) + 1)


def _own_words(words: list[str], table_words: list[str]) -> list[str]:
    """A column's words without its table's ('customer name' of customer is 'name')."""
    own = [w for w in words if w not in table_words]
    return own if own else words


def _split_qualified(name: str) -> tuple[str | None, str]:
    if "." in name:
        schema, bare = name.rsplit(".", 1)
        return schema, bare
    return None, name


def _unqualified(name: str) -> str:
    return name.rsplit(".", 1)[-1]
