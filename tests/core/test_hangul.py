import pytest

from festa.hangul import matches, search_key


@pytest.mark.parametrize("query,text", [
    ("ㅇㅅㅎ", "오세훈"),
    ("오세", "오세훈"),
    ("오ㅅㅎ", "오세훈"),
    ("오 세훈", "오세훈"),
    ("kaplan", "Jerry Kaplan"),
    ("ㅅㅇ", "서울 AI 재단"),
    ("", "anything"),
])
def test_matches(query, text):
    assert matches(query, text)


@pytest.mark.parametrize("query,text", [
    ("ㅇㅅㅎ", "오세준"),
    ("ㄱㅅㅎ", "오세훈"),
    ("kaplan", "Jerry Kapian"),
])
def test_does_not_match(query, text):
    assert not matches(query, text)


def test_search_key():
    assert search_key("오세훈") == "ㅇㅅㅎ"
    assert search_key("AI 서울") == "aiㅅㅇ"
