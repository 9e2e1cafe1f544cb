"""Lexical analysis shared by BM25, document matching and extractive answers.

Numbers are kept whole and normalised ("81,797" and "81797" are one term; "$24.6" is "24.6"),
because figures are what people search filings for. Words are lower-cased, possessives
dropped, and a light suffix stripper conflates plurals and simple inflections.
"""

from __future__ import annotations

import re

_TERM = re.compile(r"[^\W_]+(?:[,.]\d+)*(?:'[^\W\d_]+)?", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[,.]\d+)*")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be been before being below between
    both but by can could did do does doing down during each few for from further had has have having
    he her here hers him his how i if in into is it its itself just me more most my no nor not now of
    off on once only or other our ours out over own same she should so some such than that the their
    theirs them then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours
    """.split()
)


# Words questions use to point at documents rather than at their content ("what did the latest
# 10-Q report about ..."): no sentence answers a question by containing them.
_META = re.compile(
    r"\b(?:(?:the|its|their|this|these|in|from|as)\s+)*(?:(?:most\s+)?(?:latest|recent|current)\s+)?"
    r"(?:(?:quarterly|annual)\s+)?(?:10-?[QK]s?|reports?|filings?|documents?|statements?\s+filed)\b"
    r"|\b(?:reported|disclosed|mentioned|stated|according to|as per)\b",
    re.I,
)


# Words that frame a question rather than name what it is about: modal verbs and the verbs that
# ask for an analysis ("what might this suggest", "compare ... and explain"). Not stop words for
# search, but no document is expected to use them.
FRAMING_WORDS = frozenset(
    """might may could must can shall suggest suggests indicate indicates imply implies mean means
    compare compares explain describe tell list summarize summarise""".split()
)


def without_meta_words(question: str) -> str:
    """The question minus words that only point at the documents (falls back to the question)."""
    stripped = " ".join(_META.sub(" ", question).split())
    return stripped if terms(stripped) else question


def without_terms(text: str, dropped: set[str]) -> str:
    """The text minus each word whose terms are all in `dropped` ("Apple's" goes with "apple");
    falls back to the text when nothing would be left."""
    if not dropped:
        return text

    def dropped_word(word: str) -> bool:
        own = {t for t in terms(word) if t not in STOPWORDS and len(t) > 1}
        return bool(own) and own <= dropped

    kept = " ".join(word for word in text.split() if not dropped_word(word))
    return kept if terms(kept) else text


def _stem(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalise_number(token: str) -> str:
    return _THOUSANDS.sub("", token)


def terms(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Index/query terms of a text."""
    out = []
    for match in _TERM.finditer(text.lower()):
        token = match.group()
        if _NUMBER.fullmatch(token):
            out.append(normalise_number(token))
            continue
        if any(c.isdigit() for c in token):  # "q3", "10k", "fy2023": identifiers, kept whole
            out.append(token)
            continue
        token = token.split("'")[0]
        if not keep_stopwords and token in STOPWORDS:
            continue
        out.append(_stem(token))
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(\[$•-])|\n+")


# A PDF line wrapped mid-sentence: no closing punctuation, and the next line goes on in lower case.
_WRAPPED_LINE = re.compile(r"(?<=[^.!?:;\n])[ \t]*\n[ \t]*(?=[a-z(])")


def sentence_spans(text: str) -> list[tuple[int, int, str]]:
    """Sentences (and lines: table rows are sentences of their own) with where they sit in the
    text: (start, end, sentence), the sentence with its whitespace runs made single spaces.
    A line wrapped mid-sentence is read as a space, so offsets stay those of `text`."""
    flat = _WRAPPED_LINE.sub(lambda m: " " * len(m.group()), text)
    spans: list[tuple[int, int, str]] = []
    start = 0
    for boundary in [*_SENTENCE_END.finditer(flat), None]:
        end = boundary.start() if boundary else len(flat)
        piece = flat[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip()), " ".join(piece.split())))
        if boundary:
            start = boundary.end()
    return spans


def sentences(text: str) -> list[str]:
    """Split text into sentences (and lines: table rows are sentences of their own)."""
    return [sentence for _, _, sentence in sentence_spans(text)]
