"""What a platform's sandbox stand-in declares: ``SandboxPlatform`` and ``SandboxApp``.

A platform package (``huntaze_desktop/providers/<name>/`` or a plug-in found
through the ``huntaze_desktop.platforms`` entry points) may hold a ``sandbox``
module or subpackage exporting ``SANDBOX: SandboxPlatform``. That object is plain
data a process talking to a sandbox can read without importing a web server (the
hosts and the developer-app credentials) plus, by name, the module of the
stand-in's web app (``app``: ``"module:attribute"``, a ``SandboxApp``), imported
only by the process that serves it.

This module stays light: no Starlette at run time (only for type checking).
"""

from __future__ import annotations

import dataclasses
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from huntaze_desktop.sandbox.users import DemoUser

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from huntaze_desktop.sandbox.faults import FaultShapes
    from huntaze_desktop.sandbox.state import SandboxState

__all__ = ["NoFlags", "SandboxApp", "SandboxPlatform"]

_SEGMENT = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(slots=True)
class NoFlags:
    """The quirk flags of a platform that has none."""


@dataclass(frozen=True, slots=True)
class SandboxPlatform:
    """One platform's stand-in, as data (exported as ``SANDBOX`` by its ``sandbox`` module).

    - ``provider``: the platform's name (the ``ProviderSpec.name`` it stands in for).
    - ``hosts``: base-URL role -> host segment; the role's sandbox prefix is
      ``<sandbox>/<provider>/<segment>`` (roles are those of the spec's ``base_urls``).
    - ``credentials``: the developer-app client id and secret the stand-in accepts
      (None: a public client, the secret must be empty).
    - ``users``: the demo accounts one can sign in with (``DemoUser.provider`` is
      ``provider``).
    - ``app``: ``"module:attribute"`` naming the ``SandboxApp`` (routes, fault shapes,
      persistence hooks); imported only by the process that serves the sandbox.
    - ``flags``: the class of the platform's quirk flags, a dataclass whose every
      field has a default (the sandbox names them ``<provider>_<field>`` in
      ``/_admin/flags`` and its state file).
    """

    provider: str
    hosts: Mapping[str, str]
    credentials: tuple[str, str | None]
    users: tuple[DemoUser, ...]
    app: str
    flags: type = NoFlags
    description: str = ""

    def __post_init__(self) -> None:
        problems = []
        if not _SEGMENT.fullmatch(self.provider):
            problems.append("the provider name is not a URL path segment")
        if not self.hosts:
            problems.append("no hosts")
        for role, segment in self.hosts.items():
            if not _SEGMENT.fullmatch(segment):
                problems.append(f"host {segment!r} of role {role!r} is not a URL path segment")
        for user in self.users:
            if user.provider != self.provider:
                problems.append(f"demo user {user.username!r} belongs to {user.provider!r}")
        if ":" not in self.app:
            problems.append("app must be 'module:attribute'")
        if not dataclasses.is_dataclass(self.flags):
            problems.append("flags must be a dataclass")
        if problems:
            raise ValueError(f"sandbox stand-in of {self.provider!r}: " + "; ".join(problems))

    def base_urls(self, base_url: str) -> dict[str, str]:
        """Role -> URL prefix on a sandbox running at ``base_url``."""
        root = base_url.rstrip("/")
        return {role: f"{root}/{self.provider}/{host}" for role, host in self.hosts.items()}

    def load_app(self) -> SandboxApp:
        """Import the stand-in's web app (Starlette and all): only to serve it."""
        found = pkgutil.resolve_name(self.app)
        if not isinstance(found, SandboxApp):
            raise TypeError(f"{self.app} is not a SandboxApp")
        return found


def _default_shapes() -> FaultShapes:
    from huntaze_desktop.sandbox.faults import FaultShapes

    return FaultShapes()


@dataclass(frozen=True, slots=True)
class SandboxApp:
    """The serving side of a stand-in (its module imports Starlette).

    - ``routes(state)``: the platform's routes, a list when it has one host, else a
      dict keyed by the host segments of ``SandboxPlatform.hosts``. Each host is
      mounted at ``/<provider>/<segment>`` behind the fault injector.
    - ``fault_shapes``: how the platform words a rate limit, a revoked grant and an
      expired session (``sandbox.faults.FaultShapes``).
    - ``dump_state(state) -> JSON`` / ``load_state(state, data)``: what the stand-in
      keeps in ``state.plugin_data`` beyond grants (OnlyFans sessions), saved with
      the sandbox's state file.
    """

    routes: Callable[[SandboxState], list[BaseRoute] | dict[str, list[BaseRoute]]]
    fault_shapes: FaultShapes = field(default_factory=_default_shapes)
    dump_state: Callable[[SandboxState], Any] | None = None
    load_state: Callable[[SandboxState, Any], None] | None = None
