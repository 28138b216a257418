"""The sandbox HTTP server: local stand-ins for the four platforms on 127.0.0.1.

Each real host of a platform is mounted under ``/<provider>/<host>``; a provider
spec points its base-URL *roles* at these prefixes (``base_urls``):

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

Plug-in convention: a platform is the module ``huntaze_desktop.sandbox.<provider>``
with ``routes(state: SandboxState)`` returning either a ``list[BaseRoute]`` (the
platform has a single host) or a ``dict[host, list[BaseRoute]]`` keyed by the host
segments above; an optional module attribute ``FAULT_SHAPES: FaultShapes`` words
the platform's rate-limit, revoked-grant and expired-session answers. Each host is
wrapped in ``FaultInjector``. A platform whose module is missing is left out.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import time
from pathlib import Path
from types import ModuleType, TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route, Router

from huntaze_desktop import __version__
from huntaze_desktop.sandbox import pages, persistence
from huntaze_desktop.sandbox.admin import admin_routes
from huntaze_desktop.sandbox.endpoints import HOSTS, base_urls
from huntaze_desktop.sandbox.faults import FaultInjector, FaultShapes
from huntaze_desktop.sandbox.state import SANDBOX_CREDENTIALS, SandboxState

__all__ = [
    "HOSTS",
    "SANDBOX_CREDENTIALS",
    "SandboxServer",
    "base_urls",
    "build_app",
    "serve",
]

log = logging.getLogger(__name__)


def _load_platform(provider: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"huntaze_desktop.sandbox.{provider}")
    except ModuleNotFoundError as exc:
        # Only a missing platform module is tolerated, not a broken import inside it.
        if exc.name != f"huntaze_desktop.sandbox.{provider}":
            raise
        log.debug("sandbox platform %s not available", provider)
        return None


def _platform_mounts(provider: str, state: SandboxState) -> list[BaseRoute]:
    module = _load_platform(provider)
    if module is None:
        return []
    shapes: FaultShapes = getattr(module, "FAULT_SHAPES", FaultShapes())
    hosts = module.routes(state)
    if isinstance(hosts, list):
        (only_host,) = HOSTS[provider].values()
        hosts = {only_host: hosts}
    mounts: list[BaseRoute] = []
    for host, routes in hosts.items():
        app = FaultInjector(Router(routes), provider=provider, state=state, shapes=shapes)
        mounts.append(Mount(f"/{provider}/{host}", app=app))
    return mounts


def build_app(state: SandboxState) -> Starlette:
    """The ASGI app of the whole sandbox (admin, index page, every platform)."""
    routes: list[BaseRoute] = list(admin_routes(state))

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(pages.index_page(state, base_urls(str(request.base_url))))

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
    for provider in HOSTS:
        routes.extend(_platform_mounts(provider, state))
    return Starlette(routes=routes)


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

    def base_urls(self) -> dict[str, dict[str, str]]:
        return base_urls(self.base_url)

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
    print(f"Huntaze sandbox on http://{host}:{port}/ (Ctrl+C to stop)")
    try:
        uvicorn.Server(_config(build_app(state), host, port)).run()
    finally:
        persistence.detach(state)
