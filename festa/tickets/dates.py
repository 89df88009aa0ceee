"""Date and time ranges on tickets and in mail, in the current language and event zone.

Babel's interval formats give the forms Korean readers expect ('2026년 3월 12일 (목) ~
13일 (금)', '10:00 ~ 11:30'); English gets 'Thu, Mar 12 – Fri, Mar 13, 2026'.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_interval

from festa.i18n import current_language, local_time


def day_range(first: date, last: date) -> str:
    """One day or several, with weekdays: '2026년 3월 12일 목요일' / '… ~ 13일 금요일'."""
    return format_interval(first, last, "yMMMMEEEEd", locale=current_language())


def time_range(start: datetime, end: datetime, tz: str) -> str:
    """'10:00 ~ 11:30' in Korean (24-hour, as Korean programmes print), '10:00 – 11:30 AM'."""
    lang = current_language()
    skeleton = "Hm" if lang == "ko" else "hm"
    return format_interval(local_time(start, tz).time(), local_time(end, tz).time(), skeleton,
                           locale=lang)


def session_day(start: datetime, tz: str) -> str:
    """A session's day, short: '3월 12일 (목)' / 'Thu, Mar 12'."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMEd", local_time(start, tz), locale=current_language())
