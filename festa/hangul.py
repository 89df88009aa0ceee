"""Search that understands Hangul: initial-consonant (초성) queries and jamo-aware matching.

"ㅇㅅㅎ" finds 오세훈; "오세" finds 오세훈; "서울ㅇ" finds 서울역 (syllables, then initials).
"""

from __future__ import annotations

import unicodedata

_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_SYLLABLE_FIRST, _SYLLABLE_LAST = 0xAC00, 0xD7A3
_PER_INITIAL = 21 * 28


def is_choseong(ch: str) -> bool:
    return ch in _CHOSEONG


def initial_of(ch: str) -> str:
    """The initial consonant of a Hangul syllable (오 → ㅇ); other characters unchanged."""
    code = ord(ch)
    if _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
        return _CHOSEONG[(code - _SYLLABLE_FIRST) // _PER_INITIAL]
    return ch


def normalize(text: str) -> str:
    """NFC, lower case, no spaces: '오 세훈' and '오세훈' compare equal; so do 'Oh' and 'oh'."""
    return "".join(unicodedata.normalize("NFC", text or "").lower().split())


def _char_matches(query_ch: str, text_ch: str) -> bool:
    if query_ch == text_ch:
        return True
    return is_choseong(query_ch) and initial_of(text_ch) == query_ch


def matches(query: str, text: str) -> bool:
    """True when `query` occurs in `text`, each 초성 in the query matching any syllable that
    starts with it. Empty queries match everything."""
    q, t = normalize(query), normalize(text)
    if not q:
        return True
    if not any(is_choseong(ch) for ch in q):
        return q in t
    for start in range(len(t) - len(q) + 1):
        if all(_char_matches(qc, t[start + i]) for i, qc in enumerate(q)):
            return True
    return False


def search_key(text: str) -> str:
    """A precomputable key for SQL LIKE prefiltering: the text's initials (오세훈 → ㅇㅅㅎ)."""
    return "".join(initial_of(ch) for ch in normalize(text))
