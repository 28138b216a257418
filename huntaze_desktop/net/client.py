"""The one shared httpx client: timeouts, proxy, User-Agent."""

from __future__ import annotations

import httpx

from huntaze_desktop import __version__
from huntaze_desktop.net.pool import lean_transport

__all__ = ["DEFAULT_TIMEOUT", "create_http_client", "default_user_agent"]

# A slow platform should not freeze a refresh forever, nor fail on a slow link.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)


def default_user_agent() -> str:
    return f"huntaze-desktop/{__version__} (desktop app)"


def create_http_client(
    *,
    user_agent: str | None = None,
    proxy: str | None = None,
    timeout: httpx.Timeout | float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The app's AsyncClient. ``proxy`` wins over the environment (HTTPS_PROXY etc.).

    Redirects are not followed: an OAuth or API answer that redirects is a
    surprise to classify, not to chase (it could carry a token to another host).
    Providers that need a specific User-Agent (Reddit) set it per request.
    The default transport's pool is :class:`~huntaze_desktop.net.pool.LeanPool`.
    """
    trust_env = proxy is None
    return httpx.AsyncClient(
        headers={"User-Agent": user_agent or default_user_agent()},
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        proxy=proxy,
        # With an explicit proxy the environment is ignored for proxying.
        trust_env=trust_env,
        follow_redirects=False,
        transport=transport if transport is not None else lean_transport(trust_env=trust_env),
    )
