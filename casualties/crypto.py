"""Field-level encryption of personal data at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from CLEARGROUND_FIELD_KEY (one or more comma-separated Fernet keys; the first
encrypts, all decrypt, so a key can be rotated). Without it a development key is used, and only
while SECRET_KEY is the development one too: a server must set both (checks.py stops it otherwise).
See docs/decisions/0008-casualty-records-and-encryption.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# DEVELOPMENT ONLY: derived from a public string, so anything encrypted with it is readable by anyone.
DEV_FIELD_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"clearground-dev-only-field-key").digest()).decode()
DEV_SECRET_KEY = "dev-only-not-secret-change-me-for-any-server"

#: The one key of a sealed JSON value: {"fernet": "<token>"}.
SEALED = "fernet"


class KeyMissing(ImproperlyConfigured):
    pass


def key_problem() -> str:
    """Why personal data cannot be encrypted with the current settings ('' when it can)."""
    keys = [k.strip() for k in getattr(settings, "CLEARGROUND_FIELD_KEY", "").split(",") if k.strip()]
    if not keys and settings.SECRET_KEY != DEV_SECRET_KEY:
        return "CLEARGROUND_FIELD_KEY is not set: a server must have its own key (see docs/configuration.md)"
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return "CLEARGROUND_FIELD_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
    return ""


def _fernet() -> MultiFernet:
    problem = key_problem()
    if problem:
        raise KeyMissing(problem)
    keys = [k.strip() for k in settings.CLEARGROUND_FIELD_KEY.split(",") if k.strip()] or [DEV_FIELD_KEY]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(value: Any) -> str:
    """A JSON value as a Fernet token (random IV: equal values give different tokens)."""
    return _fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt(token: str) -> Any:
    """The JSON value inside a token; ValueError when no configured key opens it."""
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ValueError("cannot be decrypted with the configured CLEARGROUND_FIELD_KEY") from None


def seal(value: Any) -> dict[str, str]:
    """A JSON value replaced by {"fernet": token}, the form it is stored in inside a report payload."""
    return {SEALED: encrypt(value)}


def is_sealed(value: Any) -> bool:
    """Is this JSON value a sealed one ({"fernet": token})?"""
    return isinstance(value, dict) and set(value) == {SEALED} and isinstance(value[SEALED], str)
