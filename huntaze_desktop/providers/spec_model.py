"""What every platform is: ``ProviderSpec`` and its policies, as data.

What a platform can do (``ProviderClient``) is in ``providers/base.py``, which
re-exports these names. Also here: the checks a spec's addresses go through
(``resolve_base_urls``) and the PKCE challenge its ``pkce`` style asks for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from huntaze_desktop import __version__
from huntaze_desktop.domain.errors import ConfigurationError, MalformedResponseError
from huntaze_desktop.net.client import is_loopback_host  # re-exported for the providers

__all__ = [
    "AuthKind",
    "ClientAuth",
    "PkceStyle",
    "ProviderSpec",
    "RedirectPolicy",
    "RefreshPolicy",
    "code_challenge",
    "is_loopback_host",
    "resolve_base_urls",
]

AuthKind = Literal["oauth", "session"]
PkceStyle = Literal["none", "s256", "s256_hex"]
ClientAuth = Literal["form", "basic"]


class RefreshPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """When and how tokens are renewed."""

    margin_seconds: int = 300  # refresh this long before expiry
    min_age_seconds: int = 0  # Instagram: a token must be 24 h old to be refreshed
    rotating: bool = False  # a refresh may hand out a new refresh token
    has_refresh_token: bool = True


class RedirectPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How the authorization answer comes back to us.

    ``loopback``: an http://127.0.0.1:<port>/<path> URI works (system browser or
    embedded window). ``https_intercept``: the platform insists on a registered
    https URI (``registered_uri``); the embedded window intercepts it before it
    loads. ``none``: no redirect (session providers).
    """

    kind: Literal["loopback", "https_intercept", "none"] = "loopback"
    # The redirect URI registered with the developer app (the embedded window's default).
    registered_uri: str | None = None
    loopback_path: str = "/callback"
    # True when the platform matches the port exactly (Reddit): the system-browser
    # listener must then bind the registered port instead of a random one.
    fixed_port: bool = False


class ProviderSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A platform described as data (docs/PLATFORMS.md values live here, not in code).

    Specs are written in code, never decoded: construction does not check the
    values (mypy does, through the ``Literal`` types); ``frozen`` keeps a spec
    from being changed once a provider package has built it.
    """

    name: str
    display_name: str
    description: str  # one line, English, shown on the card
    icon: str  # file name in resources/icons/
    sort_order: int = 100
    auth_kind: AuthKind = "oauth"
    unofficial: bool = False
    base_urls: dict[str, str]  # role -> real https URL
    endpoints: dict[str, tuple[str, str]]  # name -> (role, path)
    scopes: tuple[str, ...] = ()
    scope_separator: str = " "
    client_id_param: str = "client_id"
    pkce: PkceStyle = "none"
    client_auth: ClientAuth = "form"
    authorize_params: dict[str, str] = {}  # extra query params (Reddit duration=permanent)
    refresh: RefreshPolicy = RefreshPolicy()
    rate_limit_headers: tuple[str, ...] = ()
    metadata_model: type[msgspec.Struct]
    redirect: RedirectPolicy = RedirectPolicy()
    # Per-request User-Agent; placeholders {client_id} and {version}. None: client default.
    user_agent_template: str | None = None
    # Expected ``iss`` on the callback (RFC 9207), compared exactly; None: the
    # authorize endpoint's origin.
    issuer: str | None = None
    # The platform's server sends ``iss`` on every authorization response (RFC 8414
    # ``authorization_response_iss_parameter_supported``): a callback without it is
    # then refused (RFC 9207 §2.4).
    sends_issuer: bool = False
    requires_client_secret: bool = True

    def validate_metadata(self, data: Mapping[str, Any] | None) -> dict[str, Any]:
        """Metadata checked against ``metadata_model``, as plain JSON values.

        Unknown keys are dropped and conversion is lax (``"12"`` for a number):
        the values come from platform answers. Data that does not fit is a
        MalformedResponseError.
        """
        try:
            checked = msgspec.convert(dict(data or {}), self.metadata_model, strict=False)
        except msgspec.ValidationError:
            raise MalformedResponseError(
                f"The account details from {self.display_name} are incomplete.",
                provider=self.name,
                code="bad_metadata",
            ) from None
        metadata: dict[str, Any] = msgspec.to_builtins(checked)
        return metadata

    def user_agent(self, client_id: str) -> str | None:
        if self.user_agent_template is None:
            return None
        return self.user_agent_template.format(client_id=client_id, version=__version__)


def resolve_base_urls(spec: ProviderSpec, overrides: Mapping[str, str] | None) -> dict[str, str]:
    """The spec's base URLs with ``overrides`` applied (sandbox, proxies).

    An override must be https, or http on a loopback host: a typo must never send
    tokens in clear text across the network.
    """
    urls = dict(spec.base_urls)
    for role, url in (overrides or {}).items():
        if role not in urls:
            raise ConfigurationError(f"{spec.display_name} has no '{role}' address to override.")
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            raise ConfigurationError(f"The {spec.display_name} address is not valid.") from None
        if not host or parts.scheme not in ("https", "http"):
            raise ConfigurationError(f"The {spec.display_name} address is not valid.")
        if parts.scheme != "https" and not is_loopback_host(host):
            raise ConfigurationError(
                f"The {spec.display_name} address must use https (http is only allowed "
                "for this computer, 127.0.0.1 or localhost)."
            )
        urls[role] = url.rstrip("/")
    return urls


def code_challenge(verifier: str, style: PkceStyle) -> str | None:
    """The PKCE challenge for ``verifier``: S256 (authlib's), TikTok's hex S256, or none.

    TikTok's desktop Login Kit takes the SHA-256 of the verifier as 64 lowercase
    hex digits, still announced as ``code_challenge_method=S256``.
    """
    if style == "none":
        return None
    if style == "s256_hex":
        return hashlib.sha256(verifier.encode("ascii")).hexdigest()
    return str(create_s256_code_challenge(verifier))
