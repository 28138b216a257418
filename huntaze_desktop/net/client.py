"""The app's httpx clients: timeouts, proxies, connection limits, User-Agent.

Two clients, built alike (``create_http_client``) so that both honour the same
proxy rules: the API client (platform calls: sign-in, tokens, analytics) and the
download client (avatars and other files; ``DOWNLOAD_LIMITS``), whose small pool
of its own means a burst of downloads can never take the connections API calls
wait for.

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

The transport and its connection pool are httpx's and httpcore's own, configured
through ``httpx.Limits``; :class:`PoolEntryGate`, a request event hook, keeps a
burst of requests from all being handed the same idle connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable

import httpx

from huntaze_desktop import __version__

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "DOWNLOAD_LIMITS",
    "DOWNLOAD_TIMEOUT",
    "LOOPBACK_HOSTS",
    "PoolEntryGate",
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
# Every request start and end checks each idle connection (a system call or two),
# and the pool reuses the first idle connection in its list, so connections left
# over from a burst sit idle at the end of it: a 1 s keep-alive (httpx: 5 s) closes
# them soon, and the refresh benchmark's pool held about a quarter fewer idle
# connections per pass (less CPU, shorter UI stalls). A connection busy in a
# refresh is reused within milliseconds; one idle for a second is reopened.
DEFAULT_LIMITS = httpx.Limits(
    max_connections=64, max_keepalive_connections=64, keepalive_expiry=1.0
)

# Downloads (avatars) get a pool of their own, small: at start-up every account's
# picture is asked for at once, and in the API client's pool they took the
# connections the first refreshes waited for (issue #15: those refreshes failed
# with PoolTimeout). The callers queue their downloads to this many at a time, so
# none waits for a connection here; the long pool wait is a bound, not a plan.
DOWNLOAD_LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4, keepalive_expiry=5.0)
DOWNLOAD_TIMEOUT = httpx.Timeout(connect=10.0, read=20.0, write=20.0, pool=60.0)

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


class PoolEntryGate:
    """A request event hook: requests take their pool connection one at a time.

    httpcore 1.0's pool hands an idle connection to a request and counts it as
    available until that request starts on it, a few event-loop turns later. When
    several requests start together (a refresh starts up to 32), the pool gives
    them the same idle connection: all but one find it busy, go back and re-plan
    the pool, a pass that costs time for every open connection. Measured in the
    refresh benchmark: about four such retries per request, most of the app's CPU.

    The gate lets the next request into the pool once the previous one holds its
    connection, which httpcore reports through its public ``trace`` request
    extension: the first event of a request is ``connection.connect_tcp.started``
    (a new connection) or ``http11.send_request_headers.started`` (a reused one),
    and by then no other request can be given that connection. Tracing is
    switched off for the rest of the request after that first event. A request
    that never reports (an error before it is sent, a cancelled task) holds the
    gate at most ``max_wait`` seconds; ``timeouts`` counts those.
    """

    def __init__(self, max_wait: float = 0.25) -> None:
        self.max_wait = max_wait
        self.waits = 0  # requests that waited for the one before them
        self.timeouts = 0  # waits that ended because the one before never reported
        self._last: asyncio.Future[None] | None = None

    async def __call__(self, request: httpx.Request) -> None:
        if "trace" in request.extensions:
            return  # the caller traces this request: leave it alone
        loop = asyncio.get_running_loop()
        previous, mine = self._last, loop.create_future()
        self._last = mine
        extensions = request.extensions

        async def first_event(name: str, info: dict[str, object]) -> None:
            extensions.pop("trace", None)
            _settle(mine)

        extensions["trace"] = first_event
        if previous is None or previous.done() or previous.get_loop() is not loop:
            return  # nobody ahead (or only on another event loop, which has its own pool use)
        self.waits += 1
        bound = loop.call_later(self.max_wait, self._time_out, previous)
        try:
            await previous
        except asyncio.CancelledError:
            _settle(mine)  # whoever comes next need not wait for a cancelled request
            raise
        finally:
            bound.cancel()

    def _time_out(self, previous: asyncio.Future[None]) -> None:
        if not previous.done():
            self.timeouts += 1
            previous.set_result(None)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


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
    """An AsyncClient of the app (the API client, or with ``limits=DOWNLOAD_LIMITS``
    and ``timeout=DOWNLOAD_TIMEOUT`` the download client). ``proxy`` wins over the
    environment (see the module).

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
        # The gate needs httpcore's trace events, which a test's transport does not send.
        event_hooks={"request": [PoolEntryGate()] if transport is None else []},
        transport=transport,
    )
