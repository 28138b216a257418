"""A captured OnlyFans browser session: cookies, the x-bc value and the User-Agent.

OnlyFans ties a session to all of these at once; mixing values from two
sign-ins gives "Wrong user.". The whole thing is secret: it is stored as the
``access_token`` of a :class:`~huntaze_desktop.domain.models.TokenSet` in the
vault, and ``repr`` never shows a value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huntaze_desktop.domain.errors import ConfigurationError, SignInError

__all__ = ["CapturedSession", "IncompleteSessionError"]

_INCOMPLETE = "The OnlyFans session is incomplete: "


class IncompleteSessionError(SignInError):
    """A captured session lacks a value OnlyFans needs; the message names which."""

    default_message = _INCOMPLETE + "some sign-in values were not found. Please sign in again."


@dataclass(frozen=True, slots=True)
class CapturedSession:
    """The values a signed-in OnlyFans browser holds.

    ``cookies`` must hold ``sess`` and ``auth_id`` (and ``auth_uid_<id>`` on
    accounts with two-factor sign-in); ``x_bc`` is the browser's
    ``bcTokenSha``; ``user_agent`` is the exact User-Agent that signed in.
    """

    cookies: Mapping[str, str]
    x_bc: str
    user_agent: str
    _frozen_cookies: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.cookies, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.cookies.items()
        ):
            raise IncompleteSessionError(_INCOMPLETE + "the cookies could not be read.")
        # Keep only non-empty values, stripped: a copy so the caller's dict can't change us.
        cookies = {k.strip(): v.strip() for k, v in self.cookies.items() if k.strip() and v.strip()}
        object.__setattr__(self, "cookies", cookies)
        object.__setattr__(self, "_frozen_cookies", tuple(sorted(cookies.items())))
        if not isinstance(self.x_bc, str) or not isinstance(self.user_agent, str):
            raise IncompleteSessionError()
        object.__setattr__(self, "x_bc", self.x_bc.strip())
        object.__setattr__(self, "user_agent", self.user_agent.strip())
        for name in ("sess", "auth_id"):
            if name not in cookies:
                raise IncompleteSessionError(
                    _INCOMPLETE + f"the sign-in cookie '{name}' was not found."
                )
        if not cookies["auth_id"].isdigit():
            raise IncompleteSessionError(
                _INCOMPLETE + "the sign-in cookie 'auth_id' does not hold an account number."
            )
        if not self.x_bc:
            raise IncompleteSessionError(
                _INCOMPLETE + "the browser value 'x-bc' (bcTokenSha) was not found."
            )
        if not self.user_agent:
            raise IncompleteSessionError(_INCOMPLETE + "the browser's User-Agent is missing.")

    def __repr__(self) -> str:
        names = ", ".join(sorted(self.cookies))
        return f"CapturedSession(cookies=[{names}], x_bc=<hidden>, user_agent=<hidden>)"

    __str__ = __repr__

    def __hash__(self) -> int:
        return hash((self._frozen_cookies, self.x_bc, self.user_agent))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CapturedSession):
            return NotImplemented
        return (self._frozen_cookies, self.x_bc, self.user_agent) == (
            other._frozen_cookies,
            other.x_bc,
            other.user_agent,
        )

    @property
    def user_id(self) -> str:
        """The account number (``auth_id``): also the ``user-id`` header."""
        return self.cookies["auth_id"]

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def to_json(self) -> str:
        return json.dumps(
            {"cookies": dict(self.cookies), "x_bc": self.x_bc, "user_agent": self.user_agent},
            sort_keys=True,
        )

    @classmethod
    def from_mapping(cls, data: Any) -> CapturedSession:
        """Build from a dict as stored or exported (accepts ``x-bc`` for ``x_bc``)."""
        if not isinstance(data, Mapping):
            raise IncompleteSessionError(_INCOMPLETE + "it is not a JSON object.")
        cookies = data.get("cookies")
        if isinstance(cookies, list):
            # Browser-extension exports list cookies as [{"name":…, "value":…}, …].
            cookies = {
                c.get("name"): c.get("value")
                for c in cookies
                if isinstance(c, Mapping) and isinstance(c.get("name"), str)
            }
        if not isinstance(cookies, Mapping):
            raise IncompleteSessionError(_INCOMPLETE + "the cookies were not found.")
        cookies = {k: v for k, v in cookies.items() if isinstance(v, str)}
        x_bc = data.get("x_bc", data.get("x-bc", data.get("bcTokenSha", "")))
        user_agent = data.get("user_agent", data.get("user-agent", data.get("userAgent", "")))
        return cls(
            cookies=cookies,
            x_bc=x_bc if isinstance(x_bc, str) else "",
            user_agent=user_agent if isinstance(user_agent, str) else "",
        )

    @classmethod
    def from_json(cls, text: str) -> CapturedSession:
        try:
            data = json.loads(text)
        except (ValueError, TypeError):
            raise IncompleteSessionError(_INCOMPLETE + "it could not be read.") from None
        return cls.from_mapping(data)

    @classmethod
    def from_file(cls, path: Path | str) -> CapturedSession:
        """Read ``--session-file``: JSON with ``cookies``, ``x_bc`` and ``user_agent``."""
        p = Path(path).expanduser()
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise ConfigurationError(f"The session file {p} could not be read.") from None
        return cls.from_json(text)
