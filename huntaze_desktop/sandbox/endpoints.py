"""What a process needs to talk to a sandbox: plain data, no server imports.

A process that uses a sandbox another process runs (``shared.RemoteSandbox``)
needs the URL prefixes of each platform's hosts, the developer-app credentials
the sandbox accepts and the name of its state file, not uvicorn or Starlette
(~5 MB of imports). ``server``, ``state`` and ``persistence`` re-export these.
"""

from __future__ import annotations

__all__ = ["HOSTS", "SANDBOX_CREDENTIALS", "STATE_FILE_NAME", "base_urls"]

# provider -> role -> host segment of the mount prefix.
HOSTS: dict[str, dict[str, str]] = {
    "instagram": {"auth": "www", "token": "api", "graph": "graph"},
    "tiktok": {"auth": "www", "api": "open"},
    "reddit": {"auth": "www", "api": "oauth"},
    "onlyfans": {"site": "site"},
}

# The developer-app credentials the sandbox accepts, per platform. Reddit is an
# installed app: HTTP Basic with ``client_id:`` and an empty secret.
SANDBOX_CREDENTIALS: dict[str, tuple[str, str | None]] = {
    "instagram": ("sandbox-ig-app-1001", "sandbox-ig-secret-7f3a"),
    "tiktok": ("sbxtiktokclientkey01", "sandbox-tiktok-secret-91c2"),
    "reddit": ("SbxRedditInstalled01", None),
    "onlyfans": ("sandbox-onlyfans", None),
}

# In the data directory the sandbox serves: its grants survive restarts there.
STATE_FILE_NAME = "sandbox-state.json"


def base_urls(base_url: str) -> dict[str, dict[str, str]]:
    """Provider → role → URL prefix on a sandbox running at ``base_url``."""
    root = base_url.rstrip("/")
    return {
        provider: {role: f"{root}/{provider}/{host}" for role, host in roles.items()}
        for provider, roles in HOSTS.items()
    }
