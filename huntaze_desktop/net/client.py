"""The one shared httpx client: timeouts, proxies, connection limits, User-Agent.

Proxies, all through httpx's public configuration:

- No proxy in the settings: httpx reads ``HTTP_PROXY``, ``HTTPS_PROXY``,
  ``ALL_PROXY`` and ``NO_PROXY`` (and the system's settings where the standard
  library finds them) exactly as its documentation on environment variables says
  (``trust_env=True``; no custom transport is passed, so nothing turns that off).
- A proxy in the settings (``Settings.proxy_url``): every request goes through it,
  and the environment's proxy variables are not read.
- Either way, loopback hosts are mounted on the direct transport, so the sandbox
  (and any loopback base-URL override) is never sent to a proxy. httpx's mount
  patterns match host names, not address ranges: ``127.0.0.1``, ``localhost`` and
  ``::1`` are always direct, and the caller names any other loopback host it will
  address (``direct_hosts``; the runtime passes the hosts of its overrides).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import httpx

from huntaze_desktop import __version__

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "LOOPBACK_HOSTS",
    "create_http_client",
    "default_user_agent",
    "is_loopback_host",
]

# A slow platform should not freeze a refresh forever, nor fail on a slow link.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)

# A refresh of many accounts keeps up to 8 requests per platform in flight (32 for
# four platforms), and each connection it opens should serve the next request too.
# httpcore 1.0's pool compares the keep-alive limit with all its connections, busy
# ones included, so a limit below the connections in use closes a connection after
# almost every answer (httpx's default keeps 20 of 100): the two limits are equal.
# Idle connections still close after ``keepalive_expiry`` (5 s).
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=64)

# Always reached directly, whatever a proxy setting says: the sandbox binds
# 127.0.0.1, and these are the names a loopback URL is written with.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def default_user_agent() -> str:
    return f"huntaze-desktop/{__version__} (desktop app)"


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost`` and any 127.0.0.0/8 or ``::1`` address (brackets allowed)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _direct_mounts(hosts: Iterable[str]) -> dict[str, httpx.AsyncBaseTransport | None]:
    """httpx mount keys sending ``hosts`` (any scheme, any port) to the direct transport.

    A mount of ``None`` means "the client's own transport", which has no proxy;
    httpx tries host patterns before the scheme-wide proxy patterns.
    """
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    for raw in (*LOOPBACK_HOSTS, *hosts):
        if not is_loopback_host(raw):
            raise ValueError("Only loopback hosts can bypass the proxy.")
        host = raw.strip("[]").lower()
        mounts[f"all://[{host}]" if ":" in host else f"all://{host}"] = None
    return mounts


def create_http_client(
    *,
    user_agent: str | None = None,
    proxy: str | None = None,
    timeout: httpx.Timeout | float | None = None,
    limits: httpx.Limits | None = None,
    direct_hosts: Iterable[str] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The app's AsyncClient. ``proxy`` wins over the environment (see the module).

    ``direct_hosts`` are more loopback hosts to reach without a proxy (a host that
    is not loopback is a ``ValueError``). ``transport`` is for tests (a
    ``MockTransport``); httpx does not read proxies from the environment then.

    Redirects are not followed: an OAuth or API answer that redirects is a
    surprise to classify, not to chase (it could carry a token to another host).
    Providers that need a specific User-Agent (Reddit) set it per request.
    """
    return httpx.AsyncClient(
        headers={"User-Agent": user_agent or default_user_agent()},
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        limits=limits if limits is not None else DEFAULT_LIMITS,
        proxy=proxy,
        mounts=_direct_mounts(direct_hosts),
        # With a proxy from the settings, the environment is not read for proxying.
        trust_env=proxy is None,
        follow_redirects=False,
        transport=transport,
    )
