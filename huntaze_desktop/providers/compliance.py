"""Compliance hooks: how a platform's OAuth departs from the standard, as authlib names them.

``ProviderClient.register_compliance_hook(kind, hook)`` takes these; a client
registers the ones its platform needs in ``install_compliance_hooks``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from authlib.common.urls import add_params_to_qs
from authlib.oauth2 import ClientAuth

from huntaze_desktop.domain.errors import MalformedResponseError
from huntaze_desktop.providers.errors import oauth_error_code, parse_json

__all__ = [
    "HOOK_TYPES",
    "HookType",
    "oauth_error_status_fix",
    "post_client_id_as",
    "rename_client_id",
]

# authlib's compliance hook names, plus ``authorization_url`` (see
# ``ProviderClient.register_compliance_hook``).
HookType = Literal[
    "authorization_url",
    "access_token_response",
    "refresh_token_request",
    "refresh_token_response",
    "revoke_token_request",
    "protected_request",
]
HOOK_TYPES = frozenset(get_args(HookType))


def oauth_error_status_fix(response: httpx.Response) -> httpx.Response:
    """A token-answer hook: an RFC 6749 error sent with HTTP 200 gets the 400 of §5.2.

    TikTok and Reddit answer a refused grant with ``200 {"error": ...}``. The
    base classification reads the body either way; this keeps the status a log
    line and ``http_status`` report honest.
    """
    if response.status_code != 200:
        return response
    try:
        payload: Any = parse_json(response, "oauth")
    except MalformedResponseError:
        return response
    if oauth_error_code(payload) is None:
        return response
    return httpx.Response(
        400, headers=response.headers, content=response.content, request=response.request
    )


def rename_client_id(param: str) -> Callable[[str], str]:
    """An ``authorization_url`` hook sending the client id as ``param`` (TikTok: client_key)."""

    def hook(url: str) -> str:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = [(param if k == "client_id" else k, v) for k, v in pairs]
        return urlunsplit(parts._replace(query=urlencode(query)))

    return hook


def post_client_id_as(param: str) -> Callable[..., tuple[str, dict[str, str], str]]:
    """An authlib client-auth method: ``client_secret_post`` with the id named ``param``."""

    def encode(
        client: ClientAuth, method: str, uri: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        params = [(param, client.client_id)]
        if client.client_secret is not None:
            params.append(("client_secret", client.client_secret))
        return uri, headers, str(add_params_to_qs(body or "", params))

    return encode
