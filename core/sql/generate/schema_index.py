"""What the pattern engine knows about a database: tables, columns as phrases, literal values.

Built once from `Database.tables()` and `Database.distinct_values()`; questions are matched
against phrases made of singular words, so 'countries' finds `country` and `Song_Name` is
'song name'. Short column comments add phrases too ("spend" for a column commented 'spend').
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from core.schema.shortenings import in_order
from core.sql.generate.words import split_identifier

if TYPE_CHECKING:
    from core.schema.synonyms import Thesaurus
    from core.schema.understanding import SchemaUnderstanding
    from core.sql.models import TableInfo, Value

    # distinct_values(table, column, limit): a column's most frequent values (Database.distinct_values).
    DistinctValues = Callable[[str, str, int], list[Value]]

# Text columns with at most this many distinct values are "categories": their values match
# even written in lower case ("cats", "europe"); others need quotes or capitals.
CATEGORY_LIMIT = 40
# Evidence that lets a word the schema does not spell stand for a schema phrase, and how strong
# it must be (core/schema's scores: a WordNet synonym of a whole name scores 0.8, a broader word
# or a synonym of one word of a longer name under 0.5).
_MEANING_SOURCES = {"synonym", "abbreviation", "comment", "description"}
MEANING_MIN_SCORE = 0.6
VALUE_FETCH_LIMIT = 2000
_FAR = 99  # more WordNet steps than any link has
_KEY_WORDS = {"id", "key", "code", "number", "no"}
# Last words of two-word column names that say how the first is counted: version_number, room_count.
_MEASURE_WORDS = {"number", "count", "total"}
# Last words of column names that name the column of whatever table they are said of.
_GENERIC_LAST_WORDS = ("code", "description", "type")
_COLUMN_SENSES = 2  # a question word's senses that may reach a column (WordNet orders them by frequency)
_COLUMN_STEPS = 1  # column words are general nouns ('name'): two steps reach them from too far ('label')
_FUNCTION_WORDS = {"a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "is", "it"}
_GENERIC_TABLE_WORDS = {"data", "info", "information", "detail", "record", "list", "table", "entry"}
# First words of lookup tables' names that questions leave out: ref_template_types.
_LOOKUP_WORDS = {"ref", "reference", "lookup", "lkp"}
# Last words of column names that only say "a quantity of": total_amount is the order's total.
_UNIT_WORDS = {"amount", "value"}
# Last words of column names that questions leave out: "the email" of email_address.
_QUALIFIER_WORDS = {"address", "million", "millions", "code"}
# Yes/no columns: is_active, IsOfficial, abandoned_yn, and how they spell yes and no.
_FLAG_WORDS = {"is", "yn", "flag"}
_TRUE = {"t", "y", "yes", "true", "1"}
_FALSE = {"f", "n", "no", "false", "0"}
_NUMERIC = re.compile(r"int|real|num|dec|float|double|money|serial", re.I)
_DATE = re.compile(r"date|time", re.I)
_DATE_WORDS = {"date", "time", "year", "day"}
_DATE_NAME = re.compile(r"(^|_)(date|day)($|_)|_at$|_on$|date$", re.I)


@dataclass
class Column:
    table: str
    name: str
    type: str
    primary_key: bool = False
    references: str | None = None  # "table.column"
    numeric_text: bool = False  # a text column whose values are all numbers ("97", "130")
    # The name as words: as spelled ('cust', 'name') and as understood ('customer', 'name'); the
    # same tuple twice when the name is plain English.
    spelled: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.spelled = self.spelled or tuple(split_identifier(self.name))
        self.words = self.words or self.spelled

    @property
    def readings(self) -> set[tuple[str, ...]]:
        return {self.spelled, self.words}

    def says(self, word: str) -> bool:
        """Whether the name has this word, as spelled or as understood ('year' in IndepYear)."""
        return any(word in reading for reading in self.readings)

    @property
    def kind(self) -> str:
        # SQLite stores dates as TEXT: a column named like a date counts as one.
        named_date = _DATE_NAME.search(self.name) or "date" in self.words
        if _DATE.search(self.type) or (not _NUMERIC.search(self.type) and named_date):
            return "date"
        if _NUMERIC.search(self.type):
            return "number"
        return "text"


@dataclass
class ValueHit:
    column: Column
    value: object
    category: bool


@dataclass
class SchemaIndex:
    tables: dict[str, list[Column]] = field(default_factory=dict)
    table_phrases: dict[tuple[str, ...], set[str]] = field(default_factory=lambda: defaultdict(set))
    column_phrases: dict[tuple[str, ...], list[Column]] = field(default_factory=lambda: defaultdict(list))
    values: dict[str, list[ValueHit]] = field(default_factory=lambda: defaultdict(list))
    foreign_keys: list[tuple[Column, Column]] = field(default_factory=list)
    # Each table's name as words, spelled and understood (sbcustomer: 'sbcustomer', 'customer').
    table_readings: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    understanding: SchemaUnderstanding | None = None
    max_phrase: int = 1
    _meant_cache: dict[str, tuple[str, ...] | None] = field(default_factory=dict, repr=False)
    _linked_cache: dict[str, tuple[str, ...] | None] = field(default_factory=dict, repr=False)
    # Whether a token is an English word (the lexicon that splits names); None: no shortenings.
    is_word: Callable[[str], bool] | None = None

    @classmethod
    def build(
        cls,
        tables: list[TableInfo],
        distinct_values: DistinctValues | None = None,
        understanding: SchemaUnderstanding | None = None,
        is_word: Callable[[str], bool] | None = None,
    ) -> SchemaIndex:
        """distinct_values(table, column, limit) -> list; None skips literal values. understanding
        reads names as plain words (prefixes stripped, run-ons split, abbreviations expanded);
        without it names are split at underscores and case changes only."""
        index = cls(understanding=understanding, is_word=is_word)
        for table in tables:
            columns = [
                Column(
                    table.name,
                    c.name,
                    str(c.type or ""),
                    bool(c.primary_key),
                    c.references,
                    words=_understood(understanding, table.name, c.name),
                )
                for c in table.columns
            ]
            index.tables[table.name] = columns
            readings = {tuple(split_identifier(table.name))}
            understood = _understood(understanding, table.name, None)
            if understood:
                readings.add(understood)
            index.table_readings[table.name] = readings
            for words in readings:
                index._add_table_phrase(words, table.name)
                if len(words) > 1 and words[-1] in _GENERIC_TABLE_WORDS:
                    index._add_table_phrase(words[:-1], table.name)  # cars_data is "cars"
                if len(words) > 1 and words[0] in _LOOKUP_WORDS:
                    index._add_table_phrase(words[1:], table.name)  # ref_template_types is "template types"
            for column, info in zip(columns, table.columns, strict=True):
                index._add_column_phrases(column, getattr(info, "comment", None))
        by_name = {(t.lower(), c.name.lower()): c for t, cols in index.tables.items() for c in cols}
        for columns in index.tables.values():
            for column in columns:
                if column.references and "." in column.references:
                    target_table, target_column = column.references.rsplit(".", 1)
                    target = by_name.get((target_table.lower(), target_column.lower()))
                    if target is not None:
                        index.foreign_keys.append((column, target))
        index._add_table_heads()
        index._mark_implied_keys()
        index._add_head_phrases()
        if distinct_values is not None:
            index._add_values(distinct_values)
        return index

    @property
    def thesaurus(self) -> Thesaurus | None:
        """The understanding's WordNet; None without one (then no synonyms, verb forms or links)."""
        return self.understanding.thesaurus if self.understanding is not None else None

    def phrase_meant_by(self, lemma: str) -> tuple[str, ...] | None:
        """The schema phrase a question word stands for by a synonym, an abbreviation, a comment or
        a description ('vocalist' → ('singer',)); None when nothing or more than one phrase fits
        best. Abstaining on a tie keeps "class" (course? grade?) from becoming a wrong query."""
        if lemma in self._meant_cache:
            return self._meant_cache[lemma]
        found = self._shortened_in_schema(lemma) or self._synonym_in_schema(lemma) or self._role_of_key(lemma)
        if found is None and self.understanding is not None:
            matches = [
                m
                for m in self.understanding.match(lemma)
                if m.source in _MEANING_SOURCES
                and m.score >= MEANING_MIN_SCORE
                and m.kind in ("table", "column")
                and (m.source != "synonym" or self._synonyms(lemma, m.via))
            ]
            if matches:
                best = max(m.score for m in matches)
                phrases = {tuple(m.via.split()) for m in matches if m.score >= best - 1e-6}
                if len(phrases) == 1:
                    found = next(iter(phrases))
        self._meant_cache[lemma] = found
        return found

    def word_of_same_verb(self, word: str) -> str | None:
        """The schema word that is a form of the same verb as a question word: "arriving" or
        "arrival" for date_arrived, "creation" for created, "founding" for year_of_founded.
        Only verb forms in the schema (participles, bare verbs) count; two of them: None."""
        thesaurus = self.thesaurus
        if thesaurus is None or not word.isalpha():
            return None
        meant = set(thesaurus.base_forms(word, "v"))
        meant |= {link.word for link in thesaurus.linked(word, _COLUMN_SENSES) if link.path == ("derived",)}
        found = {said for verb in meant for said in self._verb_forms.get(verb, ())} - {word}
        return next(iter(found)) if len(found) == 1 else None

    @cached_property
    def _verb_forms(self) -> dict[str, set[str]]:
        """Verb → its forms in column names (read only with a thesaurus)."""
        thesaurus = self.thesaurus
        assert thesaurus is not None  # word_of_same_verb reads it only with one
        forms: dict[str, set[str]] = defaultdict(set)
        for phrase in self.column_phrases:
            for said in phrase:
                verbs = thesaurus.base_forms(said, "v")
                if verbs and (said not in verbs or not thesaurus.base_forms(said, "n")):
                    for verb in verbs:
                        forms[verb].add(said)
        return forms

    @cached_property
    def _table_words(self) -> set[str]:
        """Every word of every table's name, spelled and understood."""
        return {w for readings in self.table_readings.values() for reading in readings for w in reading}

    def value_linked_to(self, lemma: str) -> list[ValueHit]:
        """The one category value a question noun is a WordNet synonym of, in its first senses:
        "automobiles" for the vehicle type 'car'. Not a broader or narrower word: "puppies" are
        not all dogs. Two values: []."""
        thesaurus = self.thesaurus
        if thesaurus is None or not lemma.isalpha():
            return []
        found: dict[str, list[ValueHit]] = {}
        for link in thesaurus.linked(lemma, _COLUMN_SENSES):
            hits = [hit for hit in self.values.get(link.word, []) if hit.category]
            if link.steps == 0 and hits and link.word.isalpha():  # not "pair" for '2'
                found[link.word] = hits
        return next(iter(found.values())) if len(found) == 1 else []

    def _role_of_key(self, lemma: str) -> tuple[str, ...] | None:
        """The table a key column names by another noun: friend.student_id refers to
        highschooler, so "students" are highschoolers here. Only a noun that names nothing else
        in the schema, and only when all such keys agree."""
        if lemma in self._table_words or (lemma,) in self.column_phrases or not lemma.isalpha():
            return None  # "friend" of PkFriend names that table, even where the prefix stays
        thesaurus = self.thesaurus
        if thesaurus is None or not thesaurus.base_forms(lemma, "n") or lemma.endswith(("ed", "ing")):
            return None  # "liked" in likes.liked_id is what the row says, not a name for people
        targets = {
            target.table
            for column, target in self.foreign_keys
            if [w for w in column.words if w not in _KEY_WORDS] == [lemma] and target.table != column.table
        }
        if len(targets) != 1:
            return None
        table = next(iter(targets))
        return min(self.table_readings[table], key=len)

    def phrase_linked_to(self, lemma: str) -> tuple[str, ...] | None:
        """The one schema word a question noun reaches in the fewest WordNet steps (see
        WordNetThesaurus.linked): "performer" (over singer), "puppy" (under dog), "staff" (its
        members are employees), "kind" (over type). A table may be reached in any sense of the
        word ("carriers": common carriers, over airlines); a column only in its first senses and
        one step, since column words are common nouns with many rare readings ("event" for
        result) and broad ones ("label" is two steps under name). Two
        schema words as near: None ("artist" is over conductor and director alike)."""
        if lemma in self._linked_cache:
            return self._linked_cache[lemma]
        thesaurus = self.thesaurus
        found = None
        if thesaurus is not None and len(lemma) >= 3 and lemma.replace(" ", "").isalpha():
            nearest: dict[tuple[str, ...], int] = {}
            reach = ((self.table_phrases, None, _FAR), (self.column_phrases, _COLUMN_SENSES, _COLUMN_STEPS))
            for phrases, senses, steps in reach:
                for link in thesaurus.linked(lemma, senses):
                    phrase = (link.word,)
                    if phrase in phrases and link.steps <= steps and link.steps < nearest.get(phrase, _FAR):
                        nearest[phrase] = link.steps
            if nearest:
                fewest = min(nearest.values())
                closest = [phrase for phrase, steps in nearest.items() if steps == fewest]
                found = closest[0] if len(closest) == 1 else None
        self._linked_cache[lemma] = found
        return found

    def _synonyms(self, word: str, phrase: str) -> bool:
        """Whether the question word's own WordNet synonyms name the schema phrase (or its head).
        core/schema also counts a name's broader words and rare senses ('frequency' for
        attendance, 'event' for result): fine for finding tables, too loose for writing a query."""
        thesaurus = self.thesaurus
        if thesaurus is None:
            return False
        head = phrase.split()[-1]
        said = {r.word for r in thesaurus.related(word, nouns_first=True) if r.relation == "synonym"}
        return phrase in said or head in said

    def _synonym_in_schema(self, lemma: str) -> tuple[str, ...] | None:
        """The question word's own WordNet synonym that the schema spells, as it is or shortened:
        "stadium" → bowl, "vocalist" → singer → sngr."""
        thesaurus = self.thesaurus
        if thesaurus is None:
            return None
        found: set[tuple[str, ...]] = set()
        for related in thesaurus.related(lemma, nouns_first=True):
            if related.relation != "synonym":
                continue
            key = tuple(related.word.split())
            if key in self.table_phrases or key in self.column_phrases:
                found.add(key)
            elif len(key) == 1 and (shortened := self._shortened_in_schema(key[0])) is not None:
                found.add(shortened)
        return next(iter(found)) if len(found) == 1 else None

    def _shortened_in_schema(self, lemma: str) -> tuple[str, ...] | None:
        """A schema word that shortens the question word, when only one does: 'sngr' or 'singr'
        for singer, 'teac' for teacher, 'hmtw' for hometown. Only words no English word list
        knows count as shortenings, so 'bowl' never stands for 'below'."""
        if len(lemma) < 4 or self.is_word is None:
            return None
        found = {token for token in self._opaque if token != lemma and _shortens(token, lemma)}
        return (next(iter(found)),) if len(found) == 1 else None

    @cached_property
    def _opaque(self) -> set[str]:
        """The schema's words that no English word list knows: the shortenings ('sngr', 'teac')."""
        is_word = self.is_word
        assert is_word is not None  # _shortened_in_schema reads it only with one
        phrase_words = {w for phrase in (*self.table_phrases, *self.column_phrases) for w in phrase}
        return {w for w in phrase_words if len(w) >= 3 and w.isalpha() and not is_word(w)}

    def column(self, table: str, name: str) -> Column | None:
        for column in self.tables.get(table, []):
            if column.name.lower() == name.lower():
                return column
        return None

    def _mark_implied_keys(self) -> None:
        """A number column named after another table (flights.airline → airlines) is a key to it,
        declared or not: it holds ids, never the airline's name."""
        for columns in self.tables.values():
            for column in columns:
                sole_key = column.primary_key and sum(c.primary_key for c in columns) == 1
                if column.references or column.kind != "number" or sole_key:
                    continue
                targets = sorted(
                    {t for words in column.readings for t in self.table_phrases.get(words, set())} - {column.table}
                )
                if not targets:
                    continue
                keys = [c for c in self.tables[targets[0]] if c.primary_key]
                if len(keys) == 1 and keys[0].kind == "number":
                    column.references = f"{keys[0].table}.{keys[0].name}"
                    self.foreign_keys.append((column, keys[0]))  # joinable like a declared key
                else:
                    column.references = targets[0]

    def _add_table_heads(self) -> None:
        """poker_player is also "players", degree_programs "programs": the last word of a
        table's name alone, when no other table or another table's column says it."""
        heads: dict[str, set[str]] = defaultdict(set)
        for table, readings in self.table_readings.items():
            for reading in readings:
                head = reading[-1]
                if len(reading) > 1 and head.isalpha() and len(head) > 2 and head not in _GENERIC_TABLE_WORDS:
                    heads[head].add(table)
        for head, tables in heads.items():
            others = {w for t, rs in self.table_readings.items() if t not in tables for r in rs for w in r}
            # "series" of tv_series is also the series_name of tv_channel: no guess
            others |= {w for t, columns in self.tables.items() if t not in tables for c in columns for w in c.words}
            if len(tables) == 1 and (head,) not in self.column_phrases and head not in others:
                self._add_table_phrase((head,), next(iter(tables)))

    def _add_head_phrases(self) -> None:
        """A column named for how it measures a thing is called by the thing when nothing else
        is: number_products is "products", Num_of_Staff "staff", version_number "version" —
        never a word that names a table or another column. (Not series_name for "the series":
        "the songs of the singer" names the songs, not their names.)"""
        named = self._table_words
        heads: dict[tuple[str, ...], list[Column]] = defaultdict(list)
        for columns in self.tables.values():
            for column in columns:
                words = column.words
                if column.primary_key or column.references or len(words) < 2:
                    continue
                if words[0] == "number":
                    thing = words[2:] if words[1] == "of" else words[1:]
                elif words[-1] in _MEASURE_WORDS and len(words) == 2:
                    thing = words[:1]
                else:
                    continue
                if len(thing) == 1 and thing[0] not in named and thing not in self.column_phrases:
                    heads[thing].append(column)
                    if words[0] == "number":
                        # "the product count" names number_products too: not a count of rows besides it
                        heads[(*thing, "count")].append(column)
        for thing, columns in heads.items():
            if len(columns) == 1:
                self.column_phrases[thing].append(columns[0])
        for columns in self.tables.values():
            # "templates with the code PP": the one code column of templates, template_type_code
            for last in _GENERIC_LAST_WORDS:
                ending = [c for c in columns if len(c.words) > 1 and c.words[-1] == last]
                said = any(c in self.column_phrases.get((last,), []) for c in columns)
                if len(ending) == 1 and not said:
                    self.column_phrases[(last,)].append(ending[0])

    def _add_table_phrase(self, words: tuple[str, ...], table: str) -> None:
        if words:
            self.table_phrases[words].add(table)
            self.max_phrase = max(self.max_phrase, len(words))

    def _add_column_phrases(self, column: Column, comment: str | None) -> None:
        phrases: set[tuple[str, ...]] = set()
        for words in column.readings:
            for table_words in self.table_readings[column.table]:
                phrases |= _column_phrases(words, table_words)
        if comment and len(comment.split()) <= 3:
            phrases.add(tuple(split_identifier(comment)))
        for phrase in phrases:
            if all(word in _FUNCTION_WORDS for word in phrase):
                continue  # co_the (a shortened 'theme') must not take every "the" of a question
            if column not in self.column_phrases[phrase]:
                self.column_phrases[phrase].append(column)
                self.max_phrase = max(self.max_phrase, len(phrase))

    def _add_values(self, distinct_values: DistinctValues) -> None:
        for columns in self.tables.values():
            for column in columns:
                if column.kind != "text":
                    continue
                try:
                    values = list(distinct_values(column.table, column.name, VALUE_FETCH_LIMIT))
                except Exception:  # a column we cannot read just contributes no values
                    continue
                self._add_flag(column, values)
                column.numeric_text = bool(values) and all(_is_number(v) for v in values)
                category = len(values) <= CATEGORY_LIMIT
                for value in values:
                    if isinstance(value, str) and value.strip() and len(value) <= 60:
                        key = normalise_value(value)
                        if key:
                            self.values[key].append(ValueHit(column, value, category))

    def _add_flag(self, column: Column, values: list[Value]) -> None:
        """IsOfficial ('T'/'F') makes "official" a value: "official languages" is IsOfficial = 'T'."""
        words = list(column.words)
        adjective = [w for w in words if w not in _FLAG_WORDS]
        if adjective == words or not adjective or not values:
            return
        seen = {str(v).strip().lower() for v in values}
        true_values = [v for v in values if str(v).strip().lower() in _TRUE]
        if not seen <= _TRUE | _FALSE or len(true_values) != 1:
            return
        self.values[" ".join(adjective)].append(ValueHit(column, true_values[0], True))


def _column_phrases(words: tuple[str, ...], table_words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """The ways a question names a column, given the column's and its table's words."""
    phrases = {words, table_words + words}
    # "Singer_ID" in table singer is also just "id"; "stadium_name" is also "name".
    if len(words) > len(table_words) and words[: len(table_words)] == table_words:
        phrases.add(words[len(table_words) :])
    if words[:1] == ("number",) and len(words) > 1:
        phrases.add(("number", "of", *words[1:]))  # number_products: "number of products"
    if len(words) > 1 and words[-1] in _UNIT_WORDS:
        phrases.add(table_words + words[:-1])  # orders.total_amount: "order total"
    if len(words) > 1 and words[-1] in _QUALIFIER_WORDS:
        phrases.add(words[:-1])  # email_address: "email"; net_worth_millions: "net worth"
    if "of" in words[1:-1]:
        at = words.index("of")
        phrases.add(words[at + 1 :] + words[:at])  # level_of_membership: "membership level"
    for start in range(1, len(words) - 1):
        phrases.add(words[start:])  # major_record_format: "record format"
    if len(words) == 2 and words[0] in _DATE_WORDS:
        phrases.add(words[::-1])  # date_arrived: "arrived date"
    return phrases


def _shortens(token: str, word: str) -> bool:
    """'teac' → teacher (a truncation), 'sngr' → singer (the word's letters in order, first
    letter kept, most of its consonants)."""
    if token[0] != word[0] or len(token) >= len(word):
        return False
    if word.startswith(token):
        return True
    if not in_order(token, word):
        return False
    consonants = [c for c in word if c not in "aeiouy"]
    return len(token) >= 3 and len([c for c in token if c not in "aeiouy"]) >= 0.6 * len(consonants)


def _understood(understanding: SchemaUnderstanding | None, table: str, column: str | None) -> tuple[str, ...]:
    """The understood words of a table (column None) or column; () without an understanding."""
    if understanding is None:
        return ()
    meaning = understanding.table(table) if column is None else understanding.column(table, column)
    return tuple(meaning.words) if meaning is not None else ()


def _is_number(value: object) -> bool:
    return re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", str(value)) is not None


def normalise_value(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower()))
