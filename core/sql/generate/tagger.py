"""Question words → tags: schema tables and columns, literal values found in the data, numbers,
business metrics, and the engine's small vocabulary of aggregate, comparison, grouping and
ordering words. The longest span that means something wins; a word nothing explains is tagged
UNKNOWN, and the engine abstains on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property

from core.sql.generate.metrics import Measure
from core.sql.generate.schema_index import SchemaIndex, ValueHit, normalise_value
from core.sql.generate.tags import MonthOfYear, TableWord, Tag, TagKind
from core.sql.generate.tokens import SENTENCE_END, Word
from core.sql.generate.verbs import is_relation_verb, leads_to_object, says_nothing_of_its_own
from core.sql.generate.vocabulary import (
    ASKED_COLUMNS,
    COMPARATIVES,
    DEMONYMS,
    FILLER,
    MARKERS,
    MAX_MARKER,
    MONTHS,
    PREPOSITIONS,
    QUESTION_VERBS,
    SPLIT_COMPARATIVES,
    SUPERLATIVES,
)
from core.sql.generate.words import SYNONYMS, singular

_YEAR = re.compile(r"(19|20)\d\d")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Among candidates for the same span: a documented business term beats the schema ("paid
# orders" is not status 'paid'); a table beats a column, a column a literal value.
_SCHEMA_FIRST = {TagKind.MEASURE: -1, TagKind.TABLE: 0, TagKind.COLUMN: 1, TagKind.VALUE: 2}
_SORT_VERBS = ("sort", "order", "rank", "arrange")
_SPLIT = 4  # "more X than": words from the comparative to 'than'
_MAX_COORDINATED = 4  # "first, middle and last name": modifiers before the last one and its head
# Words before a verb that are its subject: "the orchestras they led", "owners who paid for".
_SUBJECT_PRONOUNS = {"they", "who", "that", "which", "it", "he", "she"}
_DO = {"do", "does", "did"}
_BE = {"is", "are", "was", "were"}
# Words between a subject and its verb: "conductors who have led", "flights that are arriving".
_AUXILIARIES = _DO | _BE | {"have", "has", "had", "also", "ever", "been"}
_WH_WORDS = {"which", "what", "where", "who", "whom"}


class Tagger:
    def __init__(self, schema: SchemaIndex, measures: dict[tuple[str, ...], Measure]) -> None:
        self.schema = schema
        self.measures = measures
        self._longest = max(schema.max_phrase, MAX_MARKER, 4, *(len(phrase) for phrase in measures))

    def tag(self, words: list[Word]) -> list[Tag]:
        words = [self._respelled(word) for word in words]
        tags: list[Tag] = []
        position = 0
        while position < len(words):
            tag = self._longest_tag(words, position, tags)
            tags.append(tag)
            position = tag.end
        return tags

    def _longest_tag(self, words: list[Word], start: int, before: list[Tag] | None = None) -> Tag:
        word = words[start]
        if word.text == SENTENCE_END:
            return Tag(TagKind.BREAK, start, start + 1, word.text)
        if word.quoted:
            return Tag(TagKind.VALUE, start, start + 1, word.text, self._value_hits(word.text, quoted=True))
        if _NUMBER.fullmatch(word.text):
            number = float(word.text) if "." in word.text else int(word.text)
            return Tag(TagKind.NUMBER, start, start + 1, word.text, number)
        for end in range(min(len(words), start + self._longest), start, -1):
            best = self._best_reading(words, start, end)
            if best is None and end > start + 1:
                best = self._table_with_its_own_words(words, start, end)
            if best is None and end == start + 2:
                best = self._compound(words, start)
            if best is not None:
                return best
        shared = self._shares_a_head(words, start)
        if shared is not None:
            return shared
        return self._single_word(words, start, before or [])

    def _table_with_its_own_words(self, words: list[Word], start: int, end: int) -> Tag | None:
        """ "high school students" for Highschooler: a word meaning the table, after words of the
        table's own name that say nothing else."""
        head, modifiers = words[end - 1], words[start : end - 1]
        if any(w.quoted or w.capital or w.text == SENTENCE_END for w in words[start:end]):
            return None
        if len(modifiers) > 2 or any(w.lower in FILLER for w in modifiers):
            return None
        tables = self.schema.table_phrases.get((head.lemma,))
        if not tables:
            phrase = self.schema.phrase_meant_by(head.lemma)
            tables = self.schema.table_phrases.get(phrase) if phrase is not None else None
        if not tables or len(tables) != 1:
            return None
        table = next(iter(tables))
        own = {w for reading in self.schema.table_readings.get(table, ()) for w in reading}
        if not all(w.lemma in own for w in modifiers):
            return None
        text = " ".join(w.text for w in words[start:end])
        return Tag(TagKind.TABLE, start, end, text, TableWord((table,)))

    def _compound(self, words: list[Word], start: int) -> Tag | None:
        """Two words that WordNet knows as one noun ("staff member": an employee), read as the
        schema word that noun reaches."""
        pair = words[start : start + 2]
        if any(w.quoted or w.capital or not w.lower.isalpha() or w.lower in FILLER | DEMONYMS.keys() for w in pair):
            return None  # "Asian nation" is one noun to WordNet, a filter on the continent here
        phrase = self.schema.phrase_linked_to(f"{pair[0].lower} {pair[1].lemma}")
        if phrase is None:
            return None
        swapped = [*words[:start], *(Word(w, w, w, position=start) for w in phrase), *words[start + 2 :]]
        tag = self._best_reading(swapped, start, start + len(phrase))
        if tag is None or tag.kind not in (TagKind.TABLE, TagKind.COLUMN):
            return None
        return replace(tag, end=start + 2, text=f"{pair[0].text} {pair[1].text}")

    def _shares_a_head(self, words: list[Word], start: int) -> Tag | None:
        """ "first, middle and last name": a word that names a column only with the head noun the
        coordination ends on (first name, middle name, last name)."""
        for conjunction in range(start + 1, min(len(words) - 2, start + _MAX_COORDINATED)):
            if words[conjunction].lower not in ("and", "or"):
                continue
            head = words[conjunction + 2].lemma
            modifiers = [w.lemma for w in words[start:conjunction]] + [words[conjunction + 1].lemma]
            if any((m, head) not in self.schema.column_phrases for m in modifiers):
                return None
            columns = self.schema.column_phrases[(words[start].lemma, head)]
            return Tag(TagKind.COLUMN, start, start + 1, words[start].text, tuple(columns))
        return None

    def _best_reading(self, words: list[Word], start: int, end: int) -> Tag | None:
        """The preferred reading of words[start:end] as a marker, metric, table, column or value."""
        span = words[start:end]
        if any(w.text == SENTENCE_END for w in span):
            return None  # "… have cats. Give …": a reading never runs into the next sentence
        lowers = tuple(w.lower for w in span)
        lemmas = tuple(w.lemma for w in span)
        text = " ".join(w.text for w in span)
        candidates: list[Tag] = []
        marker = MARKERS.get(lowers)
        if marker:
            candidates.append(Tag(marker[0], start, end, text, marker[1]))
        measure = self.measures.get(lemmas)
        if measure:
            candidates.append(Tag(TagKind.MEASURE, start, end, text, measure))
        columns = self.schema.column_phrases.get(lemmas)
        if lowers in (("years", "old"), ("year", "old")):
            columns = self.schema.column_phrases.get(("age",))  # "a cat that is 3 years old"
        tables = self.schema.table_phrases.get(lemmas)
        if not columns and not tables and len(lemmas) == 2:
            # "high schoolers" for the table Highschooler
            joined = (singular(lowers[0] + lowers[1]),)
            columns = self.schema.column_phrases.get(joined)
            tables = self.schema.table_phrases.get(joined)
        if tables:
            candidates.append(
                Tag(TagKind.TABLE, start, end, text, TableWord(tuple(sorted(tables)), tuple(columns or ())))
            )
        elif columns:
            candidates.append(Tag(TagKind.COLUMN, start, end, text, tuple(columns)))
        hits = self._value_hits(text, quoted=False, words=span)
        if hits:
            candidates.append(Tag(TagKind.VALUE, start, end, text, hits))
        if not candidates:
            return None
        # Schema words beat markers of the same length ("total" the column vs "total" the word)
        # unless an aggregate word leads into more words: "average, maximum age".
        order = _SCHEMA_FIRST
        following = words[end].lower if end < len(words) else None
        leads_on = following is not None and (following not in FILLER or following == "and")
        if marker and marker[0] in (TagKind.AGG, TagKind.EXTREME) and leads_on:
            order = {marker[0]: 0}
        return min(candidates, key=lambda tag: order.get(tag.kind, 3))

    def _single_word(self, words: list[Word], start: int, before: list[Tag]) -> Tag:
        """One word that no phrase explains: a synonym, a verb, a month, a year or filler."""
        word = words[start]
        if word.lemma in SYNONYMS and not word.quoted:
            # "nations" in a schema that says country: read the word as its synonym
            renamed = SYNONYMS[word.lemma]
            swapped = [
                *words[:start],
                Word(renamed, renamed, renamed, position=start, following=word.following),
                *words[start + 1 :],
            ]
            tag = self._longest_tag(swapped, start, before)
            if tag.kind != TagKind.UNKNOWN:
                return tag
        meant = self._meant_by(words, start)
        if meant is not None:
            return meant
        ordered_table = self._table_of_verb(word)
        if ordered_table is not None:
            return Tag(TagKind.TABLE, start, start + 1, word.text, TableWord((ordered_table,)))
        if word.lower in MONTHS and start + 1 < len(words) and _YEAR.fullmatch(words[start + 1].text):
            year = int(words[start + 1].text)
            return Tag(
                TagKind.PERIOD,
                start,
                start + 2,
                f"{word.text} {words[start + 1].text}",
                MonthOfYear(year, MONTHS[word.lower]),
            )
        if word.lower in FILLER or (start == 0 and word.lower in _SORT_VERBS):
            return Tag(TagKind.FILLER, start, start + 1, word.text)
        if word.lower == "how" and word.following == "much" and any(w.lower in ASKED_COLUMNS for w in words[start:]):
            # "How much does the dog weigh?": the verb says what is asked
            return Tag(TagKind.FILLER, start, start + 2, f"{word.text} {words[start + 1].text}")
        if word.lower in SPLIT_COMPARATIVES and _than_follows(words, start):
            # "more products than average": the comparison, its column, then what it is compared to
            return Tag(TagKind.CMP, start, start + 1, word.text, SPLIT_COMPARATIVES[word.lower])
        if word.lower == "than" and any(w.lower in SPLIT_COMPARATIVES for w in words[max(0, start - _SPLIT) : start]):
            return Tag(TagKind.FILLER, start, start + 1, word.text)
        if self._verb_of_value(word) or word.lemma in self._date_words:
            # "orders shipped to Germany" (status value used as a verb), "enrolled in 2023"
            # (the verb of the date column enrolled_on): words that say how, not what.
            return Tag(TagKind.FILLER, start, start + 1, word.text)
        length = self._relation_verb(words, start, before)
        if length:
            return Tag(TagKind.RELATION, start, start + length, " ".join(w.text for w in words[start : start + length]))
        if _YEAR.fullmatch(word.text):
            return Tag(TagKind.NUMBER, start, start + 1, word.text, int(word.text))
        linked = self._meant_by(words, start, self.schema.phrase_linked_to)
        if linked is not None:
            return linked
        if not word.quoted and not word.capital and (hits := self.schema.value_linked_to(word.lemma)):
            return Tag(TagKind.VALUE, start, start + 1, word.text, tuple(hits))  # "puppies": the type 'dog'
        return Tag(TagKind.UNKNOWN, start, start + 1, word.text)

    def _relation_verb(self, words: list[Word], start: int, before: list[Tag]) -> int:
        """How many words from start are a verb relating the things around it, or 0. Beyond the
        common ones (verbs.py): a verb WordNet knows with its particle ("take off", "carried
        out"), or any verb after its subject ("flights land at", "carriers run under 200",
        "conductors who have led more than one orchestra")."""
        word = words[start]
        names_object = _names_something(words, start + 1)
        if is_relation_verb(word.lower, word.following, names_object):
            return 2 if word.following == "by" else 1  # "produced by the maker": 'by' names the agent
        thesaurus = self.schema.thesaurus
        if thesaurus is None or word.quoted or not says_nothing_of_its_own(word.lower):
            return 0
        bases = thesaurus.base_forms(word.lower, "v")
        if not bases:
            return 0
        particle = words[start + 1] if start + 1 < len(words) else None
        if particle is not None and any(thesaurus.base_forms(f"{base} {particle.lower}", "v") for base in bases):
            after = words[start + 2] if start + 2 < len(words) else None
            if after is not None and leads_to_object(after.lower, _names_something(words, start + 2)):
                return 2
        previous = next((t for t in reversed(before) if t.text.lower() not in _AUXILIARIES), None)
        if before and before[-1].kind == TagKind.TABLE and word.lemma in self._column_words:
            return 0  # "airport names at …": a column's word right after a table's is a noun
        subject = previous is not None and (
            previous.kind in (TagKind.TABLE, TagKind.VALUE) or previous.text.lower() in _SUBJECT_PRONOUNS
        )
        following = words[start + 1] if start + 1 < len(words) else None
        names_a_table = following is not None and (following.lemma,) in self.schema.table_phrases
        if subject and (leads_to_object(word.following, names_object) or names_a_table):
            return 1  # "files that use templates"
        # The object asked about comes first: "Which cartoons did Ben Jones direct?", "the
        # orchestras they led.", "In which regions is Dutch spoken?"
        last = word.following in (None, SENTENCE_END)
        asked = words[0].lower in _WH_WORDS or (
            words[0].lower == "in" and len(words) > 1 and words[1].lower in _WH_WORDS
        )
        fronted = (
            any(w.lower in _DO for w in words[:start])
            or (previous is not None and previous.text.lower() == "they")
            or (asked and any(w.lower in _BE for w in words[:start]) and word.lower not in bases)
        )
        return 1 if subject and last and fronted else 0

    def _respelled(self, word: Word) -> Word:
        """A word the schema spells otherwise, read as the schema's spelling so that phrases of
        several words still match: "song release year" of sn_song_rele_year."""
        if word.quoted or not word.lower.isalpha() or len(word.lower) < 4 or word.lemma in self._known_words:
            return word
        phrase = self.schema.phrase_meant_by(word.lemma)
        if phrase is None and not word.capital and word.lower not in DEMONYMS:
            # "kind of animal" for pet type; a capitalised word is a name, not a noun to read
            phrase = self.schema.phrase_linked_to(word.lemma)
        if phrase is None and not word.capital:
            # "arrival date" for date_arrived: one verb, two forms
            same_verb = self.schema.word_of_same_verb(word.lower)
            phrase = (same_verb,) if same_verb is not None else None
        if phrase is None or len(phrase) != 1:
            return word
        return replace(word, lemma=phrase[0])

    @cached_property
    def _known_words(self) -> set[str]:
        """Words that mean something as they are: the schema's, the data's and the engine's own."""
        known = {w for phrase in (*self.schema.table_phrases, *self.schema.column_phrases) for w in phrase}
        known |= {w for key in self.schema.values for w in key.split()}
        known |= {w for phrase in (*MARKERS, *self.measures) for w in phrase}
        known |= FILLER | QUESTION_VERBS | set(MONTHS)
        known |= {w for key in (*COMPARATIVES, *SUPERLATIVES) for w in key.split()}
        return known

    def _meant_by(
        self, words: list[Word], start: int, meaning: Callable[[str], tuple[str, ...] | None] | None = None
    ) -> Tag | None:
        """A word the schema does not spell but means ("vocalists" for singer, "pupil" for
        student): read as the schema phrase it stands for, when that phrase is the only one.
        meaning: how a word finds its phrase (default: synonyms, shortenings, descriptions)."""
        word = words[start]
        if word.quoted or word.lower in FILLER or word.lower in QUESTION_VERBS or not word.lower.isalpha():
            return None
        phrase = (meaning or self.schema.phrase_meant_by)(word.lemma)
        if phrase is None:
            return None
        swapped = [
            *words[:start],
            *(
                Word(w, w, w, position=start + i, following=phrase[i + 1] if i + 1 < len(phrase) else word.following)
                for i, w in enumerate(phrase)
            ),
            *words[start + 1 :],
        ]
        tag = self._best_reading(swapped, start, start + len(phrase))
        if tag is None or tag.kind not in (TagKind.TABLE, TagKind.COLUMN):
            return None
        return replace(tag, end=start + 1, text=word.text)

    def _table_of_verb(self, word: Word) -> str | None:
        """'ordered' is about the table orders: "products never ordered" has no order row."""
        if not word.lower.endswith("ed") or word.following not in (None, "in", "by", "before", "after", "since"):
            return None
        for stem in (word.lower[:-2], word.lower[:-1]):
            tables = self.schema.table_phrases.get((stem,), set())
            if len(tables) == 1:
                return next(iter(tables))
        return None

    def _verb_of_value(self, word: Word) -> bool:
        """'shipped' in "orders shipped to Germany" is a verb, not the status value 'shipped': it
        leads to a value of another column named after it (ship_country). "Orders cancelled in
        2023" names no such column: there 'cancelled' is the status."""
        if not (word.lower.endswith("ed") and word.following in PREPOSITIONS and word.lower in self.schema.values):
            return False
        return any(len(stem) >= 3 and word.lower.startswith(stem) for stem in self._column_words)

    @cached_property
    def _column_words(self) -> set[str]:
        return {w for phrase in self.schema.column_phrases for w in phrase}

    @cached_property
    def _date_words(self) -> set[str]:
        generic = {"date", "day", "time", "on", "at", "of", "year", "month"}
        thesaurus = self.schema.thesaurus
        return {
            word
            for columns in self.schema.tables.values()
            for column in columns
            if column.kind == "date"
            for word in column.words
            # the verb of the date ("registered"), not an adjective beside it ("first")
            if word not in generic and (thesaurus is None or thesaurus.base_forms(word, "v"))
        }

    def _value_hits(self, text: str, *, quoted: bool, words: list[Word] | None = None) -> tuple[ValueHit, ...]:
        key = normalise_value(text)
        hits = self.schema.values.get(key, [])
        if not hits and not quoted and words is not None:
            # "cats and dogs" for the categories 'cat' and 'dog'
            singular_key = normalise_value(" ".join(w.lemma for w in words))
            hits = [hit for hit in self.schema.values.get(singular_key, []) if hit.category]
        if not hits and not quoted and key in DEMONYMS:
            hits = self.schema.values.get(DEMONYMS[key], [])  # "Asian countries" → 'Asia'
        if quoted:
            return tuple(hits)
        if not hits or words is None:
            return ()
        if len(words) == 1 and self._verb_of_value(words[0]):
            return ()
        if all(w.lower in FILLER or w.lower in QUESTION_VERBS for w in words):
            return ()
        capitalised = all(w.capital or not w.text.isalpha() for w in words if w.lower not in FILLER)
        # A lower-case word only counts as a value of a small category column ("cat", "europe").
        return tuple(hit for hit in hits if capitalised or hit.category)


def _than_follows(words: list[Word], start: int) -> bool:
    """ "more products than …": 'than' a few words on, not right after ("more than 10" is a marker)."""
    return any(w.lower == "than" for w in words[start + 2 : start + 1 + _SPLIT])


def _names_something(words: list[Word], position: int) -> bool:
    """A quoted or capitalised word, a name in the data: the object of "speak Chinese"."""
    return position < len(words) and (words[position].quoted or words[position].capital)
