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


@pytest.mark.parametrize("text, expected", [
    ("“AI 윤리 실습”와(과) “챗봇”", "“AI 윤리 실습”과 “챗봇”"),
    ("“처음 만드는 AI 챗봇”와(과) 겹칩니다", "“처음 만드는 AI 챗봇”과 겹칩니다"),
    ("“시장 대담”와(과)", "“시장 대담”과"),
    ("“세미나”와(과)", "“세미나”와"),
    ("“워크숍”을(를) 삭제할까요?", "“워크숍”을 삭제할까요?"),
    ("“회의”을(를)", "“회의”를"),
    ("“강연”이(가)", "“강연”이"), ("“파티”이(가)", "“파티”가"),
    ("“서울”(으)로", "“서울”로"), ("“부산”(으)로", "“부산”으로"), ("“Room 3”이(가)", "“Room 3”이"),
    ("“AI”와(과)", "“AI”와"), ("“?!”와(과)", "“?!”와(과)"),
])
def test_particles_follow_the_final_consonant(text, expected):
    from festa.hangul import with_particles

    assert with_particles(text) == expected
