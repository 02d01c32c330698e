"""Marshmallow schemas of API v1 (requests are checked again by the services)."""
from __future__ import annotations

from datetime import timezone

from marshmallow import Schema, fields, validate

from ..organisations.models import OrganisationKind, OrganisationStatus
from ..organisations.validation import LIMITS, MAX_SIZE

KINDS = [k.value for k in OrganisationKind]


class UtcDateTime(fields.DateTime):
    """Times are stored as naive UTC; the API sends them as RFC 3339 with the offset (+00:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class GoalSchema(Schema):
    number = fields.Int()
    short_ko = fields.Str()
    short_en = fields.Str()
    title_ko = fields.Str()
    title_en = fields.Str()
    colour = fields.Str()


class ClusterSchema(Schema):
    key = fields.Str()
    name_ko = fields.Str()
    name_en = fields.Str()
    description_ko = fields.Str()
    description_en = fields.Str()
    goals = fields.List(fields.Int(), attribute="goal_numbers")


class NetworkSchema(Schema):
    slug = fields.Str()
    name_ko = fields.Str()
    name_en = fields.Str()
    city = fields.Str()
    default_language = fields.Str()
    current_edition = fields.Int()
    pledge_version = fields.Str()
    pledge_text_ko = fields.Str()
    pledge_text_en = fields.Str()
    clusters = fields.List(fields.Nested(ClusterSchema))


def _text(field: str, required: bool = False, **kw):
    # Required texts must have a character (the server also refuses one made only of spaces).
    return fields.Str(required=required, validate=validate.Length(min=1 if required else None, max=LIMITS[field]),
                      **kw)


class PledgeInSchema(Schema):
    signer_name = _text("signer_name", required=True)
    joint_action = _text("joint_action", load_default="")
    goals = fields.List(fields.Int(validate=validate.Range(1, 17)), load_default=list)


class RegistrationSchema(Schema):
    name = _text("name", required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(KINDS))
    representative = _text("representative", load_default="")
    email = _text("email", load_default=None, allow_none=True)
    phone = _text("phone", load_default=None, allow_none=True)
    district = _text("district", load_default="")
    size = fields.Int(load_default=None, allow_none=True, validate=validate.Range(0, MAX_SIZE))
    website = _text("website", load_default=None, allow_none=True)
    activities = _text("activities", required=True)
    language = fields.Str(load_default="ko", validate=validate.OneOf(["ko", "en"]))
    public_listing = fields.Bool(load_default=False)
    goals = fields.List(fields.Int(validate=validate.Range(1, 17)), required=True,
                        validate=validate.Length(min=1, max=17))
    consent = fields.Bool(required=True, metadata={"description": "Must be true: agreement to the consent text"})
    consent_version = fields.Str(required=True, validate=validate.Length(max=32))
    pledge = fields.Nested(PledgeInSchema, load_default=None, allow_none=True)


class RegistrationOutSchema(Schema):
    id = fields.Int()
    status = fields.Str()
    goals = fields.List(fields.Int())
    edit_token = fields.Str(metadata={"description": "Private edit token, shown only once"})
    edit_url = fields.Str()
    pledged = fields.Bool()


class GoalLinkSchema(Schema):
    goal = fields.Int(attribute="goal_number")
    selected = fields.Bool()
    source = fields.Str()
    suggested = fields.Bool()
    suggested_score = fields.Float(allow_none=True)


class OrganisationSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    kind = fields.Str()
    representative = fields.Str()
    email = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True)
    district = fields.Str()
    size = fields.Int(allow_none=True)
    website = fields.Str(allow_none=True)
    activities = fields.Str()
    language = fields.Str()
    status = fields.Str()
    public_listing = fields.Bool()
    cluster = fields.Function(lambda o: o.cluster.key if o.cluster else None)
    goals = fields.List(fields.Int(), attribute="goal_numbers")
    goal_links = fields.List(fields.Nested(GoalLinkSchema))
    consent_version = fields.Str(allow_none=True)
    consented_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class OrganisationQuerySchema(Schema):
    q = fields.Str(load_default="", validate=validate.Length(max=200))
    status = fields.Str(load_default=None, validate=validate.OneOf([s.value for s in OrganisationStatus]))
    kind = fields.Str(load_default=None, validate=validate.OneOf(KINDS))
    goal = fields.Int(load_default=None, validate=validate.Range(1, 17))
    cluster = fields.Str(load_default=None, validate=validate.Length(max=64))
    pledged = fields.Bool(load_default=None)
    page = fields.Int(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Int(load_default=50, validate=validate.Range(1, 200))


class OrganisationPageSchema(Schema):
    items = fields.List(fields.Nested(OrganisationSchema))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()
    pages = fields.Int()


class PledgeSchema(Schema):
    id = fields.Int()
    organisation_id = fields.Int()
    organisation_name = fields.Function(lambda p: p.organisation.name)
    edition = fields.Int()
    pledge_version = fields.Str()
    signer_name = fields.Str()
    signed_at = UtcDateTime()
    joint_action = fields.Str()
    goals = fields.Function(lambda p: [g.number for g in p.goals])
    withdrawn_at = UtcDateTime(allow_none=True)


class PledgeQuerySchema(Schema):
    edition = fields.Int(load_default=None, validate=validate.Range(2000, 2100))
    include_withdrawn = fields.Bool(load_default=False)
