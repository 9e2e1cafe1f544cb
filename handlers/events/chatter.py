"""Telling chat apart from questions in a thread the bot answered.

People keep talking in a thread after the bot's answer ("thanks!", "ok cool, see you at lunch bob").
Those replies need no answer; a follow-up that asks something does ("and for 2022?", "in London").
"""

from __future__ import annotations

import re

# Words that open an acknowledgement or a social remark. "yes"/"no" are left out on purpose: they
# may answer the bot's own clarifying question.
_OPENERS = frozenset(
    "thanks thank thx ty cheers ok okay k kk cool great nice awesome perfect brilliant excellent "
    "lol haha hah wow bye cya gotcha noted sweet amazing lovely".split()
)
_SOCIAL_PHRASES = (
    "got it",
    "makes sense",
    "sounds good",
    "see you",
    "see ya",
    "talk later",
    "good night",
    "good morning",
    "have a good",
    "will do",
    "all good",
    "no worries",
    "never mind",
    "nevermind",
)
# Words and phrases that make a message a request, whatever it opens with ("ok, and for 2022").
_REQUEST_WORDS = frozenset(
    "what whats how which who whom whose when where why show list give tell count compare find explain".split()
)
_FOLLOW_UP_PHRASES = ("and for", "and in", "and per", "and by", "same for", "now for")
_EMOJI = re.compile(r":[a-z0-9_+\-']+:")
_WORD = re.compile(r"[a-z0-9']+")


def is_chatter(text: str) -> bool:
    """True for acknowledgements and social remarks: no question mark or request, and an opener."""
    lowered = _EMOJI.sub(" ", (text or "").lower())
    words = _WORD.findall(lowered)
    if not words:
        return True  # only emoji or punctuation: a reaction typed as a message
    spaced = f" {' '.join(words)} "
    if "?" in lowered or _REQUEST_WORDS.intersection(words) or _contains(spaced, _FOLLOW_UP_PHRASES):
        return False
    return words[0] in _OPENERS or _contains(spaced, _SOCIAL_PHRASES)


def _contains(spaced: str, phrases: tuple[str, ...]) -> bool:
    return any(f" {phrase} " in spaced for phrase in phrases)
