"""Forms for meetings, registrations and joint actions."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

class DateRange:
    """Dates a meeting can have: a typo such as 0202 or 9999 is refused beside the field, not stored
    (WTForms' NumberRange works on numbers only)."""

    def __init__(self, first: date = date(2000, 1, 1), last: date = date(2099, 12, 31)) -> None:
        self.first, self.last = first, last

    def __call__(self, form, field) -> None:
        if field.data is not None and not self.first <= field.data <= self.last:
            raise ValidationError(_l("Please choose a date between %(min)s and %(max)s.",
                                     min=self.first.isoformat(), max=self.last.isoformat()))


_DATES = DateRange()


class MeetingForm(FlaskForm):
    title_ko = StringField(_l("Title (Korean)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    venue_ko = StringField(_l("Venue (Korean)"), validators=[Optional(), Length(max=200)])
    venue_en = StringField(_l("Venue (English)"), validators=[Optional(), Length(max=200)])
    day = DateField(_l("Date"), validators=[InputRequired(), _DATES])
    start = TimeField(_l("Starts at"), validators=[InputRequired()])
    end = TimeField(_l("Ends at"), validators=[InputRequired()])
    registration_opens = DateField(_l("Registration opens"), validators=[Optional(), _DATES])
    registration_closes = DateField(_l("Registration closes (end of this day)"),
                                    validators=[Optional(), _DATES])
    capacity = IntegerField(_l("Capacity (people)"), validators=[InputRequired(), NumberRange(1, 100000)])
    per_organisation_limit = IntegerField(_l("People per organisation"),
                                          validators=[InputRequired(), NumberRange(1, 50)], default=2)
    table_min_people = IntegerField(_l("People per table, at least"), validators=[Optional(), NumberRange(1, 100)],
                                    default=6)
    table_max_people = IntegerField(_l("People per table, at most"), validators=[Optional(), NumberRange(1, 100)],
                                    default=8)
    table_min_groups = IntegerField(_l("Groups per table, at least"), validators=[Optional(), NumberRange(1, 100)],
                                    default=3)
    programme = TextAreaField(
        _l("Programme"), validators=[Optional(), Length(max=5000)],
        description=_l("One item per line: time | item in Korean | item in English | speaker or note"),
    )


class RegistrationForm(FlaskForm):
    attendees = IntegerField(_l("How many people will come?"), validators=[InputRequired(), NumberRange(1, 50)],
                             default=1)
    attendee_names = TextAreaField(
        _l("Names of the people coming (optional, one per line)"), validators=[Optional(), Length(max=2000)],
        description=_l("Used only for the reception sign-in sheet of this meeting and deleted with the "
                       "registration."),
    )
    preferred_cluster_id = SelectField(_l("Preferred breakout group (optional)"), coerce=int, default=0)
    accessibility = TextAreaField(_l("Accessibility needs (optional)"), validators=[Optional(), Length(max=500)])
    umbrella = StringField(
        _l("Umbrella body (optional)"), validators=[Optional(), Length(max=200)],
        description=_l("The federation or parent organisation your group belongs to: groups of one body sit at "
                       "different tables, so everyone meets someone new."),
    )
    consent = BooleanField(_l("I agree that the names and accessibility needs I give are used for this purpose."))


class OnBehalfForm(RegistrationForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])


class JointActionForm(FlaskForm):
    title = StringField(_l("Joint action"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    goals = SelectMultipleField(_l("SDGs"), coerce=int)
    lead_organisation_id = SelectField(_l("Lead organisation"), coerce=int, default=0)
    partners = SelectMultipleField(_l("Partner organisations"), coerce=int)
