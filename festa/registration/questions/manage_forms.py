"""Organizers' forms for questions and their choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional, Regexp
from wtforms.widgets import ColorInput

from festa.i18n import localized
from festa.registration.questions.models import QuestionKind
from festa.web.forms import ManageForm, choices, optional_int, text

KIND_LABELS = {
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.ONE_CHOICE: _l("One choice"),
    QuestionKind.SEVERAL_CHOICES: _l("Several choices"),
    QuestionKind.YES_NO: _l("Yes or no"),
    QuestionKind.NUMBER: _l("Number"),
    QuestionKind.COUNTRY: _l("Country"),
}


class QuestionForm(ManageForm):
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS))
    label_ko = text(_l("Question (Korean)"), True, 300)
    label_en = text(_l("Question (English)"), True, 300)
    help_ko = text(_l("Help text (Korean)"), False, 1000)
    help_en = text(_l("Help text (English)"), False, 1000)
    required = BooleanField(_l("An answer is required"))
    session_id = SelectField(_l("Asked of"), coerce=optional_int, validate_choice=False)
    new_choices = TextAreaField(_l("Add choices"), description=_l(
        "For choice questions: one per line, “Korean | English”, optionally followed by "
        "“| places” (a limit) and “| #colour” (the badge band), e.g. "
        "“수어 통역 | Sign-language interpretation | 20”."))

    rows = (("kind",), ("label_ko", "label_en"), ("help_ko", "help_en"), ("required",),
            ("session_id",), ("new_choices",))
    not_model = ("csrf_token", "new_choices")

    def __init__(self, *args, sessions: list = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.session_id.choices = choices({s.id: localized(s, "title") for s in sessions},
                                          _l("Everyone who registers"))


class ChoiceForm(ManageForm):
    label_ko = text(_l("Choice (Korean)"), True)
    label_en = text(_l("Choice (English)"), True)
    places = IntegerField(_l("Places"), [Optional(), NumberRange(min=0)],
                          description=_l("Leave empty for no limit."))
    color = StringField(_l("Colour on the badge"), [Optional(), Regexp(
        r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour such as #3355aa."))],
        default="#3355aa", widget=ColorInput())

    rows = (("label_ko", "label_en"), ("places", "color"))


def parse_choices(text_value: str | None) -> list[dict]:
    """The "Add choices" lines as choice values ("ko | en | places | #colour")."""
    found = []
    for line in (text_value or "").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        values = {"label_ko": parts[0], "label_en": parts[1] if len(parts) > 1 else parts[0],
                  "places": None, "color": "#3355aa"}
        for extra in parts[2:]:
            if extra.isdigit():
                values["places"] = int(extra)
            elif extra.startswith("#"):
                values["color"] = extra
        found.append(values)
    return found
