"""Bearer-token authentication for organiser API routes, scoped to one network."""
from __future__ import annotations

from flask import g, request

from ..accounts.models import ApiToken
from ..accounts.services import api_token_user
from ..errors import DomainError, NotFound
from ..networks.models import Network
from ..networks.services import get_network


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def token_network(slug: str) -> tuple[Network, ApiToken]:
    """The network ``slug`` if the request's bearer token belongs to it; 401/404 otherwise."""
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header.lower().startswith("bearer ") else None
    token = api_token_user(raw)
    if token is None:
        raise Unauthorized("A valid organiser API token is needed (Authorization: Bearer ...).")
    network = get_network(slug)
    if token.network_id != network.id:
        # Same answer as for a missing network: other councils' networks stay invisible.
        raise NotFound("There is no network called '%(slug)s'.", slug=slug)
    # Organiser reads of personal data through the API are in the audit log too.
    g.audit_network, g.audit_user_id, g.audit_via = network, token.user_id, "api"
    return network, token
