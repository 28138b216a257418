"""The sandbox HTTP server: local stand-ins of the platforms on 127.0.0.1.

Each platform's stand-in is declared in its own package (``<package>.sandbox``
exporting ``SANDBOX: SandboxPlatform``; see ``sandbox/platform.py`` and
``endpoints.sandbox_platforms()``). Each real host of a platform is mounted
under ``/<provider>/<host segment>``; a provider spec points its base-URL *roles*
at these prefixes (``base_urls``). The built-in ones:

==========  ==========  ========================  ==============================
provider    role        sandbox prefix            real host
==========  ==========  ========================  ==============================
instagram   ``auth``    ``/instagram/www``        https://www.instagram.com
instagram   ``token``   ``/instagram/api``        https://api.instagram.com
instagram   ``graph``   ``/instagram/graph``      https://graph.instagram.com
tiktok      ``auth``    ``/tiktok/www``           https://www.tiktok.com
tiktok      ``api``     ``/tiktok/open``          https://open.tiktokapis.com
reddit      ``auth``    ``/reddit/www``           https://www.reddit.com
reddit      ``api``     ``/reddit/oauth``         https://oauth.reddit.com
onlyfans    ``site``    ``/onlyfans/site``        https://onlyfans.com
==========  ==========  ========================  ==============================

The routes come from the stand-in's ``SandboxApp`` (``SandboxPlatform.load_app()``):
a list when the platform has one host, else a dict keyed by host segment. Each
host is wrapped in ``FaultInjector`` with the platform's ``FaultShapes``.
"""

from __future__ import annotations

import hmac
import logging
import os
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from huntaze_desktop import __version__
from huntaze_desktop.fileio import replace_atomically
from huntaze_desktop.sandbox import pages, persistence
from huntaze_desktop.sandbox.admin import admin_routes
from huntaze_desktop.sandbox.endpoints import ADMIN_TOKEN_FILE_NAME, admin_headers
from huntaze_desktop.sandbox.faults import FaultInjector
from huntaze_desktop.sandbox.platform import SandboxPlatform
from huntaze_desktop.sandbox.state import SandboxState

__all__ = ["SandboxServer", "build_app", "serve"]

log = logging.getLogger(__name__)


def _platform_mounts(platform: SandboxPlatform, state: SandboxState) -> list[BaseRoute]:
    app = platform.load_app()
    hosts = app.routes(state)
    if isinstance(hosts, list):
        (only_host,) = platform.hosts.values()
        hosts = {only_host: hosts}
    unknown = set(hosts) - set(platform.hosts.values())
    if unknown:
        raise ValueError(f"{platform.provider} serves hosts it does not declare: {unknown}")
    mounts: list[BaseRoute] = []
    for host, routes in hosts.items():
        wrapped = FaultInjector(
            Router(routes), provider=platform.provider, state=state, shapes=app.fault_shapes
        )
        mounts.append(Mount(f"/{platform.provider}/{host}", app=wrapped))
    return mounts


class _AdminGuard:
    """Every ``/_admin/`` path (the sandbox's and a platform's) needs the admin token.

    The sandbox listens on loopback, where every local user and program can reach
    it; its admin endpoints change grants, clocks and faults. They answer only a
    request with ``Authorization: Bearer <token>``, the token being in the file
    ``sandbox-admin.token`` (0600) of the data directory the sandbox serves.
    """

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self._app = app
        self._state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "/_admin/" in scope.get("path", ""):
            given = Headers(scope=scope).get("authorization", "")
            wanted = f"Bearer {self._state.admin_token}"
            if not hmac.compare_digest(given.encode(), wanted.encode()):
                refused = JSONResponse(
                    {"error": "the sandbox admin token is required (sandbox-admin.token)"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await refused(scope, receive, send)
                return
        await self._app(scope, receive, send)


def write_admin_token(state: SandboxState, data_dir: Path) -> Path:
    """Write the state's admin token to ``data_dir/sandbox-admin.token`` (0600)."""
    path = Path(data_dir) / ADMIN_TOKEN_FILE_NAME
    with replace_atomically(path, mode=0o600) as handle:
        handle.write(state.admin_token + "\n")
    return path


def build_app(state: SandboxState) -> Starlette:
    """The ASGI app of the whole sandbox (admin, index page, every platform)."""
    routes: list[BaseRoute] = list(admin_routes(state))

    async def index(request: Request) -> HTMLResponse:
        urls = {name: p.base_urls(str(request.base_url)) for name, p in state.platforms.items()}
        return HTMLResponse(pages.index_page(state, urls))

    async def whoami(request: Request) -> JSONResponse:
        # Lets another process tell this sandbox from whatever else holds the port.
        state_file = str(state.state_file) if state.state_file is not None else None
        return JSONResponse(
            {
                "huntaze_sandbox": True,
                "state_file": state_file,
                "pid": os.getpid(),
                "version": __version__,
            }
        )

    routes.append(Route("/", index))
    routes.append(Route("/_admin/whoami", whoami))
    for platform in state.platforms.values():
        routes.extend(_platform_mounts(platform, state))
    return Starlette(routes=routes, middleware=[Middleware(_AdminGuard, state=state)])


class SandboxServer:
    """The sandbox on 127.0.0.1 in a background thread (``port=0`` picks a free one).

    With ``state_file`` the grants are loaded from it at start and saved to it on
    every change (``sandbox.persistence``), so tokens outlive the process.
    """

    def __init__(
        self,
        port: int = 0,
        state: SandboxState | None = None,
        host: str = "127.0.0.1",
        state_file: Path | None = None,
    ) -> None:
        self.state = state or SandboxState()
        self._state_file = state_file
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._bound_port: int | None = None

    @property
    def port(self) -> int:
        """The bound port (still known after ``stop()``)."""
        if self._bound_port is None:
            raise RuntimeError("the sandbox has not been started")
        return self._bound_port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def admin_headers(self) -> dict[str, str]:
        """The header that opens this sandbox's ``/_admin/`` endpoints."""
        return admin_headers(self.state.admin_token)

    def base_urls(self) -> dict[str, dict[str, str]]:
        """Provider -> role -> URL prefix of every platform this sandbox serves."""
        return {name: p.base_urls(self.base_url) for name, p in self.state.platforms.items()}

    def start(self, timeout: float = 10.0) -> SandboxServer:
        """Start serving; returns once the server accepts connections."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        # Bind here so the port is known before uvicorn starts, even for port 0.
        # IPPROTO_TCP explicitly: asyncio only turns Nagle off (TCP_NODELAY) on
        # sockets whose ``proto`` says TCP, and accepted sockets inherit this one's
        # 0. With Nagle on, uvicorn's two writes per answer (head, then body) met
        # the client's delayed ACK and every reuse of a connection took ~40 ms.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
            # Listen now: a second process racing for the same fixed port fails
            # here (EADDRINUSE) instead of inside uvicorn's thread.
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._socket = sock
        if self._state_file is not None:
            persistence.attach(self.state, self._state_file)
            write_admin_token(self.state, self._state_file.parent)
        self._bound_port = int(sock.getsockname()[1])
        self._server = uvicorn.Server(_config(build_app(self.state), self._host))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout)
        if sock is not None:
            sock.close()
        self._socket = None
        if self._state_file is not None and sock is not None:
            persistence.detach(self.state)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _config(app: Starlette, host: str, port: int = 0) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="off",
        # A hanging "timeout" fault must not hold up stop() for long.
        timeout_graceful_shutdown=1,
    )


def serve(host: str = "127.0.0.1", port: int = 8787, state_file: Path | None = None) -> None:
    """Run the sandbox in the foreground until interrupted (``sandbox serve``)."""
    state = SandboxState()
    if state_file is not None:
        persistence.attach(state, state_file)
        write_admin_token(state, state_file.parent)
    print(f"Huntaze sandbox on http://{host}:{port}/ (Ctrl+C to stop)")
    try:
        uvicorn.Server(_config(build_app(state), host, port)).run()
    finally:
        persistence.detach(state)
