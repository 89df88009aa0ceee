"""Korean and English: locale choice, bilingual fields, dates in the event's time zone, names."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_currency_name, get_territory_currencies
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, get_locale, refresh
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from festa.hangul import with_particles

LANGUAGES = ("ko", "en")
PACKAGE_DIR = Path(__file__).resolve().parent


# Made once: Flask-Babel would parse the selector's code into a new Locale per request.
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def select_locale() -> Locale:
    """`?lang=` (remembered in the session), then Accept-Language, then Korean.
    Outside a request (services called from the CLI or tests): Korean."""
    if not has_request_context():
        return _LOCALES["ko"]
    args = request.args
    asked = args.get("lang") if "lang" in args else None  # get() raises inside when absent
    if asked in LANGUAGES:
        session["lang"] = asked
        return _LOCALES[asked]
    remembered = session.get("lang")
    if remembered in LANGUAGES:
        return _LOCALES[remembered]
    return _LOCALES[_accepted_language(request.headers.get("Accept-Language", ""))]


@lru_cache(maxsize=256)
def _accepted_language(accept_language: str) -> str:
    """The best of LANGUAGES for an Accept-Language header (as `request.accept_languages`
    would choose), else Korean. Browsers send a few distinct headers: each parsed once."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(LANGUAGES) or "ko"


# A language as programmes write it: ISO 639 code, maybe with a region or script (BCP 47).
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
BILINGUAL = "ko+en"


def is_language(code: str | None) -> bool:
    """ko, en, ko+en (Festa's own) or any ISO 639 code such as de, fr, pt-BR."""
    return bool(code) and (code == BILINGUAL or bool(LANGUAGE_TAG.match(code)))


def language_codes(code: str | None) -> list[str]:
    """The ISO 639 codes a session's language stands for: ko+en is ["ko", "en"]. Feeds,
    the API and JSON-LD publish these, never Festa's own "ko+en"."""
    return [part for part in (code or "").split("+") if part]


def language_name(code: str | None, lang: str | None = None) -> str:
    """The language's name in the page's language: 'German' / '독일어'; ko+en is
    'Korean and English'. An unknown code is shown as written."""
    lang = lang or current_language()
    if not code:
        return ""
    parts = code.split("+")
    try:
        names = [Locale.parse(part.replace("-", "_")).get_display_name(lang) or part
                 for part in parts]
    except (ValueError, UnknownLocaleError):
        return code
    joiner = " · " if lang == "ko" else " and "
    return joiner.join(names)


# Codes Babel names that are no country (regions, the EU, test codes).
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


def countries(lang: str | None = None) -> list[tuple[str, str]]:
    """(ISO 3166 alpha-2 code, name) in the language, sorted by name."""
    names = Locale(lang or current_language()).territories
    return sorted(((code, name) for code, name in names.items()
                   if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES),
                  key=lambda item: item[1])


def country_name(code: str, lang: str | None = None) -> str:
    return Locale(lang or current_language()).territories.get(code, code)


def is_country(code: str | None) -> bool:
    """An ISO 3166 alpha-2 code of a country (upper case): KR, DE."""
    return bool(code) and code in dict(countries("en"))


@cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 codes some country pays with today (no historic or fund codes)."""
    today = date.today()
    return frozenset(currency for code, _name in countries("en")
                     for currency in get_territory_currencies(code, today, tender=True))


def currencies(lang: str | None = None) -> list[tuple[str, str]]:
    """(ISO 4217 code, "KRW · 대한민국 원") in the language, sorted by code."""
    lang = lang or current_language()
    return [(code, f"{code} · {get_currency_name(code, locale=lang)}")
            for code in sorted(currency_codes())]


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "ko"


def localized(obj: object, field: str, lang: str | None = None) -> str:
    """The `field_ko` or `field_en` attribute in the current language, else the other one."""
    lang = lang or current_language()
    other = "en" if lang == "ko" else "ko"
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_{other}", "") or ""


def person_name(family: str, given: str, given_name_first: bool = False) -> str:
    """A name as its owner writes it: Korean family name first (오세훈, Oh Se-hoon),
    Western names given name first (Jerry Kaplan, 제리 캐플런)."""
    if not given:
        return family
    if given_name_first:
        return f"{given} {family}"
    if _is_hangul(family) and _is_hangul(given):
        return f"{family}{given}"
    return f"{family} {given}"


def speaker_name(speaker: object, lang: str | None = None) -> str:
    lang = lang or current_language()
    family = localized(speaker, "family_name", lang)
    given = localized(speaker, "given_name", lang)
    return person_name(family, given, speaker.given_name_first)


def _is_hangul(text: str) -> bool:
    return bool(text) and all("\uac00" <= ch <= "\ud7a3" for ch in text)


def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_time(value: datetime, tz: str | None = None) -> datetime:
    """An aware datetime moved into the event's time zone (Asia/Seoul by default)."""
    return value.astimezone(_zone(tz))


# Conference programmes read in 24-hour time; current CLDR abbreviates the Korean day
# period as "AM"/"PM", which Korean readers do not expect, so named formats use these.
# One date style for the whole site per language: "3월 11일 (목) 14:00–16:00" and
# "Thu 11 Mar, 14:00–16:00" (the year only where it is not obvious from the context).
DATETIME_PATTERNS = {
    "ko": {"short": "M월 d일 (E) HH:mm", "medium": "y년 M월 d일 (E) HH:mm",
           "long": "y년 M월 d일 EEEE HH:mm", "full": "y년 M월 d일 EEEE HH:mm"},
    "en": {"short": "EEE d MMM, HH:mm", "medium": "EEE d MMM y, HH:mm",
           "long": "EEEE d MMMM y, HH:mm", "full": "EEEE d MMMM y, HH:mm"},
}
DAY_PATTERNS = {
    "ko": {"short": "M월 d일 (E)", "medium": "y년 M월 d일 (E)", "long": "y년 M월 d일 (E)",
           "full": "y년 M월 d일 EEEE"},
    "en": {"short": "EEE d MMM", "medium": "EEE d MMM y", "long": "EEE d MMM y",
           "full": "EEEE d MMMM y"},
}
TIME_PATTERNS = {"short": "HH:mm", "medium": "HH:mm:ss"}


def format_dt(value: datetime | None, fmt: str = "medium", tz: str | None = None) -> str:
    """Date and time in the current language, in the event's zone:
    '2025년 2월 11일 (화) 10:00' or 'Tue 11 Feb 2025, 10:00'. `fmt` is a named format
    or a CLDR pattern."""
    if value is None:
        return ""
    lang = current_language()
    pattern = DATETIME_PATTERNS[lang].get(fmt, fmt)
    return babel_format_datetime(value, pattern, tzinfo=_zone(tz), locale=lang)


def format_time(value: datetime | None, fmt: str = "short", tz: str | None = None) -> str:
    """A time of day, 24-hour: '14:30'."""
    if value is None:
        return ""
    return babel_format_time(value, TIME_PATTERNS.get(fmt, fmt), tzinfo=_zone(tz),
                             locale=current_language())


def format_day(value: date | datetime | None, fmt: str = "full", tz: str | None = None) -> str:
    """A day such as '2025년 2월 11일 화요일' or 'Tuesday 11 February 2025'; "short" is
    '2월 11일 (화)' / 'Tue 11 Feb'. `fmt` is a named format or a CLDR pattern."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_time(value, tz).date()
    lang = current_language()
    return babel_format_date(value, DAY_PATTERNS[lang].get(fmt, fmt), locale=lang)


def format_when(start: datetime, end: datetime | None = None, tz: str | None = None) -> str:
    """A session's day and times: '3월 11일 (목) 14:00–16:00' / 'Thu 11 Mar, 14:00–16:00'."""
    day = format_day(start, "short", tz)
    times = format_time(start, tz=tz) + (f"–{format_time(end, tz=tz)}" if end else "")
    return f"{day}, {times}" if current_language() == "en" else f"{day} {times}"


def translation_directories() -> str:
    """Each area keeps its own catalog (`festa/<area>/translations`); Flask-Babel merges them."""
    dirs = [str(p) for p in sorted(PACKAGE_DIR.glob("*/translations")) if p.is_dir()]
    dirs.insert(0, str(PACKAGE_DIR / "translations"))
    return ";".join(dirs)


def _choose_locale_afresh() -> None:
    """Flask-Babel keeps the locale on the app context; a test client reuses one app
    context for many requests, so forget the previous request's choice. In production
    each request has a context of its own, with nothing to forget."""
    if "_flask_babel" in g:
        refresh()


def init_app(app: Flask, babel: Babel) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories())
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(_choose_locale_afresh)
    app.jinja_env.filters["particles"] = with_particles
    app.jinja_env.globals.update(
        loc=localized,
        speaker_name=speaker_name,
        format_dt=format_dt,
        format_time=format_time,
        format_day=format_day,
        format_when=format_when,
        current_language=current_language,
        language_name=language_name,
        country_name=country_name,
        LANGUAGES=LANGUAGES,
    )


def catalog_files() -> list[Path]:
    """Every Korean catalog of every area (`festa/**/translations/ko/LC_MESSAGES/*.po`)."""
    return sorted(PACKAGE_DIR.glob("**/translations/*/LC_MESSAGES/messages.po"))


def compile_catalogs() -> int:
    """Compile each .po next to itself as .mo (run by `make` and by the test suite)."""
    compiled = 0
    for po_path in catalog_files():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)
        compiled += 1
    return compiled
