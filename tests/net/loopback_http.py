"""Two small real HTTP/1.1 servers on loopback for the client tests: a target and a forward proxy.

``Target`` answers every request with a JSON echo (method, path, Host header) and
counts the TCP connections and requests it served, keeping connections alive.

``ForwardProxy`` is a plain HTTP forward proxy: it reads an absolute-form request
(``GET http://host:port/path HTTP/1.1``), records it, and forwards it to the host's
address, one request per client connection. It only reaches addresses it was told
about: ``routes`` maps a made-up host (such as ``proxied.test:PORT``, which only the
proxy can resolve) to a loopback address, and a loopback address in the URL is
reached as itself. Anything else gets a 502 and is never contacted, so these tests
send nothing past loopback; that includes every ``CONNECT`` (the tunnel an HTTPS
request asks a proxy for), which is recorded and refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["ForwardProxy", "Seen", "Target", "dead_port"]

_LOOPBACK_PREFIXES = ("127.", "localhost:", "[::1]:")


def dead_port() -> int:
    """A loopback port where nothing listens (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, list[tuple[str, str]]] | None:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = raw.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


async def _read_body(reader: asyncio.StreamReader, headers: list[tuple[str, str]]) -> bytes:
    length = int(_header(headers, "content-length") or 0)
    return await reader.readexactly(length) if length else b""


class _Server:
    host = "127.0.0.1"

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class Target(_Server):
    """Answers ``200 {"method", "path", "host", "via_proxy"}``; keeps connections alive."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        delay: float = 0.0,
        idle_timeout: float | None = None,
        hold_until: int = 0,
    ) -> None:
        super().__init__()
        self.host = host
        self.delay = delay
        # Answer nothing until this many requests are in hand at once (at most 10 s):
        # shows requests really run side by side, however slow the machine is.
        self.hold_until = hold_until
        self.in_flight = 0
        self.peak_in_flight = 0
        self._crowd = asyncio.Event()
        self.idle_timeout = idle_timeout  # hang up on a connection idle this long
        self.connections = 0
        self.requests = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while (head := await self._next_head(reader)) is not None:
                line, headers = head
                await _read_body(reader, headers)
                self.requests += 1
                method, path, _ = line.split(" ", 2)
                await self._hold()
                body = json.dumps(
                    {
                        "method": method,
                        "path": path,
                        "host": _header(headers, "host"),
                        "via_proxy": _header(headers, "x-test-proxy") == "yes",
                    }
                ).encode()
                closing = (_header(headers, "connection") or "").lower() == "close"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + (b"Connection: close\r\n" if closing else b"")
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
                self._done()
                if closing:
                    break
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _hold(self) -> None:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold_until:
            if self.in_flight >= self.hold_until:
                self._crowd.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._crowd.wait(), 10)

    def _done(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self._crowd.clear()

    async def _next_head(
        self, reader: asyncio.StreamReader
    ) -> tuple[str, list[tuple[str, str]]] | None:
        try:
            return await asyncio.wait_for(_read_head(reader), self.idle_timeout)
        except TimeoutError:
            return None


@dataclass
class Seen:
    """One request as the proxy received it."""

    method: str
    target: str  # the request target as sent: absolute-form for a forward proxy
    host: str | None  # the Host header


class ForwardProxy(_Server):
    """A recording HTTP forward proxy (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, tuple[str, int]] = {}
        self.seen: list[Seen] = []

    def route(self, authority: str, port: int) -> None:
        """Let the proxy reach ``authority`` (``name:port``) at ``127.0.0.1:port``."""
        self.routes[authority] = ("127.0.0.1", port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await _read_head(reader)
            if head is None:
                return
            line, headers = head
            body = await _read_body(reader, headers)
            method, target, version = line.split(" ", 2)
            self.seen.append(Seen(method, target, _header(headers, "host")))
            address = self._address(target)
            if address is None:
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            parts = urlsplit(target)
            authority = parts.netloc
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            kept = [
                (k, v)
                for k, v in headers
                if k.lower()
                not in ("proxy-connection", "connection", "host", "proxy-authorization")
            ]
            forwarded = [
                f"{method} {path} {version}",
                f"Host: {authority}",
                *(f"{k}: {v}" for k, v in kept),
                "X-Test-Proxy: yes",
                "Connection: close",
            ]
            up_reader, up_writer = await asyncio.open_connection(*address)
            up_writer.write(("\r\n".join(forwarded) + "\r\n\r\n").encode("latin-1") + body)
            await up_writer.drain()
            answer = await up_reader.read()  # the target closes after its answer
            up_writer.close()
            writer.write(answer)  # the target said Connection: close
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def _address(self, target: str) -> tuple[str, int] | None:
        if not target.startswith("http://"):
            return None
        authority = urlsplit(target).netloc.lower()
        if authority in self.routes:
            return self.routes[authority]
        if authority.startswith(_LOOPBACK_PREFIXES) and ":" in authority:
            host, _, port = authority.rpartition(":")
            return host.strip("[]"), int(port)
        return None
