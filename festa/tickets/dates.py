"""Date and time ranges on tickets and in mail, in the current language and event zone.

Days: Babel's interval formats ('2026년 3월 12일 (목) ~
13일 (금)' / 'Thu, Mar 12 – Fri, Mar 13, 2026'); times: the site's one style, '10:00–11:30'.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_interval

from festa.i18n import current_language, format_day, format_time


def day_range(first: date, last: date) -> str:
    """One day or several, with weekdays: '2026년 3월 12일 목요일' / '… ~ 13일 금요일'."""
    return format_interval(first, last, "yMMMMEEEEd", locale=current_language())


def time_range(start: datetime, end: datetime, tz: str) -> str:
    """'10:00–11:30': 24-hour in both languages, as the rest of the site."""
    return f"{format_time(start, tz=tz)}–{format_time(end, tz=tz)}"


def session_day(start: datetime, tz: str) -> str:
    """A session's day, short: '3월 12일 (목)' / 'Thu 12 Mar'."""
    return format_day(start, "short", tz)
