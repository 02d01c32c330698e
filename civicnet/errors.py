"""Domain errors raised by services, mapped to responses in one place."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

# Headers of an HTTP error that the client needs (405 Allow, 429/503 Retry-After, 401 challenge).
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class DomainError(Exception):
    """A failure the user can act on. ``message`` is an English msgid translated on display."""

    status = 400
    code = "invalid"
    retry_after: int | None = None  # seconds, sent as Retry-After (busy, rate limited)

    def __init__(self, message: str, *, field: str | None = None, **params) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params

    def translated(self) -> str:
        return gettext(self.message, **self.params)

    def untranslated(self) -> str:
        """The English message with its parameters filled in (CLI output, import reports)."""
        return self.message % self.params if self.params else self.message


class BadRequest(DomainError):
    """The request itself cannot be used (unstorable characters, values out of range)."""

    status = 400
    code = "bad_request"


class Invalid(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class ErrorBodySchema(Schema):
    """Every JSON error body, as sent (documented in the OpenAPI document as ``Error``)."""

    error = fields.String(required=True, metadata={"description": "Machine-readable code, e.g. invalid, not_found"})
    message = fields.String(required=True, metadata={"description": "Explanation in the request's language"})
    field = fields.String(metadata={"description": "The request field the error is about"})
    errors = fields.Dict(metadata={"description": "Field errors of the request, by location and field"})


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        from .extensions import db

        db.session.rollback()
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
        if _wants_json():
            body = {"error": error.code, "message": error.translated()}
            if error.field:
                body["field"] = error.field
            return jsonify(body), error.status, headers
        return (render_template("error.html", status=error.status, message=error.translated()), error.status,
                headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        messages = {
            400: gettext("The request could not be understood."),
            403: gettext("You do not have access to this page."),
            404: gettext("The page you asked for does not exist."),
            405: gettext("This method is not allowed here."),
            413: gettext("What you sent is too large."),
            422: gettext("Some of what you sent is not valid."),
            429: gettext("Too many requests. Please wait a moment and try again."),
        }
        status = error.code or 500
        message = messages.get(status, error.description or "")
        headers = [(k, v) for k, v in error.get_headers() if k in _KEPT_HEADERS]
        if _wants_json():
            body = {"error": error.name.lower().replace(" ", "_"), "message": message}
            # flask-smorest/webargs put field errors in error.data
            data = getattr(error, "data", None)
            if isinstance(data, dict) and data.get("messages"):
                body["errors"] = data["messages"]
            return jsonify(body), status, headers
        return render_template("error.html", status=status, message=message), status, headers

    @app.errorhandler(500)
    def _server_error(error):
        from .extensions import db

        db.session.rollback()
        message = gettext("Something went wrong on our side. Nothing was saved; please try again.")
        if _wants_json():
            return jsonify({"error": "server_error", "message": message}), 500
        return render_template("error.html", status=500, message=message), 500
