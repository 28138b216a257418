"""What a process needs to talk to a sandbox: the platforms' stand-ins as data.

The sandbox's platforms are those of the provider registry (the built-in
``providers/<name>/`` folders and the ``huntaze_desktop.platforms`` entry points)
whose package holds a ``sandbox`` module exporting ``SANDBOX: SandboxPlatform``.
A process that uses a sandbox another process runs (``shared.RemoteSandbox``)
needs each platform's hosts, the developer-app credentials the sandbox accepts
and the name of its state file; reading them imports the light ``sandbox``
declarations only, not uvicorn or Starlette (~5 MB of imports).
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from types import MappingProxyType

from huntaze_desktop.domain.errors import ConfigurationError
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.sandbox.platform import SandboxPlatform

__all__ = [
    "ADMIN_TOKEN_FILE_NAME",
    "STATE_FILE_NAME",
    "admin_headers",
    "base_urls",
    "read_admin_token",
    "sandbox_credentials",
    "sandbox_platforms",
]

# In the data directory the sandbox serves: its grants survive restarts there.
STATE_FILE_NAME = "sandbox-state.json"
# The bearer token of the sandbox's /_admin/ endpoints, beside its state file (0600):
# only the user who runs the sandbox can read it, so only they can drive it.
ADMIN_TOKEN_FILE_NAME = "sandbox-admin.token"


def read_admin_token(data_dir: Path) -> str | None:
    """The admin token of the sandbox serving ``data_dir``, if one wrote it."""
    try:
        token = (Path(data_dir) / ADMIN_TOKEN_FILE_NAME).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return token or None


def admin_headers(token: str | None) -> dict[str, str]:
    """The header a request to ``/_admin/`` carries."""
    return {"Authorization": f"Bearer {token}"} if token else {}


@functools.cache
def _discover() -> MappingProxyType[str, SandboxPlatform]:
    registry = default_registry()
    found: dict[str, SandboxPlatform] = {}
    for name in registry.names():
        module_name = f"{registry.package(name)}.sandbox"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # Only a missing stand-in is tolerated, not a broken import inside one.
            if exc.name != module_name:
                raise
            continue
        declared = getattr(module, "SANDBOX", None)
        if not isinstance(declared, SandboxPlatform) or declared.provider != name:
            raise ConfigurationError(
                f"{module_name} does not export SANDBOX, a SandboxPlatform of '{name}'."
            )
        found[name] = declared
    return MappingProxyType(found)


def sandbox_platforms() -> dict[str, SandboxPlatform]:
    """Provider -> its stand-in, in the registry's display order (found once per process)."""
    return dict(_discover())


def sandbox_credentials() -> dict[str, tuple[str, str | None]]:
    """Provider -> the developer-app ``(client_id, client_secret)`` the sandbox accepts."""
    return {name: platform.credentials for name, platform in _discover().items()}


def base_urls(base_url: str) -> dict[str, dict[str, str]]:
    """Provider → role → URL prefix on a sandbox running at ``base_url``."""
    return {name: platform.base_urls(base_url) for name, platform in _discover().items()}
