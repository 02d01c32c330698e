"""Network forms: the settings an admin changes (retention) and opening a new edition."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from .services import MAX_EDITION, MIN_EDITION, RETENTION_MONTHS_RANGE


class RetentionForm(FlaskForm):
    retention_months = IntegerField(
        _l("Keep personal data for (months)"),
        validators=[InputRequired(message=_l("Please fill this in.")),
                    NumberRange(*RETENTION_MONTHS_RANGE,
                                message=_l("Please give a number of months from %(min)s to %(max)s."))],
        render_kw={"inputmode": "numeric", "min": RETENTION_MONTHS_RANGE[0], "max": RETENTION_MONTHS_RANGE[1]},
    )


class OpenEditionForm(FlaskForm):
    edition = IntegerField(_l("Year to open"), validators=[
        InputRequired(_l("Please give the year to open.")),
        NumberRange(MIN_EDITION, MAX_EDITION, _l("Please give a year such as 2027."))])
    confirm = BooleanField(_l("Yes, open this edition and invite last year's groups to renew."))

    def validate_confirm(self, field) -> None:
        if not field.data:
            raise ValidationError(str(_l("Please tick the box to confirm.")))
