"""Unsubscribe tokens: which contact of which workspace, signed so nobody can forge one.

A token is ``<payload>.<signature>`` in URL-safe base64, where the payload is
``workspace_id:contact_id`` and the signature an HMAC-SHA256 of it (first 16
bytes) under the workspace-independent unsubscribe secret. It needs no
lookup to verify and never expires: an unsubscribe link must keep working.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from .errors import ValidationFailed
from .normalise import ID_PATTERN, WORKSPACE_ID_PATTERN

_SIGNATURE_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def make_token(secret: str, workspace_id: str, contact_id: str) -> str:
    payload = f"{workspace_id}:{contact_id}".encode()
    return f"{_b64(payload)}.{_b64(_signature(secret, payload))}"


def read_token(secret: str, token: str) -> tuple[str, str]:
    """``(workspace_id, contact_id)`` of a genuine token; ``ValidationFailed`` on ``token``
    for anything forged, tampered with or malformed (one message for all)."""
    invalid = ValidationFailed.single("token", "is not a valid unsubscribe token")
    encoded_payload, dot, encoded_signature = token.partition(".")
    if not dot or len(token) > 512:
        raise invalid
    try:
        payload = _unb64(encoded_payload)
        signature = _unb64(encoded_signature)
    except (binascii.Error, ValueError):
        raise invalid from None
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise invalid
    workspace_id, _, contact_id = payload.decode("utf-8", "replace").partition(":")
    if not WORKSPACE_ID_PATTERN.fullmatch(workspace_id) or not ID_PATTERN.fullmatch(contact_id):
        raise invalid
    return workspace_id, contact_id
