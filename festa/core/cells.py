"""Spreadsheet cells that stay text: the CSV-injection guard every export and import shares."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (CSV
    injection); anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def undo_defuse(text: str) -> str:
    """The text `defuse_formula` was given: "'=x" was written for "=x"."""
    return text[1:] if text.startswith("'") and text[1:2] in FORMULA_START else text
