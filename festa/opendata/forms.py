"""Organizers' forms of the open-data pages: programme upload and its confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired


class ImportForm(FlaskForm):
    upload = FileField(_l("Programme file"), [
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "json", "xml", "txt"],
                    _l("Upload a .csv, a schedule.json or a schedule.xml file.")),
    ], description=_l("CSV (UTF-8, the columns below), a C3VOC/frab/pretalx schedule.json "
                      "or a frab schedule.xml."))


class ConfirmImportForm(FlaskForm):
    key = HiddenField(validators=[DataRequired()])
