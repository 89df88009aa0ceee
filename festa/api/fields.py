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
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("maxLength", max_length)
        if not multiline and kwargs.get("required"):
            metadata.setdefault("minLength", 1)
            metadata.setdefault("pattern", inputs.ONE_LINE_PATTERN)
        elif not multiline:
            metadata.setdefault("pattern", inputs.OPTIONAL_LINE_PATTERN)
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
        kwargs.setdefault("metadata", {}).setdefault("format", "email")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return inputs.clean_email(text)
        except inputs.InputError as error:
            raise ma.ValidationError(error.message) from error


class AwareDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 time with offset, brought into the years an event can have (2000 …
    2099: a scanner's clock set to year 1 must not store year 1). A time that has no
    UTC equivalent at all (0001-01-01T00:00+14:00) is refused."""

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        try:
            moment = super()._deserialize(value, attr, data, **kwargs)
            return inputs.clamp_datetime(moment)
        except OverflowError as error:
            raise ma.ValidationError("Not a representable time.") from error


class IsoDateTime(ma.fields.String):
    """A time the service already wrote as ISO 8601 with offset (in the event's zone);
    documented as `format: date-time` so generated clients parse it as a time."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {}).setdefault("format", "date-time")
        super().__init__(**kwargs)


class IsoDate(ma.fields.String):
    """A calendar day the service already wrote as ISO 8601 (`format: date`)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {}).setdefault("format", "date")
        super().__init__(**kwargs)


class RoomRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, metadata={"description": "in the request's language"})


class TrackRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, metadata={"description": "in the request's language"})
    color = ma.fields.String(required=True, metadata={"description": "#rrggbb"})


class SessionRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True, metadata={"description": "in the request's language"})
