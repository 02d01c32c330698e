"""Registration, edit and organiser forms. Field checks reuse ``validation`` (one rule set)."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, HiddenField, RadioField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, TextAreaField, widgets)
from wtforms.validators import ValidationError

from ..errors import Invalid
from . import validation
from .consent import ConsentChoices
from .models import AgeBand, OrganisationKind

KIND_LABELS = {
    OrganisationKind.NGO: _l("Civic group / NGO"),
    OrganisationKind.COOPERATIVE: _l("Cooperative"),
    OrganisationKind.SOCIAL_ENTERPRISE: _l("Social enterprise"),
    OrganisationKind.COMPANY: _l("Company"),
    OrganisationKind.SCHOOL: _l("School"),
    OrganisationKind.PUBLIC_BODY: _l("Public body"),
    OrganisationKind.VILLAGE_GROUP: _l("Village group"),
    OrganisationKind.CLUB: _l("Club or society"),
    OrganisationKind.INDIVIDUAL: _l("Individual citizen"),
}
STATUS_LABELS = {"registered": _l("Registered"), "approved": _l("Approved"), "withdrawn": _l("Withdrawn")}
SOURCE_LABELS = {"chosen": _l("chosen by the group"), "suggested": _l("suggested and kept"),
                 "organiser": _l("set by an organiser")}


class Check:
    """A WTForms validator that runs a ``validation`` function and keeps its cleaned value."""

    def __init__(self, clean: Callable[..., object], **kwargs) -> None:
        self.clean, self.kwargs = clean, kwargs
        if kwargs.get("required"):
            # Marks the field: the label says "required" and the input gets ``required``.
            self.field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        try:
            field.cleaned = self.clean(field.data, field.name, **self.kwargs)
        except Invalid as exc:
            raise ValidationError(exc.translated()) from None


class MarkRequired:
    """Flags a field required (label mark, ``required`` attribute); its own check does the rest."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        pass


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form) -> None:  # choices are checked by Check(clean_goals)
        pass


def _text(**kw):
    return Check(validation.clean_text, **kw)


class DetailsForm(FlaskForm):
    name = StringField(_l("Name of the group"), validators=[_text(required=True)],
                       render_kw={"maxlength": 200, "autocomplete": "organization"})
    kind = SelectField(_l("Kind of group"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
                       validate_choice=False, validators=[MarkRequired(), Check(validation.clean_kind)])
    representative = StringField(_l("Representative or contact person"), validators=[_text()],
                                 render_kw={"maxlength": 100, "autocomplete": "name"})
    email = StringField(_l("E-mail"), validators=[Check(validation.clean_email)],
                        render_kw={"type": "email", "maxlength": 254, "autocomplete": "email", "inputmode": "email"})
    phone = StringField(_l("Phone"), validators=[Check(validation.clean_phone)],
                        render_kw={"type": "tel", "maxlength": 32, "autocomplete": "tel", "inputmode": "tel"})
    district = StringField(_l("District (gu) or area"), validators=[_text()], render_kw={"maxlength": 100})
    size = StringField(_l("Number of members"), validators=[Check(validation.clean_size)],
                       render_kw={"inputmode": "numeric", "maxlength": 9})
    website = StringField(_l("Website or social media page (optional)"), validators=[Check(validation.clean_website)],
                          render_kw={"maxlength": 300, "inputmode": "url"})
    # No ``maxlength`` here: a browser would cut a longer paste silently. The live counter
    # (static/charcount.js) and the server's message tell the limit and keep the text.
    activities = TextAreaField(_l("Main activities"), validators=[_text(required=True, multiline=True)],
                               render_kw={"rows": 7, "data-maxlength": validation.LIMITS["activities"],
                                          "data-counter": "activities-count"})

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.email.cleaned or self.phone.cleaned):
            self.email.errors.append(str(_l("Please give an e-mail address or a phone number so we can reach you.")))
            return False
        return ok

    def cleaned(self) -> dict:
        return {name: getattr(self, name).cleaned for name in validation.DETAIL_FIELDS}


class EditDetailsForm(DetailsForm):
    """The edit page's details; ``seen`` is the version of the details the page showed
    (``services.details_version``), so a save made on a stale page is refused, not applied."""

    seen = HiddenField()


class GoalsForm(FlaskForm):
    goals = MultiCheckboxField(_l("SDGs"), choices=[SelectChoice(str(n), str(n)) for n in range(1, 18)], coerce=str,
                               validators=[Check(validation.clean_goals, required=True)])

    def selected(self) -> list[int]:
        """The SDG numbers ticked (or preset) in the form, to show it again; junk is ignored."""
        return [int(n) for n in self.goals.data or [] if str(n).isdigit()]


class StateForm(FlaskForm):
    """Carries the signed registration state between steps."""
    state = HiddenField()


class RegistrationGoalsForm(GoalsForm, StateForm):
    pass


class PledgeForm(StateForm):
    signer_name = StringField(_l("Name of the person signing"), validators=[_text(required=True)],
                              render_kw={"maxlength": 100, "autocomplete": "name"})
    joint_action = TextAreaField(_l("A joint action you would like to take part in this year (optional)"),
                                 validators=[_text(multiline=True)], render_kw={"maxlength": 2000, "rows": 3})
    consent = BooleanField(_l("I agree to the collection and use of the personal data above for this purpose."),
                           validators=[MarkRequired()])
    public_listing = BooleanField(_l("List our group (name, kind, district, SDGs) in the network's public directory."))

    def validate_consent(self, field) -> None:
        if not field.data:
            raise ValidationError(str(_l("Please agree to the use of your personal data to register.")))


AGE_BAND_LABELS = {AgeBand.FROM_14: _l("14 or older"), AgeBand.UNDER_14: _l("Under 14")}


class RegistrationPledgeForm(PledgeForm):
    """The last registration step: pledge, the required consent, each optional consent apart,
    and for individuals the age band and (under 14) the legal guardian's consent."""

    website_consent = BooleanField(_l("I agree that our website address is collected and used as described "
                                      "(optional)."))
    public_listing = BooleanField(_l("I agree that our group is listed in the network's public directory "
                                     "(optional)."))
    telegram_consent = BooleanField(_l("I agree to receive meeting notices on Telegram (optional)."))
    age_band = RadioField(_l("Your age"), choices=[SelectChoice(band.value, label) for band, label in AGE_BAND_LABELS.items()],
                          validate_choice=False)
    guardian_name = StringField(_l("Name of your parent or legal guardian"),
                                validators=[Check(validation.clean_text)],
                                render_kw={"maxlength": 100, "autocomplete": "off"})
    guardian_consent = BooleanField(_l("I am the parent or legal guardian and agree to the collection and use of "
                                       "the child's personal data above."))

    def check_individual(self, kind: str) -> bool:
        """The age questions, asked of individual citizens only (the kind comes from step 1)."""
        if kind != "individual":
            return True
        if self.age_band.data not in {band.value for band in AgeBand}:
            self.age_band.errors = [str(_l("Please tell us whether you are under 14."))]
            return False
        if self.age_band.data == AgeBand.UNDER_14:
            ok = True
            if not (getattr(self.guardian_name, "cleaned", None) or "").strip():
                self.guardian_name.errors = [str(_l("Please give the name of your parent or legal guardian."))]
                ok = False
            if not self.guardian_consent.data:
                self.guardian_consent.errors = [str(_l("Under 14, a parent or legal guardian must agree as well."))]
                ok = False
            return ok
        return True

    def choices(self, kind: str) -> ConsentChoices:
        under_14 = kind == "individual" and self.age_band.data == AgeBand.UNDER_14
        return ConsentChoices(
            website=bool(self.website_consent.data), listing=bool(self.public_listing.data),
            telegram=bool(self.telegram_consent.data),
            age_band=self.age_band.data if kind == "individual" else None,
            guardian_name=getattr(self.guardian_name, "cleaned", None) if under_14 else None,
            guardian=bool(self.guardian_consent.data) if under_14 else False)


class OptionalConsentsForm(FlaskForm):
    """On the edit page: give or withdraw the optional consents."""

    listing = BooleanField(_l("List our group in the network's public directory."))
    telegram = BooleanField(_l("Receive meeting notices on Telegram."))


class RenewPledgeForm(FlaskForm):
    """Renew last edition's pledge on the edit page: its SDGs come pre-ticked and can be changed."""
    renew_goals = MultiCheckboxField(_l("SDGs"), choices=[SelectChoice(str(n), str(n)) for n in range(1, 18)],
                                     coerce=str, validators=[Check(validation.clean_goals, required=True)])
    signer_name = StringField(_l("Name of the person signing"), validators=[_text(required=True)],
                              render_kw={"maxlength": 100, "autocomplete": "name"})

    def selected(self) -> list[int]:
        return [int(n) for n in self.renew_goals.data or [] if str(n).isdigit()]


class ClusterForm(FlaskForm):
    cluster = SelectField(_l("Thematic cluster"), validate_choice=True)


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Check(validation.clean_text, max_length=500,
                                                                     multiline=True)], render_kw={"rows": 2})


class ConfirmForm(FlaskForm):
    confirm = BooleanField(_l("Yes, I am sure."))

    def validate_confirm(self, field) -> None:
        if not field.data:
            raise ValidationError(str(_l("Please tick the box to confirm.")))
