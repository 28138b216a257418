"""Reading credentials off a request: form fields, HTTP Basic, bearer tokens."""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request

__all__ = ["basic_credentials", "bearer_token", "form_fields"]


async def form_fields(request: Request) -> dict[str, str]:
    """The urlencoded (or multipart) body as plain strings; files are ignored."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """``(user, password)`` from ``Authorization: Basic``, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer …`` (scheme is case-insensitive)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
