"""Organiser forms for notices."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .services import MAX_BODY


class NoticeForm(FlaskForm):
    body_ko = TextAreaField(_l("Notice in Korean"), validators=[DataRequired(), Length(max=MAX_BODY)])
    body_en = TextAreaField(_l("Notice in English (optional)"), validators=[Optional(), Length(max=MAX_BODY)])
    target = SelectField(_l("Who receives it"), validators=[DataRequired()], choices=[])


class ConfirmForm(FlaskForm):
    """A POST button with CSRF protection."""
