"""Organizers' forms for sessions, speakers and who speaks where."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from festa.i18n import is_language, language_name, localized, speaker_name
from festa.program.models import Event, SessionKind, SessionLanguage, SpeakerRole
from festa.web.forms import (
    ManageForm,
    capacity_field,
    choices,
    email_field,
    local_datetime,
    long_text,
    optional_int,
    set_zone,
    strip,
    text,
)

KIND_LABELS = {
    SessionKind.KEYNOTE: _l("Keynote"),
    SessionKind.DIALOGUE: _l("Dialogue"),
    SessionKind.PANEL: _l("Panel"),
    SessionKind.TALK: _l("Talk"),
    SessionKind.WORKSHOP: _l("Workshop"),
}
LANGUAGE_LABELS = {
    SessionLanguage.KO: _l("Korean"),
    SessionLanguage.EN: _l("English"),
    SessionLanguage.BOTH: _l("Korean and English"),
}
ROLE_LABELS = {SpeakerRole.SPEAKER: _l("Speaker"), SpeakerRole.MODERATOR: _l("Moderator")}


class SessionForm(ManageForm):
    title_ko = text(_l("Title (Korean)"), True, 300)
    title_en = text(_l("Title (English)"), True, 300)
    abstract_ko = long_text(_l("Abstract (Korean)"))
    abstract_en = long_text(_l("Abstract (English)"))
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS), default=SessionKind.TALK)
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_LABELS),
                           default=SessionLanguage.KO)
    # Both empty: not scheduled yet (placed later in the schedule editor).
    starts_at = local_datetime(_l("Starts"), None)
    ends_at = local_datetime(_l("Ends"), None)
    room_id = SelectField(_l("Room"), coerce=optional_int, validate_choice=False)
    track_id = SelectField(_l("Track"), coerce=optional_int, validate_choice=False)
    capacity = capacity_field(description=_l("Leave empty for the room's size or no limit."))
    reservation_required = BooleanField(_l("Reservation required"))
    cancelled = BooleanField(_l("Cancelled"))

    rows = (("title_ko", "title_en"), ("abstract_ko", "abstract_en"), ("kind", "language"),
            ("starts_at", "ends_at"), ("room_id", "track_id"), ("capacity",),
            ("reservation_required", "cancelled"))

    def __init__(self, *args, event: Event, rooms: list = (), tracks: list = (),
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_zone(self, ("starts_at", "ends_at"), ZoneInfo(event.timezone))
        hint = _l("Local time (%(zone)s).", zone=event.timezone)
        self.starts_at.description = self.ends_at.description = hint
        none = _l("— none —")
        self.room_id.choices = choices({r.id: localized(r, "name") for r in rooms}, none)
        self.track_id.choices = choices({t.id: localized(t, "name") for t in tracks}, none)
        # An imported session may be in any language (de, fr …): offer the event's too, so
        # saving the form never turns German into Korean.
        used = {s.language for s in event.sessions if s.language not in LANGUAGE_LABELS}
        if self.language.data and self.language.data not in LANGUAGE_LABELS:
            used.add(self.language.data)
        self.language.choices = choices(LANGUAGE_LABELS) + [
            SelectChoice(code, language_name(code))
            for code in sorted(c for c in used if is_language(c))]


class SpeakerForm(ManageForm):
    family_name_ko = text(_l("Family name (Korean)"), True, 100)
    given_name_ko = text(_l("Given name (Korean)"), max_length=100)
    family_name_en = text(_l("Family name (English)"), True, 100)
    given_name_en = text(_l("Given name (English)"), max_length=100)
    given_name_first = BooleanField(
        _l("Given name first"), description=_l("For Western names, also in Korean."))
    also_known_as = text(_l("Also known as"), max_length=300, description=_l(
        "Other spellings of the name, separated by commas (e.g. 카플란): search finds them."))
    affiliation_ko = text(_l("Affiliation (Korean)"))
    affiliation_en = text(_l("Affiliation (English)"))
    title_ko = text(_l("Job title (Korean)"))
    title_en = text(_l("Job title (English)"))
    bio_ko = long_text(_l("Biography (Korean)"))
    bio_en = long_text(_l("Biography (English)"))
    photo_url = URLField(_l("Photo URL"), [Optional(), Length(max=500), URL(
        require_tld=False, message=_l("Enter a web address starting with https://."))],
        filters=[strip])
    email = email_field(_l("E-mail (private)"), required=False,
                        description=_l("Only organizers see this."))

    rows = (("family_name_ko", "given_name_ko"), ("family_name_en", "given_name_en"),
            ("given_name_first", "also_known_as"), ("affiliation_ko", "affiliation_en"),
            ("title_ko", "title_en"), ("bio_ko", "bio_en"), ("photo_url", "email"))

    def model_data(self) -> dict:
        data = super().model_data()
        data["photo_url"] = data["photo_url"] or ""
        data["email"] = (data["email"] or "").lower()
        return data


class AssignSpeakerForm(ManageForm):
    speaker_id = SelectField(_l("Speaker"), [DataRequired()], coerce=optional_int,
                             validate_choice=False)
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS),
                       default=SpeakerRole.SPEAKER)
    position = IntegerField(_l("Order"), [Optional(), NumberRange(
        min=0, message=_l("Must be 0 or more."))], default=0)

    rows = (("speaker_id",), ("role", "position"))

    def __init__(self, *args, speakers: list = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.speaker_id.choices = choices({s.id: speaker_name(s) for s in speakers},
                                          _l("— choose —"))
