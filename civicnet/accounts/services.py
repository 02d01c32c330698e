"""Organiser accounts: creation, password check (argon2) and network-scoped API tokens.

API: ``create_user(email, name, password, *, network=None, role="staff")`` (or adds the role
to an existing account), ``authenticate(email, password) -> User | None``,
``create_api_token(user, network, name) -> (ApiToken, raw_token)`` (raw token shown once, only
its SHA-256 stored), ``api_token_user(raw) -> ApiToken | None`` and ``revoke_api_token``.

Sessions: ``start_session(user, remember=, user_agent=)`` before ``login_user`` (the session's
token becomes part of the id Flask-Login stores), ``session_user(session_id)`` for the user loader,
``revoke_session``, ``revoke_sessions(user, keep=)``; ``change_password`` and ``deactivate_user``
revoke every other session and the user's remember cookies with them.
Services flush, callers commit.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import Forbidden, Invalid
from ..extensions import db
from ..networks.models import Network
from ..organisations.validation import clean_email, clean_text
from ..timeutil import utcnow
from ..tokens import new_token, token_digest
from .models import ApiToken, Membership, Role, User, UserSession

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


# --- sessions --------------------------------------------------------------------------------

# last_seen_at is written at most this often, not on every request.
SEEN_EVERY = timedelta(minutes=5)


def start_session(user: User, *, remember: bool = False, user_agent: str = "") -> UserSession:
    """A new revocable session; ``user.get_id()`` now names it (call before ``login_user``)."""
    raw = new_token(32)
    row = UserSession(user_id=user.id, token_hash=token_digest(raw), remember=bool(remember),
                      user_agent=(user_agent or "")[:200], created_at=utcnow(), last_seen_at=utcnow())
    db.session.add(row)
    db.session.flush()
    user.session_id = f"{user.id}:{raw}"
    user.current_session = row
    return row


def session_user(session_id: str | None) -> User | None:
    """The active user of a live session id ``"<user id>:<token>"``; None when revoked or unknown."""
    user_part, _, raw = (session_id or "").partition(":")
    if not user_part.isdigit() or not raw or len(raw) > 100 or len(user_part) > 10:
        return None
    row = db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == token_digest(raw)))
    if row is None or row.revoked_at is not None or row.user_id != int(user_part):
        return None
    user = row.user
    if user is None or not user.active:
        return None
    now = utcnow()
    if now - row.last_seen_at > SEEN_EVERY:
        row.last_seen_at = now
    user.session_id = session_id
    user.current_session = row
    return user


def active_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)).order_by(UserSession.last_seen_at.desc())))


def revoke_session(user: User, session_row_id: int) -> None:
    row = db.session.get(UserSession, session_row_id)
    if row is None or row.user_id != user.id:
        raise Forbidden("This is not one of your sessions.")
    row.revoked_at = row.revoked_at or utcnow()
    db.session.flush()


def revoke_sessions(user: User, *, keep: UserSession | None = None) -> int:
    """Revoke every live session of ``user`` (except ``keep``); returns how many."""
    stmt = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    result = db.session.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    db.session.flush()
    return result.rowcount or 0


def change_password(user: User, current: str, new: str, *, keep: UserSession | None = None) -> None:
    """Check the current password, set the new one, log every other browser out."""
    try:
        _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise Invalid("Your current password is not right.", field="current_password") from None
    user.password_hash = hash_password(new)
    revoke_sessions(user, keep=keep)


def deactivate_user(user: User) -> None:
    """The account can no longer log in; its sessions and API tokens stop working now."""
    user.active = False
    revoke_sessions(user)
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    db.session.flush()


# --- network administration (admins only; the views check the role) ------------------------

def network_members(network: Network) -> list[Membership]:
    return list(db.session.scalars(sa.select(Membership).join(User).where(Membership.network_id == network.id)
                                   .order_by(User.name, User.id)))


def _member(network: Network, user_id: int) -> Membership:
    membership = db.session.get(Membership, (user_id, network.id))
    if membership is None:
        from ..errors import NotFound

        raise NotFound("This account is not part of this network.")
    return membership


def set_role(network: Network, user_id: int, role: str, *, actor: User) -> Membership:
    if role not in {r.value for r in Role}:
        raise Invalid("The role must be admin or staff.", field="role")
    membership = _member(network, user_id)
    if membership.user_id == actor.id and role != Role.ADMIN:
        raise Invalid("You cannot take away your own admin role; ask another admin.", field="role")
    membership.role = role
    db.session.flush()
    return membership


def remove_member(network: Network, user_id: int, *, actor: User) -> None:
    """Take the account out of the network: its API tokens for the network stop working, and an
    account left with no network is deactivated (sessions and remember cookies revoked)."""
    membership = _member(network, user_id)
    if membership.user_id == actor.id:
        raise Invalid("You cannot remove your own account; ask another admin.", field="user")
    user = membership.user
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.network_id == network.id,
                                                 ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    user.memberships.remove(membership)
    db.session.flush()
    if not user.memberships:
        deactivate_user(user)
    else:
        revoke_sessions(user)


def network_tokens(network: Network) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.network_id == network.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))


def revoke_network_token(network: Network, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.network_id != network.id:
        from ..errors import NotFound

        raise NotFound("There is no such API token in this network.")
    revoke_api_token(token)
    return token


def user_names(ids: set[int]) -> dict[int, str]:
    """Organisers' names by id (for histories and logs shown to organisers)."""
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())
