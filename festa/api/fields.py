"""marshmallow fields that apply festa.core.inputs: the API refuses what the pages refuse,
with the field named (422), and stores what they store (NFC text, checked addresses)."""

from __future__ import annotations

from datetime import datetime

import marshmallow as ma

from festa.core import inputs


class Text(ma.fields.String):
    """Text after the shared rules: NFC, stripped, no control or bidi override characters,
    at most `max_length` characters."""

    def __init__(self, *, max_length: int, multiline: bool = False, **kwargs) -> None:
        kwargs.setdefault("metadata", {}).setdefault("maxLength", max_length)
        super().__init__(**kwargs)
        self.max_length = max_length
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return inputs.clean_text(text, max_length=self.max_length,
                                     required=self.required, multiline=self.multiline)
        except inputs.InputError as error:
            raise ma.ValidationError(error.message) from error


class Email(ma.fields.String):
    """An e-mail address, internationalised ones included (사용자@한국.kr)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {}).setdefault("format", "idn-email")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return inputs.clean_email(text)
        except inputs.InputError as error:
            raise ma.ValidationError(error.message) from error


class AwareDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 time with offset, within the years an event can have."""

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        try:
            moment = super()._deserialize(value, attr, data, **kwargs)
        except OverflowError as error:
            raise ma.ValidationError("Not a plausible time.") from error
        if not inputs.in_date_range(moment):
            raise ma.ValidationError("Not a plausible time (years 2000 to 2099).")
        return moment
