"""Network settings an admin changes in the browser."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from .services import RETENTION_MONTHS_RANGE


class RetentionForm(FlaskForm):
    retention_months = IntegerField(
        _l("Keep personal data for (months)"),
        validators=[InputRequired(message=_l("Please fill this in.")),
                    NumberRange(*RETENTION_MONTHS_RANGE,
                                message=_l("Please give a number of months from %(min)s to %(max)s."))],
        render_kw={"inputmode": "numeric", "min": RETENTION_MONTHS_RANGE[0], "max": RETENTION_MONTHS_RANGE[1]},
    )
