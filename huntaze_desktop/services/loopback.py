"""A one-shot loopback listener for the system-browser sign-in (RFC 8252, section 7.3).

It binds 127.0.0.1 on a random port (or the registered one), answers the
callback request with a static page and hands the full callback URL over. Other
paths (``/favicon.ico``...) get 404. The page has no script, no redirect, and
``Referrer-Policy: no-referrer`` so the code never leaks to a third party.

Any local process can reach a loopback port, so once the sign-in's ``state`` is
known (:meth:`LoopbackListener.expect_state`) a callback carrying another state,
or none, is answered with an error page and the listener keeps waiting for the
real one: a forged request can neither end the attempt nor take the browser's
place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

__all__ = ["SUCCESS_PAGE", "WRONG_STATE_PAGE", "LoopbackListener"]

log = logging.getLogger("huntaze.signin")

SUCCESS_PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
    b"<title>Huntaze Desktop</title></head>"
    b"<body style='font-family:system-ui,sans-serif;text-align:center;margin-top:15%'>"
    b"<h1>You can close this window</h1>"
    b"<p>Return to Huntaze Desktop to finish connecting your account.</p>"
    b"</body></html>"
)

WRONG_STATE_PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
    b"<title>Huntaze Desktop</title></head>"
    b"<body style='font-family:system-ui,sans-serif;text-align:center;margin-top:15%'>"
    b"<h1>This link is not from your sign-in</h1>"
    b"<p>It does not match the sign-in Huntaze Desktop is waiting for, so it was ignored."
    b" Finish signing in from the window Huntaze Desktop opened.</p>"
    b"</body></html>"
)

_SECURITY_HEADERS = (
    b"Referrer-Policy: no-referrer\r\n"
    b"Cache-Control: no-store\r\n"
    b"Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n"
    b"X-Content-Type-Options: nosniff\r\n"
    b"Connection: close\r\n"
)
_MAX_HEADER_BYTES = 16384
_READ_TIMEOUT = 10.0


class LoopbackListener:
    """Waits for exactly one callback on ``http://127.0.0.1:<port><path>``."""

    def __init__(self, path: str = "/callback", port: int = 0, host: str = "127.0.0.1") -> None:
        self.path = path if path.startswith("/") else "/" + path
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[str] | None = None
        self._state: str | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the listener is not running")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://{self._host}:{self.port}{self.path}"

    async def start(self) -> str:
        """Bind and listen; returns the redirect URI to register with the attempt."""
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(
            self._handle, self._host, self._port, limit=_MAX_HEADER_BYTES
        )
        return self.redirect_uri

    def expect_state(self, state: str) -> None:
        """Accept only a callback whose ``state`` parameter is exactly ``state``."""
        self._state = state

    def _state_matches(self, target: str) -> bool:
        if self._state is None:
            return True
        values = parse_qs(urlsplit(target).query, keep_blank_values=True).get("state", [])
        return len(values) == 1 and secrets.compare_digest(values[0], self._state)

    async def wait(self) -> str:
        """The full callback URL (wrap in ``asyncio.timeout`` to bound the wait)."""
        if self._result is None:
            raise RuntimeError("the listener is not running")
        return await asyncio.shield(self._result)

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def __aenter__(self) -> LoopbackListener:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            target = await asyncio.wait_for(self._read_target(reader), _READ_TIMEOUT)
            if target is None:
                await self._respond(writer, 400, b"Bad request")
                return
            path = urlsplit(target).path
            if path != self.path or self._result is None or self._result.done():
                # favicon.ico, probes, a second callback: nothing to hand over.
                await self._respond(writer, 404, b"Not found")
                return
            if not self._state_matches(target):
                log.warning("sign-in callback with a wrong state ignored; still waiting")
                await self._respond(writer, 400, WRONG_STATE_PAGE, html=True)
                return
            await self._respond(writer, 200, SUCCESS_PAGE, html=True)
            self._result.set_result(f"http://{self._host}:{self.port}{target}")
            log.info("sign-in callback received on the loopback listener")
        except (
            TimeoutError,
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
        ):
            pass
        finally:
            with contextlib.suppress(ConnectionError, OSError):
                writer.close()
                await writer.wait_closed()

    @staticmethod
    async def _read_target(reader: asyncio.StreamReader) -> str | None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _MAX_HEADER_BYTES:
            return None
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        if len(parts) != 3 or parts[0] != "GET" or not parts[1].startswith("/"):
            return None
        return parts[1]

    @staticmethod
    async def _respond(
        writer: asyncio.StreamWriter, status: int, body: bytes, *, html: bool = False
    ) -> None:
        reason = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}[status]
        content_type = b"text/html; charset=utf-8" if html else b"text/plain; charset=utf-8"
        writer.write(
            b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n"
            % (status, reason, content_type, len(body), _SECURITY_HEADERS)
        )
        writer.write(body)
        await writer.drain()
