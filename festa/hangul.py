"""Search that understands Hangul: initial-consonant (초성) queries and jamo-aware matching.

"ㅇㅅㅎ" finds 오세훈; "오세" finds 오세훈; "서울ㅇ" finds 서울역 (syllables, then initials).
"""

from __future__ import annotations

import re
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


# Korean particles that depend on whether the word before ends in a consonant (batchim):
# catalogs write both forms, "와(과)", and with_particles() keeps the right one.
_PARTICLES = {"와(과)": ("과", "와"), "과(와)": ("과", "와"), "을(를)": ("을", "를"),
              "를(을)": ("을", "를"), "이(가)": ("이", "가"), "가(이)": ("이", "가"),
              "은(는)": ("은", "는"), "는(은)": ("은", "는")}
_PARTICLE_RE = re.compile(r"(와\(과\)|과\(와\)|을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|"
                          r"는\(은\)|\(으\)로)")
_CLOSERS = "”’\"')]}>」』"
_DIGIT_BATCHIM = {"0": 21, "1": 8, "3": 16, "6": 1, "7": 8, "8": 8}  # 영 일 삼 육 칠 팔
_LETTER_BATCHIM = {"l": 8, "m": 16, "n": 4, "r": 8}  # 엘 엠 엔 알


def _final_consonant(text: str) -> int | None:
    """The final consonant index (0: none, 8: ㄹ) of how `text` ends when read in Korean;
    None when it cannot tell."""
    word = text.rstrip(_CLOSERS + " ")
    if not word:
        return None
    last = word[-1]
    if "\uac00" <= last <= "\ud7a3":
        return (ord(last) - 0xAC00) % 28
    if last.isdigit():
        return _DIGIT_BATCHIM.get(last, 0)
    if last.isascii() and last.isalpha():
        return _LETTER_BATCHIM.get(last.lower(), 0)
    return None


def with_particles(text: str) -> str:
    """'“AI 윤리 실습”와(과)' → '“AI 윤리 실습”과': each double particle takes the form the
    word before it needs (left as written when that word's ending cannot be told)."""
    def choose(match: re.Match) -> str:
        final = _final_consonant(text[:match.start()])
        if final is None:
            return match.group(0)
        if match.group(0) == "(으)로":
            return "으로" if final not in (0, 8) else "로"
        with_batchim, without = _PARTICLES[match.group(0)]
        return with_batchim if final else without
    return _PARTICLE_RE.sub(choose, text)
