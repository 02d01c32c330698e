"""Secret links and API tokens: only a SHA-256 digest is ever stored, the token itself once shown."""
from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe token (``nbytes`` of randomness)."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """What the database keeps and looks a presented token up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
