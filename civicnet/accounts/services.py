"""Organiser accounts: creation, password check (argon2) and network-scoped API tokens.

API: ``create_user(email, name, password, *, network=None, role="staff")`` (or adds the role
to an existing account), ``authenticate(email, password) -> User | None``,
``create_api_token(user, network, name) -> (ApiToken, raw_token)`` (raw token shown once, only
its SHA-256 stored), ``api_token_user(raw) -> ApiToken | None`` and ``revoke_api_token``.
Services flush, callers commit.
"""
from __future__ import annotations

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import Invalid
from ..extensions import db
from ..networks.models import Network
from ..organisations.validation import clean_email, clean_text
from ..timeutil import utcnow
from ..tokens import new_token, token_digest
from .models import ApiToken, Membership, Role, User

_hasher = PasswordHasher()
# A real hash to verify against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise Invalid("A password needs at least %(min)d characters.", field="password", min=MIN_PASSWORD)
    return _hasher.hash(password)


def create_user(email: str, name: str, password: str, *, network: Network | None = None,
                role: str = Role.STAFF) -> User:
    email = clean_email(email)
    if not email:
        raise Invalid("Please enter a valid e-mail address, like name@example.org.", field="email")
    if role not in {r.value for r in Role}:
        raise Invalid("The role must be admin or staff.", field="role")
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=clean_text(name, "name", required=True, max_length=100),
                    password_hash=hash_password(password))
        db.session.add(user)
    if network is not None:
        membership = next((m for m in user.memberships if m.network_id == network.id), None)
        if membership is None:
            user.memberships.append(Membership(network_id=network.id, role=role))
        else:
            membership.role = role
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def create_api_token(user: User, network: Network, name: str = "api") -> tuple[ApiToken, str]:
    if user.role_in(network) is None:
        raise Invalid("This account does not organise that network.", field="network")
    raw = "cn_" + new_token(32)
    token = ApiToken(user_id=user.id, network_id=network.id, name=clean_text(name, "name", max_length=100) or "api",
                     token_hash=token_digest(raw), created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    return token, raw


def api_token_user(raw: str | None) -> ApiToken | None:
    """The live token for ``raw`` whose user still organises its network, else None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_digest(raw)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.user.role_in(token.network) is None:
        return None
    token.last_used_at = utcnow()
    return token


def revoke_api_token(token: ApiToken) -> None:
    token.revoked_at = token.revoked_at or utcnow()
    db.session.flush()
