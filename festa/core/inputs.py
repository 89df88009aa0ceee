"""The rules every input passes, wherever it arrives: pages (WTForms), the JSON API
(marshmallow), services and imports. Bad input is refused with the field named, never
stored half-broken and never answered with a 500.

- Text is NFC-normalised (a decomposed 홍길동 is stored, and found, as the composed one).
- Control characters (NUL, CR, LF, …) are refused in one-line text; multi-line text keeps
  only tab and newline. Lone surrogates and Unicode non-characters are refused everywhere.
- Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused in
  one-line text: in a name they can make "moc.elgoog" read as "google.com".
- E-mail addresses may be internationalised (사용자@한국.kr): checked by email-validator
  with SMTPUTF8 allowed, stored NFC and lower-cased.
- Numbers: ids fit the database's integer column, page numbers stay small, dates fall in
  a sane range, JSON bodies are bounded in depth and in digits.

Messages here are English; the callers' validators translate them by `code`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer: a larger id cannot exist, so it is simply "not found"
MAX_PAGE = 100_000
MAX_JSON_DEPTH = 32
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Printable ASCII breaks no rule and is NFC already: most input (codes, e-mail addresses,
# ids) is checked by one regex match instead of a look at each character.
_PRINTABLE_ASCII = re.compile("[\x20-\x7e]*")


# The one-line rules as a JSON Schema `pattern` (the OpenAPI document): no control, line
# separator, bidi override or non-characters, and something besides white space.
_REFUSED = ("\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069"
            "\\ufdd0-\\ufdef\\ufffe\\uffff")
ONE_LINE_PATTERN = f"^[^{_REFUSED}]*[^\\s{_REFUSED}][^{_REFUSED}]*$"
OPTIONAL_LINE_PATTERN = f"^[^{_REFUSED}]*$"


class InputError(ValueError):
    """One value broke one rule; `code` is stable, the message is English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


MESSAGES = {
    "control_character": "Remove control characters (such as line breaks) from this text.",
    "surrogate": "This text contains characters that cannot be stored.",
    "noncharacter": "This text contains characters that cannot be stored.",
    "bidi_control": "Remove right-to-left/left-to-right override characters from this text.",
    "too_long": "This text is too long.",
    "required": "This field is required.",
    "bad_email": "Please enter a valid e-mail address.",
    "number_too_large": "This number is too large.",
}


def _error(code: str) -> InputError:
    return InputError(code, MESSAGES[code])


def _is_noncharacter(ch: str) -> bool:
    point = ord(ch)
    return 0xFDD0 <= point <= 0xFDEF or (point & 0xFFFE) == 0xFFFE


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """The code of the first rule `value` breaks, or None."""
    if _PRINTABLE_ASCII.fullmatch(value):
        return None
    if _SURROGATE.search(value):
        return "surrogate"
    for ch in value:
        if not _char_problem(ch, multiline):
            continue
        if _is_noncharacter(ch):
            return "noncharacter"
        if ch in BIDI_CONTROLS:
            return "bidi_control"
        return "control_character"
    return None


def normalize_text(value: str, *, multiline: bool = False) -> str:
    """NFC, stripped; Windows line ends become "\\n" in multi-line text."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _SURROGATE.search(value):
        return value  # NFC would fail; text_problem reports it
    return unicodedata.normalize("NFC", value).strip()


def clean_text(value: object, *, max_length: int, required: bool = False,
               multiline: bool = False) -> str:
    """The value as it is stored: NFC, stripped, within `max_length`; or InputError."""
    text = normalize_text("" if value is None else str(value), multiline=multiline)
    problem = text_problem(text, multiline=multiline)
    if problem:
        raise _error(problem)
    if required and not text:
        raise _error("required")
    if len(text) > max_length:
        raise _error("too_long")
    return text


def _char_problem(ch: str, multiline: bool) -> bool:
    if multiline and ch in "\t\n":
        return False
    return (unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u2028\u2029"
            or _is_noncharacter(ch) or (not multiline and ch in BIDI_CONTROLS))


def storable(value: str, *, multiline: bool = False) -> str:
    """The value with every character the rules refuse dropped, NFC and stripped. For data
    taken as it comes (a scanned code, an imported file), where refusing helps nobody."""
    if _PRINTABLE_ASCII.fullmatch(value):
        return value.strip()
    if not multiline:  # a line break in a title becomes a space, not a glued word
        value = re.sub("[\t\n\r\x0b\x0c\x85\u2028\u2029]+", " ", value)
    kept = "".join(ch for ch in value if not _char_problem(ch, multiline))
    return normalize_text(kept, multiline=multiline)


def clean_email(value: object) -> str:
    """A checked e-mail address (internationalised ones too), NFC and lower-cased."""
    text = normalize_text("" if value is None else str(value))
    if not text or text_problem(text) or len(text) > 254:
        raise _error("bad_email")
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except (EmailNotValidError, UnicodeError) as error:
        raise _error("bad_email") from error
    return unicodedata.normalize("NFC", checked.normalized).lower()


def valid_id(value: int) -> bool:
    """Whether an id can exist in the database (1 … 2³¹−1)."""
    return 1 <= value <= MAX_ID


def page_number(value: str | None) -> int:
    """A page number from a query string: 1 … MAX_PAGE (anything else reads as 1 or the
    last allowed page), so `?page=99999999999999999999` is an empty page, not an error."""
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 9:
        return MAX_PAGE if text.isdigit() else 1
    return min(max(int(text), 1), MAX_PAGE)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: only ids the database can hold (1 … 2³¹−1), so a path
    like /sessions/99999999999999999999 is a 404, not an overflow in the database."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def clamp_datetime(moment: datetime) -> datetime:
    """The time in UTC, moved into EARLIEST … LATEST; OverflowError if it has no UTC
    equivalent (year 1 at +14:00)."""
    utc = moment.astimezone(UTC)
    return min(max(utc, EARLIEST), LATEST)


def in_date_range(moment: datetime) -> bool:
    """Whether a timestamp is plausible for an event system (years 2000 … 2099)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return EARLIEST <= moment <= LATEST
    except OverflowError:
        return False


# ------------------------------------------------------------------------- JSON bodies


def _depth_exceeds(raw: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (linear scan, no parse)."""
    if raw.count("[") + raw.count("{") <= limit:  # cannot nest deeper than it opens
        return False
    depth, in_string, escaped = 0, False, False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


MAX_JSON_DIGITS = 100  # more cannot be a quantity or an id; parsing stays cheap
MAX_JSON_INT = 2**63 - 1  # the largest a database column holds


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_JSON_DIGITS:
        raise InputError("number_too_large", "A number in the body is too large.")
    return int(digits)


def _parse_float(digits: str) -> float:
    if len(digits) > 40:
        raise InputError("number_too_large", "A number in the body is too large.")
    return float(digits)


def _refuse_constant(name: str) -> Any:
    raise InputError("bad_json", f"{name} is not JSON.")


def load_json(raw: bytes | str) -> Any:
    """Parse a request body: bounded depth, no number of more than 100 digits, no NaN.
    Raises InputError (`bad_json`, `too_deep`, `number_too_large`), or — for a lone
    surrogate in a string or an integer beyond 64 bits — InputError with the JSON path
    of the value in `path` (so the answer can name the field)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise InputError("bad_json", "The body is not UTF-8.") from error
    if _depth_exceeds(text, MAX_JSON_DEPTH):
        raise InputError("too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
    try:
        data = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                          parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        if isinstance(error, InputError):
            raise
        raise InputError("bad_json", "The body is not valid JSON.") from error
    found = _bad_value(data)
    if found is not None:
        code, path = found
        error = InputError(code, MESSAGES[code])
        error.path = path
        raise error
    return data


def _bad_value(data: Any) -> tuple[str, str] | None:
    """(code, dotted path) of the first key or string holding a lone surrogate, or
    integer beyond 64 bits; None when all is well. Iterative: depth is bounded already,
    but a walk should never recurse on input."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return "surrogate", path or "body"
        elif isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > MAX_JSON_INT:
                return "number_too_large", path or "body"
        elif isinstance(value, dict):
            for key, inner in value.items():
                child = f"{path}.{key}" if path else str(key)
                if _SURROGATE.search(key):
                    return "surrogate", path or "body"
                stack.append((child, inner))
        elif isinstance(value, list):
            stack.extend((f"{path}.{n}" if path else str(n), inner)
                         for n, inner in enumerate(value))
    return None

