"""Fault injection: make one endpoint of one platform misbehave on purpose.

A ``Fault`` names a provider, an endpoint path pattern (``fnmatch`` style, matched
against the path on the platform's host, e.g. ``/v2/oauth/token/`` or ``/*/insights``,
or against the full sandbox path, e.g. ``/tiktok/open/v2/oauth/token/``),
what goes wrong and how many times (``times=None`` means always). Tests add them
with ``state.faults.add(Fault(...))``; a running app can get them through
``POST /_admin/faults`` with the same fields as JSON.

``FaultInjector`` is the ASGI middleware wrapped around every platform host. It
also counts requests (``requests.<provider>.<path>`` in ``state.counters``).
Answers that differ per platform (the 429 body, a revoked grant, an expired
session) come from the platform's ``FaultShapes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import fnmatch
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from huntaze_desktop.sandbox.state import SandboxState

__all__ = ["Fault", "FaultInjector", "FaultKind", "FaultSet", "FaultShapes", "route_path"]

# A timeout fault never hangs longer than this, so a forgotten fault cannot wedge
# a test run or the server's shutdown.
MAX_HANG_S = 60.0


class FaultKind(enum.StrEnum):
    """What goes wrong."""

    LATENCY = "latency"  # answer normally, but after latency_ms
    RATE_LIMIT = "rate_limit"  # 429 + Retry-After + the platform's own body
    SERVER_ERROR = "server_error"  # 5xx (status, default 503)
    TIMEOUT = "timeout"  # hang for hang_s (or until the client gives up)
    MALFORMED_JSON = "malformed_json"  # 200 with a truncated JSON body
    HTML = "html"  # an HTML page where JSON was expected (captive portal, CDN)
    REVOKED_GRANT = "revoked_grant"  # the platform's invalid_grant answer
    EXPIRED_SESSION = "expired_session"  # the platform's "token/session expired" answer


@dataclass(slots=True)
class Fault:
    """One injected misbehaviour; ``times=None`` fires on every matching request."""

    provider: str
    kind: FaultKind
    path: str = "*"
    times: int | None = 1
    latency_ms: int = 0
    status: int | None = None
    retry_after_s: int = 30
    hang_s: float = 30.0
    fired: int = field(default=0)

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)

    def matches(self, provider: str, path: str, full_path: str = "") -> bool:
        """``path`` is on the platform's host; ``full_path`` includes the sandbox prefix."""
        if provider != self.provider:
            return False
        return fnmatch.fnmatchcase(path, self.path) or fnmatch.fnmatchcase(full_path, self.path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class FaultSet:
    """The active faults of one server (thread-safe; tests add from their thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self, provider: str | None = None) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if provider and f.provider != provider]

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, provider: str, path: str, full_path: str = "") -> list[Fault]:
        """The faults that fire for this request; spent ones are dropped."""
        fired: list[Fault] = []
        with self._lock:
            for fault in self._faults:
                if fault.matches(provider, path, full_path):
                    fault.fired += 1
                    fired.append(fault)
            self._faults = [f for f in self._faults if f.times is None or f.fired < f.times]
        return fired


def _default_rate_limited(retry_after_s: int) -> Response:
    return JSONResponse({"error": "rate_limited"}, status_code=429)


def _default_revoked() -> Response:
    return JSONResponse({"error": "invalid_grant"}, status_code=400)


def _default_expired() -> Response:
    return JSONResponse({"error": "session_expired"}, status_code=401)


@dataclass(frozen=True, slots=True)
class FaultShapes:
    """How one platform words the faults whose body is platform-specific.

    The middleware adds ``Retry-After`` to the rate-limit answer itself and uses
    the fault's ``status`` (default 429) as its status code.
    """

    rate_limited: Callable[[int], Response] = _default_rate_limited
    revoked_grant: Callable[[], Response] = _default_revoked
    expired_session: Callable[[], Response] = _default_expired


def route_path(scope: Scope) -> str:
    """The request path below the mount point (Starlette keeps the full path)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class FaultInjector:
    """ASGI middleware: counts requests and fires the matching faults."""

    def __init__(
        self, app: ASGIApp, *, provider: str, state: SandboxState, shapes: FaultShapes
    ) -> None:
        self.app = app
        self.provider = provider
        self.state = state
        self.shapes = shapes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        self.state.count(f"requests.{self.provider}")
        self.state.count(f"requests.{self.provider}.{path}")
        replacement: Response | None = None
        for fault in self.state.faults.take(self.provider, path, scope["path"]):
            if fault.latency_ms:
                await asyncio.sleep(fault.latency_ms / 1000)
            if fault.kind is FaultKind.TIMEOUT:
                await _hang(receive, min(fault.hang_s, MAX_HANG_S))
                replacement = Response("Gateway Timeout", status_code=504)
            elif fault.kind is not FaultKind.LATENCY and replacement is None:
                replacement = self._response_for(fault)
        if replacement is not None:
            self.state.count(f"faults.{self.provider}")
            await replacement(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _response_for(self, fault: Fault) -> Response:
        kind = fault.kind
        if kind is FaultKind.RATE_LIMIT:
            response = self.shapes.rate_limited(fault.retry_after_s)
            response.status_code = fault.status or 429
            response.headers["Retry-After"] = str(fault.retry_after_s)
            return response
        if kind is FaultKind.SERVER_ERROR:
            status = fault.status or 503
            return JSONResponse({"error": "server_error", "status": status}, status_code=status)
        if kind is FaultKind.MALFORMED_JSON:
            return Response(
                '{"data": {"user": {"display_name": "trunc',
                status_code=fault.status or 200,
                media_type="application/json",
            )
        if kind is FaultKind.HTML:
            return Response(
                "<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
                "<body><h1>Please wait…</h1></body></html>",
                status_code=fault.status or 200,
                media_type="text/html",
            )
        if kind is FaultKind.REVOKED_GRANT:
            return self.shapes.revoked_grant()
        return self.shapes.expired_session()


async def _hang(receive: Receive, seconds: float) -> None:
    """Wait ``seconds`` or until the client disconnects, whichever comes first."""

    async def disconnected() -> None:
        while True:
            message: Message = await receive()
            if message["type"] == "http.disconnect":
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected(), timeout=seconds)
