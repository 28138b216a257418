"""A connection pool pass that stays cheap with dozens of connections open.

httpcore 1.0's ``AsyncConnectionPool`` re-plans the whole pool on every request
start and end. Each pass asks every idle connection whether the server closed
it (a ``poll`` and a ``getpeername`` system call each) and counts the pool
again for every idle connection (quadratic); it also compares the keep-alive
limit with *all* connections instead of the idle ones, so a busy pool keeps
closing and reopening connections. Refreshing a few hundred accounts (32
requests in flight) spent a quarter of the UI loop's time in that pass. The
upstream fix is still pending (encode/httpcore#1035).

:class:`LeanPool` is the same pool with a linear pass: a connection about to
be reused is checked (one poll), idle ones are swept for expiry at most once a
second, the keep-alive limit counts idle connections, and a connection handed
to a waiting request is not handed to a second one nor closed under it.
:func:`lean_transport` installs it on an httpx transport, and leaves the stock
pool in place on an httpcore version it was not written for.
"""

from __future__ import annotations

import time
from typing import Any

import httpcore
import httpx

__all__ = ["LeanPool", "lean_transport"]

_SWEEP_EVERY_S = 1.0
# The pool internals this pass relies on are those of httpcore 1.0.x.
_SUPPORTED = httpcore.__version__.startswith("1.0.")


class LeanPool(httpcore.AsyncConnectionPool):
    """``httpcore.AsyncConnectionPool`` with a linear assignment pass (see the module)."""

    _next_sweep = 0.0

    def _assign_requests_to_connections(self) -> list[Any]:
        closing: list[Any] = []
        now = time.monotonic()
        sweep = now >= self._next_sweep
        if sweep:
            self._next_sweep = now + _SWEEP_EVERY_S
        # Handed to a request that has not started on it yet: still IDLE, but taken.
        reserved = {id(r.connection) for r in self._requests if r.connection is not None}
        kept: list[Any] = []
        idle: list[Any] = []
        for held in self._connections:
            if held.is_closed():
                continue
            if held.is_idle() and id(held) not in reserved:
                if sweep and held.has_expired():
                    closing.append(held)
                    continue
                idle.append(held)
            kept.append(held)
        surplus = len(idle) - self._max_keepalive_connections
        if surplus > 0:
            dropped = {id(c) for c in idle[:surplus]}
            closing += idle[:surplus]
            idle = idle[surplus:]
            kept = [c for c in kept if id(c) not in dropped]
        self._connections = kept

        for pool_request in self._requests:
            if not pool_request.is_queued():
                continue
            origin = pool_request.request.url.origin
            connection: Any = self._take_idle(idle, origin, closing)
            if connection is None:
                if len(self._connections) >= self._max_connections:
                    if not idle:
                        continue  # stays queued until a connection frees up
                    spare = idle.pop(0)
                    self._connections.remove(spare)
                    closing.append(spare)
                connection = self.create_connection(origin)
                self._connections.append(connection)
            pool_request.assign_to_connection(connection)
        return closing

    def _take_idle(self, idle: list[Any], origin: Any, closing: list[Any]) -> Any | None:
        """An idle connection to ``origin`` that the server has not closed, or None."""
        for index, connection in enumerate(idle):
            if not connection.can_handle_request(origin):
                continue
            del idle[index]
            if connection.has_expired():
                self._connections.remove(connection)
                closing.append(connection)
                return self._take_idle(idle, origin, closing)
            return connection
        return None


def lean_transport(*, trust_env: bool = True) -> httpx.AsyncHTTPTransport:
    """httpx's default transport, with :class:`LeanPool` when httpcore is 1.0.x."""
    transport = httpx.AsyncHTTPTransport(trust_env=trust_env)
    pool = getattr(transport, "_pool", None)
    if _SUPPORTED and type(pool) is httpcore.AsyncConnectionPool:
        # Same configured pool (TLS context, limits, network backend), leaner pass.
        pool.__class__ = LeanPool
    return transport
