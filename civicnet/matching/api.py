"""``POST /api/v1/classify``: SDG and cluster suggestions for activity texts (public, no state)."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..errors import DomainError, Invalid
from . import services

MAX_TEXTS = 64
MAX_REQUEST_BYTES = 1_000_000

bp = Blueprint("api_matching", __name__, url_prefix="/api/v1/classify",
               description="SDG and thematic-cluster suggestions for activity descriptions")


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"


class ClassifyRequestSchema(Schema):
    texts = fields.List(fields.String(allow_none=True), required=True,
                        validate=validate.Length(min=1, max=MAX_TEXTS))
    network = fields.String(load_default=services.DEFAULT_NETWORK, validate=validate.Length(max=64))
    lang = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["ko", "en"]))


class GoalScoreSchema(Schema):
    goal = fields.Integer()
    score = fields.Float()


class ClusterScoreSchema(Schema):
    key = fields.String()
    score = fields.Float()


class ReasonSchema(Schema):
    target = fields.String()
    text = fields.String()
    words = fields.List(fields.String(), metadata={"description": "words of the text that speak most for the goal"})


class ClassificationSchema(Schema):
    id = fields.Raw(allow_none=True)
    sdgs = fields.List(fields.Nested(GoalScoreSchema))
    suggested = fields.List(fields.Integer())
    clusters = fields.List(fields.Nested(ClusterScoreSchema))
    reasons = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(ReasonSchema)))


class ClassifyResponseSchema(Schema):
    results = fields.List(fields.Nested(ClassificationSchema))


@bp.route("")
class Classify(MethodView):
    @bp.arguments(ClassifyRequestSchema)
    @bp.response(200, ClassifyResponseSchema)
    def post(self, args):
        """Classify up to 64 texts (each up to 20,000 characters) for a network's SDGs and clusters"""
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            raise PayloadTooLarge("What you sent is too large.")
        texts = args["texts"]
        if any(t is not None and len(t) > services.MAX_TEXT_CHARS for t in texts):
            raise Invalid("Each text may have at most %(n)s characters.", field="texts",
                          n=services.MAX_TEXT_CHARS)
        results = services.classify_texts(texts, args["network"], lang=args.get("lang"),
                                          ids=list(range(len(texts))))
        return {"results": results}
