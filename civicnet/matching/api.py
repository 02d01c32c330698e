"""``POST /api/v1/classify``: SDG and cluster suggestions for activity texts (public, no state)."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..errors import DomainError, Invalid
from ..organisations.validation import LIMITS
from . import services

# Bounded so that one request is a few seconds of work at most (about 0.5 ms per character on
# a busy 2-core machine): a text as long as a group's activities, a batch of a few groups.
MAX_TEXTS = 16
MAX_TEXT_CHARS = LIMITS["activities"]
MAX_TOTAL_CHARS = 10_000
MAX_REQUEST_BYTES = 200_000
CHUNK_CHARS = 2_500

bp = Blueprint("api_matching", __name__, url_prefix="/api/v1/classify",
               description="SDG and thematic-cluster suggestions for activity descriptions")


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"


class Busy(DomainError):
    status = 503
    code = "busy"
    retry_after = 2


class ClassifyRequestSchema(Schema):
    texts = fields.List(fields.String(allow_none=True, validate=validate.Length(max=MAX_TEXT_CHARS)),
                        required=True, validate=validate.Length(min=1, max=MAX_TEXTS),
                        metadata={"description": f"At most {MAX_TOTAL_CHARS} characters in all"})
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


@contextmanager
def _classification_slot():
    """At most CLASSIFY_CONCURRENCY classifications at once across the workers of this machine
    (file locks), so the other workers stay free for every other page; others get 503 at once."""
    slots = max(1, int(current_app.config.get("CLASSIFY_CONCURRENCY", 1)))
    os.makedirs(current_app.instance_path, exist_ok=True)
    for slot in range(slots):
        fh = open(os.path.join(current_app.instance_path, f"classify-{slot}.lock"), "a")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()
        return
    raise Busy("The classifier is busy. Please try again in a moment.")


def _chunks(texts: list) -> list[list[int]]:
    """Indexes of the texts in groups of about CHUNK_CHARS characters."""
    groups, current, size = [], [], 0
    for i, text in enumerate(texts):
        if current and size + len(text or "") > CHUNK_CHARS:
            groups.append(current)
            current, size = [], 0
        current.append(i)
        size += len(text or "")
    if current:
        groups.append(current)
    return groups


@bp.route("")
class Classify(MethodView):
    @bp.arguments(ClassifyRequestSchema)
    @bp.response(200, ClassifyResponseSchema)
    @bp.alt_response(429, description="Too many requests from this client; see Retry-After")
    @bp.alt_response(503, description="The classifier is busy or the request took too long; see Retry-After")
    def post(self, args):
        """Classify up to 16 texts (each up to 5,000 characters, 10,000 in all) for a network's SDGs and clusters"""
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            raise PayloadTooLarge("What you sent is too large.")
        texts = args["texts"]
        if sum(len(t or "") for t in texts) > MAX_TOTAL_CHARS:
            raise Invalid("Please send at most %(n)s characters in all.", field="texts", n=MAX_TOTAL_CHARS)
        budget = float(current_app.config.get("CLASSIFY_TIME_BUDGET", 10))
        results: list = [None] * len(texts)
        with _classification_slot():
            started = time.monotonic()
            for group in _chunks(texts):
                if time.monotonic() - started > budget:
                    raise Busy("Classifying took too long. Please send fewer or shorter texts.")
                for i, result in zip(group, services.classify_texts(
                        [texts[i] for i in group], args["network"], lang=args.get("lang"), ids=group)):
                    results[i] = result
        return {"results": results}
