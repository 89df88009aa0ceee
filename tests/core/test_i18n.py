from datetime import UTC, datetime

from flask_babel import force_locale

from festa.i18n import format_dt, format_time, person_name

MOMENT = datetime(2025, 2, 11, 1, 0, tzinfo=UTC)  # 10:00 in Seoul


def test_korean_dates_and_24_hour_times(app):
    with app.test_request_context("/?lang=ko"), force_locale("ko"):
        assert format_dt(MOMENT) == "2025년 2월 11일 (화) 10:00"
        assert format_time(MOMENT) == "10:00"


def test_english_dates(app):
    with app.test_request_context("/?lang=en"), force_locale("en"):
        assert format_dt(MOMENT) == "Tue 11 Feb 2025, 10:00"


def test_names_family_first_unless_written_otherwise():
    assert person_name("오", "세훈") == "오세훈"
    assert person_name("Oh", "Se-hoon") == "Oh Se-hoon"
    assert person_name("Kaplan", "Jerry", given_name_first=True) == "Jerry Kaplan"
    assert person_name("캐플런", "제리", given_name_first=True) == "제리 캐플런"


def test_language_is_chosen_per_request(client):
    assert 'lang="en"' in client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="ko"' in client.get("/?lang=ko").get_data(as_text=True)
