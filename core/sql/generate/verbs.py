"""Verbs that only say how tables relate: "languages spoken in Aruba", "cars produced in 1980".

Such a verb adds no condition of its own — the tables and values around it carry the meaning and
the foreign keys say how they join — so the engine may read it as filler. Only a verb that
leads into its object counts ("produced in", "used by any"); a participle ending the question
("dogs that were abandoned") is a condition the engine cannot express and stays unknown.
A question with such a verb abstains where two tables join by more than one key: "flights
arriving in Aberdeen" needs the destination key, and the verb is all that says so.
"""

from __future__ import annotations

# Base forms of verbs that commonly link two things in questions about data; "-s" forms count too.
RELATION_VERBS = set(
    """use speak teach play own produce offer sell make live work go visit belong
    serve host attend take write direct manage buy receive win hold perform treat arrive depart fly
    occur happen place register enroll join hire publish release create design build run cover""".split()
)
# Irregular participles of such verbs ("languages spoken in Aruba").
_PARTICIPLES = {
    "spoken",
    "written",
    "taken",
    "made",
    "sold",
    "held",
    "won",
    "bought",
    "taught",
    "flown",
    "built",
    "driven",
    "done",
    "gone",
}
# Verbs about text ("names containing 'Al'", "starting with A"): a LIKE condition, never filler.
_TEXT_MATCH_STEMS = ("contain", "includ", "start", "end", "begin", "match", "finish")
# Words that end like participles but describe a state the question filters on.
_NOT_RELATIONS = {
    "missing",
    "remaining",
    "following",
    "preceding",
    "existing",
    "pending",
    "during",
    "hundred",
    "nothing",
    "anything",
    "something",
    "everything",
}
# What may follow a relation verb: a preposition or article leading to its object.
_OBJECT_STARTERS = {
    "in",
    "on",
    "at",
    "by",
    "to",
    "from",
    "for",
    "with",
    "into",
    "through",
    "across",
    "during",
    "a",
    "an",
    "the",
    "any",
    "some",
    "before",
    "after",
    "as",
    "both",
}


# A count or bound may be the object too: "pupils who own more than one pet", "run under 200 flights".
_BOUND_STARTERS = {"more", "fewer", "less", "over", "under", "above", "below", "exactly"}


def leads_to_object(following: str | None, names_object: bool = False) -> bool:
    """Whether the word after a verb starts its object: a preposition, an article, a bound or a number."""
    return (
        names_object
        or following in _OBJECT_STARTERS
        or following in _BOUND_STARTERS
        or (following is not None and following.isdigit())
    )


def says_nothing_of_its_own(word: str) -> bool:
    """False for words that look like verbs but carry a condition: "containing", "missing"."""
    return word.isalpha() and word not in _NOT_RELATIONS and not word.startswith(_TEXT_MATCH_STEMS)


def is_relation_verb(word: str, following: str | None, names_object: bool = False) -> bool:
    """'spoken' followed by 'in' → True; 'abandoned' at the end → False. names_object: the next
    word is a name ("speak Chinese")."""
    if not leads_to_object(following, names_object) or not says_nothing_of_its_own(word):
        return False
    if word.endswith("ing") and (word[:-3] in RELATION_VERBS or word[:-3] + "e" in RELATION_VERBS):
        return True  # "using", "teaching"
    if word in RELATION_VERBS or word in _PARTICIPLES or word[:-1] in RELATION_VERBS or word[:-2] in RELATION_VERBS:
        return True  # "use", "uses", "teaches"
    return (word.endswith("ed") and len(word) > 4) or (word.endswith("ing") and len(word) > 5)
