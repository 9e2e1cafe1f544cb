"""Does a message ask for something, or does it only say something?

A file shared with a comment is a question only when the comment asks: "here is an accident
report" needs just the confirmation that it was indexed, "what does this say about X" needs an
answer. The rule is grammatical, so it holds for any wording: a sentence asks when it ends in a
question mark, opens with an interrogative (a wh-word, or an auxiliary before its subject:
"is there…", "can you…"), or opens with a verb that requests information in the imperative
("summarize…", "tell me…", "list…"). Politeness and discourse openers ("please", "hey", "and",
"so") are skipped before the opener is read. Statements — "here is…", "FYI, the Q3 numbers",
"for the safety team" — ask nothing.
"""

from __future__ import annotations

import re

# Interrogative words (English grammar's closed class), and auxiliaries that start a yes/no question.
_WH = frozenset("what whats what's which who whom whose when where why how".split())
_AUXILIARIES = frozenset(
    "is are was were am do does did can could will would shall should may might must has have had "
    "isn't aren't wasn't weren't don't doesn't didn't can't couldn't won't wouldn't shouldn't hasn't haven't".split()
)
# Subjects that follow an auxiliary in an inverted (question) word order.
_SUBJECTS = frozenset("i you we they he she it there this that these those the a an any anyone anything".split())
# Verbs whose imperative asks the reader for information about the content.
_REQUEST_VERBS = frozenset(
    "summarize summarise summary explain describe list show tell give find extract compare identify outline "
    "highlight analyze analyse calculate compute count search quote translate define".split()
)
# A request verb followed by one of these presents the attachment instead of asking about it.
_PRESENTED = frozenset("attached enclosed below above".split())
# Words that may open a sentence without changing what it does.
_OPENERS = frozenset("please pls kindly hey hi hello so and but also ok okay then now quickly just".split())
# "I want to know…", "I'd like to understand…", "I wonder…": a question put as a statement.
_WANT_TO_KNOW = re.compile(
    r"\b(?:i|we)(?:\s+would like|'d like|\s+want|\s+need|\s+wonder|\s+am wondering|\s+are wondering)\b"
    r"(?:\s+to\s+(?:know|understand|find out|see|learn))?",
    re.I,
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_WORD = re.compile(r"[a-z']+")
_MENTION = re.compile(r"<[@#!][^>]*>|@\w+")


def asks_something(text: str) -> bool:
    """True when some sentence of the text asks a question or requests information."""
    text = _MENTION.sub(" ", text or "")
    return any(_sentence_asks(sentence.strip()) for sentence in _SENTENCE.findall(text))


def _sentence_asks(sentence: str) -> bool:
    if not sentence:
        return False
    if sentence.endswith("?"):
        return True
    words = [w.strip("'") for w in _WORD.findall(sentence.lower())]
    while words and words[0] in _OPENERS:
        words = words[1:]
    if not words:
        return False
    first = words[0]
    if first in _WH:
        return True
    if first in _AUXILIARIES and len(words) > 1 and words[1] in _SUBJECTS:
        return True
    if first in _REQUEST_VERBS:
        # "Find attached the report" presents the file; "find the total" asks for something.
        return not (len(words) > 1 and words[1] in _PRESENTED)
    return bool(_WANT_TO_KNOW.search(sentence))
