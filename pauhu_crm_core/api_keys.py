"""API keys: create one for a workspace, list them, revoke one, authenticate a token.

A token is ``pcrm_<key id>_<secret>``. It is shown once, by ``create``; the
store keeps only a SHA-256 digest of the secret, so a leaked database does
not leak working credentials. Keys are not scoped by a unit of work's
workspace: a request is authenticated before its workspace is trusted, and
the key then says which workspace it belongs to.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from .entities import ApiKey
from .errors import NotFound, Unauthorized, ValidationFailed
from .ids import new_id
from .normalise import ID_PATTERN, text
from .normalise import workspace_id as parse_workspace_id
from .ports import Clock, Store
from .services.context import new_workspace

__all__ = [
    "INVALID_TOKEN_MESSAGE",
    "TOKEN_PREFIX",
    "ApiKey",
    "ApiKeyService",
    "format_token",
    "hash_secret",
    "parse_token",
]

TOKEN_PREFIX = "pcrm_"
SECRET_BYTES = 32
"""256 random bits per secret (``secrets.token_urlsafe`` makes 43 characters of them)."""

INVALID_TOKEN_MESSAGE = "the API key is malformed, unknown or revoked"
"""The one message for every rejected token, so a caller learns nothing about which part failed."""

# The key id is a UUID (``ids.new_id``), which has no ``_``; the secret is url-safe
# base64, which may. The length bound keeps absurd input away from the database.
_TOKEN = re.compile(
    r"pcrm_(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"_(?P<secret>[A-Za-z0-9_-]{43,128})"
)

# Compared against when no key has the token's id, so that an unknown id costs the
# same hashing and comparison as a wrong secret.
_NO_SUCH_KEY_HASH = "0" * 64


def format_token(key_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}{key_id}_{secret}"


def parse_token(token: str) -> tuple[str, str] | None:
    """``(key id, secret)`` of a well-formed token, else ``None``."""
    match = _TOKEN.fullmatch(token)
    return None if match is None else (match["id"], match["secret"])


def hash_secret(secret: str) -> str:
    """The stored form of a secret: its SHA-256 hex digest.

    A plain fast hash is enough here, unlike for passwords: the secret is 256
    random bits, so there is no dictionary to try and no brute force that a
    slow, salted hash would need to slow down.
    """
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


class ApiKeyService:
    """API keys of every workspace (``crm.api_keys``); only their hashes are stored."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def create(self, workspace_id: str, name: str | None = None) -> tuple[ApiKey, str]:
        """A new key for ``workspace_id`` (created if need be) and its token, shown only now."""
        _check_workspace_id(workspace_id)
        name = _key_name(name)
        now = self._now()
        key = ApiKey(id=new_id(now), workspace_id=workspace_id, name=name, created_at=now)
        secret = secrets.token_urlsafe(SECRET_BYTES)
        async with self._store.credentials() as uow:
            await uow.ensure_workspace(new_workspace(workspace_id, now))
            await uow.api_keys.add(key, hash_secret(secret))
            await uow.commit()
        return key, format_token(key.id, secret)

    async def list(self, workspace_id: str | None = None) -> Sequence[ApiKey]:
        """The keys of ``workspace_id``, or of every workspace; newest first."""
        if workspace_id is not None:
            _check_workspace_id(workspace_id)
        async with self._store.credentials(read_only=True) as uow:
            return await uow.api_keys.list(workspace_id)

    async def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key from now on; revoking it again keeps the first ``revoked_at``."""
        revoked: ApiKey | None = None
        if ID_PATTERN.fullmatch(key_id):
            async with self._store.credentials() as uow:
                revoked = await uow.api_keys.revoke(key_id, self._now())
                await uow.commit()
        if revoked is None:
            raise NotFound("API key", key_id)
        return revoked

    async def authenticate(self, token: str) -> ApiKey:
        """The live key ``token`` belongs to; ``Unauthorized`` (one message) otherwise."""
        parsed = parse_token(token)
        if parsed is None:
            raise Unauthorized(INVALID_TOKEN_MESSAGE)
        key_id, secret = parsed
        async with self._store.credentials(read_only=True) as uow:
            stored = await uow.api_keys.get(key_id)
        expected = _NO_SUCH_KEY_HASH if stored is None else stored.secret_hash
        matches = hmac.compare_digest(hash_secret(secret).encode(), expected.encode())
        if stored is None or not matches or stored.key.revoked_at is not None:
            raise Unauthorized(INVALID_TOKEN_MESSAGE)
        return stored.key

    def _now(self) -> datetime:
        return self._clock.now().astimezone(UTC)


def _check_workspace_id(workspace_id: str) -> None:
    try:
        parse_workspace_id(workspace_id)
    except ValueError as exc:
        raise ValidationFailed.single("workspace_id", str(exc)) from None


def _key_name(name: object) -> str | None:
    if name is None:
        return None
    try:
        return text(name)
    except ValueError as exc:
        raise ValidationFailed.single("name", str(exc)) from None
