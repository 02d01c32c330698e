"""Who may see what: organisers act only inside networks they belong to."""
from __future__ import annotations

from functools import wraps

from flask import g
from flask_login import current_user

from ..errors import Forbidden, NotFound
from ..networks.models import Network
from ..networks.services import get_network
from .models import Role


def organiser_network(slug: str, *, role: str | None = None) -> Network:
    """The network ``slug`` if the logged-in user organises it (optionally with ``role``).

    Anyone else gets the same 404 as for a missing network, so slugs of other councils'
    networks are not revealed.
    """
    network = get_network(slug)
    user_role = current_user.role_in(network) if current_user.is_authenticated else None
    if user_role is None:
        raise NotFound("There is no network called '%(slug)s'.", slug=slug)
    if role == Role.ADMIN and user_role != Role.ADMIN:
        raise Forbidden("Only a network admin can do this.")
    return network


def organiser_required(role: str | None = None):
    """View decorator for routes with a ``slug`` argument: loads ``g.network`` or refuses.

    Not-logged-in visitors are sent to the login page by Flask-Login.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from ..extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            g.network = organiser_network(kwargs["slug"], role=role)
            return view(*args, **kwargs)

        return wrapped

    return decorator
