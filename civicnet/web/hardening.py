"""What every request and response gets, in one place (registered first by ``create_app``).

- **Input that cannot be stored**: NUL bytes and lone UTF-16 surrogates in the path, the query
  string, form fields or a JSON body are refused with a 400 in the user's language before any
  view runs, so nothing is half-written and PostgreSQL never sees them.
- **Bounded path integers**: ``<int:...>`` matches only 0..2,147,483,647 (PostgreSQL INTEGER), so
  ``/o/x/organisations/99999999999`` is an ordinary 404 instead of a database error.
- **Database values out of range** that still reach the database (an integer typed into a form,
  a date far in the past) become a 400, never a 500; statement parameters are never logged
  (``hide_parameters``) and a failing request logs only the exception's type and frames.
- **Security headers** on every response: CSP (no inline script), X-Frame-Options,
  X-Content-Type-Options, Referrer-Policy, HSTS in production; a 405 keeps its ``Allow`` header.
- **Rate limits** (Flask-Limiter; Redis when ``REDIS_URL``/``RATELIMIT_STORAGE_URI`` is set, memory
  otherwise) on login, public registration and the classifier, per client and per account.
"""
from __future__ import annotations

import hashlib
import logging
import traceback
import types

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.routing import IntegerConverter, UnicodeConverter

from ..errors import BadRequest

PG_INTEGER_MAX = 2_147_483_647
# Path segments (slugs, file names) are short; a longer one is simply not a page.
MAX_PATH_SEGMENT = 200

log = logging.getLogger(__name__)


class BoundedIntegerConverter(IntegerConverter):
    """``<int:x>`` limited to what a PostgreSQL INTEGER column holds (0..2^31-1 by default)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=PG_INTEGER_MAX if max is None else max, signed=signed)


class BoundedStringConverter(UnicodeConverter):
    """The default ``<name>`` converter, at most 200 characters."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):  # noqa: A002
        super().__init__(map, minlength=minlength, maxlength=maxlength or MAX_PATH_SEGMENT, length=length)


# --- characters that cannot be stored -----------------------------------------------------

def _unstorable(text: str) -> bool:
    """True for a NUL byte or a lone surrogate (neither can be stored or encoded as UTF-8)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_strings(value):
    """Every string (keys and values) in a parsed JSON document, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _refuse_unstorable_input() -> None:
    bad = BadRequest("What you sent contains characters that cannot be stored (a NUL byte or a "
                     "broken character). Please remove them and try again.")
    if _unstorable(request.path):
        raise bad
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and _unstorable(value):
            raise bad
    for key, value in request.args.items(multi=True):
        if _unstorable(key) or _unstorable(value):
            raise bad
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        for key, value in request.form.items(multi=True):
            if _unstorable(key) or _unstorable(value):
                raise bad
        if request.is_json:
            try:
                data = request.get_json(silent=True)
            except RecursionError:
                raise BadRequest("The request could not be understood.") from None
            if any(_unstorable(s) for s in _json_strings(data)):
                raise bad


# --- logging without personal data -----------------------------------------------------------

def _redacted_traceback(exc: BaseException) -> str:
    """Frames and exception types only: exception messages can carry the values that failed
    (an INSERT's parameters, a cell's text, an e-mail address)."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        stack = traceback.extract_tb(current.__traceback__)
        lines.append("".join(traceback.format_list(stack)))
        lines.append(f"{type(current).__module__}.{type(current).__qualname__} (message withheld)\n")
        current = current.__cause__ or current.__context__
        if current is not None:
            lines.append("caused by / during handling of:\n")
    return "".join(lines)


def _log_exception(self: Flask, exc_info) -> None:
    exc = exc_info[1] if isinstance(exc_info, tuple) else exc_info
    self.logger.error("Exception on %s %s [%s]\n%s", request.method, request.endpoint or "?",
                      request.path if not request.view_args else request.url_rule.rule,
                      _redacted_traceback(exc) if exc is not None else "")


# --- security headers ------------------------------------------------------------------------

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("ENV_NAME") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


# --- rate limits -----------------------------------------------------------------------------

def _form_key(*fields: str):
    """A limiter key from a submitted field (e-mail of a login, contact of a registration),
    hashed so that no personal data is written to the limiter's storage."""

    def key() -> str:
        data = request.form if request.form else (request.get_json(silent=True) or {})
        if not isinstance(data, dict) and not hasattr(data, "get"):
            data = {}
        for name in fields:
            value = data.get(name)
            if isinstance(value, str) and value.strip():
                digest = hashlib.sha256(value.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
                return f"{name}:{digest}"
        return "anonymous:" + get_remote_address()

    return key


def _apply_limits(app: Flask, limiter: Limiter) -> None:
    config = app.config
    views = app.view_functions

    def limit(endpoint: str, value: str, *, shared: str | None = None, **kw) -> None:
        # Flask-Limiter checks a decorated limit in the wrapper it returns: it must replace the view.
        if endpoint in views and value:
            decorator = limiter.shared_limit(value, shared, **kw) if shared else limiter.limit(value, **kw)
            views[endpoint] = decorator(views[endpoint])

    failed = lambda response: response.status_code in {401, 422}  # noqa: E731
    limit("accounts.login", config["RATELIMIT_LOGIN"], methods=["POST"], deduct_when=failed)
    limit("accounts.login", config["RATELIMIT_LOGIN_ACCOUNT"], methods=["POST"], deduct_when=failed,
          key_func=_form_key("email"), scope="login-account")
    for endpoint in ("organisations.register", "organisations.register_goals", "organisations.register_pledge",
                     "meetings_public.group_register"):
        limit(endpoint, config["RATELIMIT_REGISTER"], methods=["POST"], shared="register")
    # One budget per client across every way of registering (form steps, meeting sign-up, API).
    limit("api_organisations.Organisations", config["RATELIMIT_REGISTER"], methods=["POST"], shared="register")
    limit("api_organisations.Organisations", config["RATELIMIT_REGISTER_ACCOUNT"], methods=["POST"],
          key_func=_form_key("email", "phone"), scope="register-account")
    limit("organisations.register", config["RATELIMIT_REGISTER_ACCOUNT"], methods=["POST"],
          key_func=_form_key("email", "phone"), scope="register-account")
    limit("api_matching.Classify", config["RATELIMIT_CLASSIFY"], methods=["POST"])


def _limiter_for(app: Flask) -> Limiter:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "civicnet-limits")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A Redis outage must not take logins down: count in memory meanwhile.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    return limiter


def init_app(app: Flask) -> None:
    """Called by create_app before any blueprint is registered (converters bind at registration)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.url_map.converters["default"] = BoundedStringConverter
    app.url_map.converters["string"] = BoundedStringConverter

    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("hide_parameters", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.log_exception = types.MethodType(_log_exception, app)

    # flask-smorest documents error responses with this schema: the body our handlers send.
    from ..errors import ErrorBodySchema
    from ..extensions import api

    api.ERROR_SCHEMA = ErrorBodySchema
    limiter = _limiter_for(app)
    app.before_request(_refuse_unstorable_input)
    app.after_request(_security_headers)

    @app.errorhandler(sa.exc.DataError)
    def _data_error(error):
        # A value the database cannot hold (out of range, malformed) that no check caught.
        log.warning("refused a value the database cannot hold on %s: %s", request.endpoint,
                    type(getattr(error, "orig", error)).__name__)
        return current_app.handle_user_exception(BadRequest("Some of what you sent is not valid."))

    @app.errorhandler(OverflowError)
    def _overflow(error):
        log.warning("refused an out-of-range value on %s", request.endpoint)
        return current_app.handle_user_exception(BadRequest("Some of what you sent is not valid."))

    app.extensions["civicnet_limiter"] = limiter


def apply_limits(app: Flask) -> None:
    """Called by create_app after every domain registered its views (limits name endpoints)."""
    _apply_limits(app, app.extensions["civicnet_limiter"])
