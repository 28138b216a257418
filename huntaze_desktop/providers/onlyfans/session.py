"""A captured OnlyFans browser session: cookies, the x-bc value and the User-Agent.

OnlyFans ties a session to all of these at once; mixing values from two
sign-ins gives "Wrong user.". The whole thing is secret: it is stored as the
``access_token`` of a :class:`~huntaze_desktop.domain.models.TokenSet` in the
vault, and ``repr`` never shows a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huntaze_desktop.domain.errors import ConfigurationError, SignInError

__all__ = [
    "MAX_COOKIE_HEADER",
    "MAX_HEADER_VALUE",
    "MAX_SESSION_FILE",
    "CapturedSession",
    "IncompleteSessionError",
    "InvalidSessionError",
]

_INCOMPLETE = "The OnlyFans session is incomplete: "
_INVALID = "That OnlyFans session is not valid: "
_SIGN_IN_AGAIN = " Please sign in again."

#: Bounds no real sign-in comes near (OnlyFans' cookies take about 1 kB, its
#: User-Agent and x-bc a few hundred bytes; servers commonly refuse request
#: headers past 8-16 kB). A session past them is refused before any request.
MAX_COOKIE_HEADER = 16 * 1024  # the whole "Cookie:" header, in characters
MAX_HEADER_VALUE = 2 * 1024  # x-bc, User-Agent
MAX_SESSION_FILE = 1024 * 1024  # --session-file, in bytes (exports list every cookie)

# A cookie name is an HTTP token (RFC 6265 / RFC 9110); a value, and the other
# header values, printable ASCII: no CR/LF or other control character, nothing
# httpx cannot put in a header. A ";" would end the cookie inside a value.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_TEXT = re.compile(r"[\x20-\x7e]*")


class IncompleteSessionError(SignInError):
    """A captured session lacks a value OnlyFans needs; the message names which."""

    default_message = _INCOMPLETE + "some sign-in values were not found. Please sign in again."


class InvalidSessionError(IncompleteSessionError):
    """A session holding what no browser sends: control characters, absurd sizes.

    A kind of :class:`IncompleteSessionError`, so every place that refuses an
    incomplete session (the sign-in window, the CLI, a stored session) refuses
    this one the same way, and before any request: otherwise httpx refuses the
    header and the failure reads as "could not reach the platform".
    """

    default_message = _INVALID + "it holds values no browser sends." + _SIGN_IN_AGAIN


def _check_sizes(cookies: Mapping[str, str], x_bc: str, user_agent: str) -> None:
    """Raise :class:`InvalidSessionError` for values larger than any sign-in.

    Run first, on the values as given: a 50 MB value is neither copied nor scanned.
    """
    size = sum(len(k) + len(v) + 3 for k, v in cookies.items())
    if size > MAX_COOKIE_HEADER:
        raise InvalidSessionError(
            _INVALID + f"its cookies are larger than any sign-in (over {MAX_COOKIE_HEADER // 1024}"
            " kB)." + _SIGN_IN_AGAIN
        )
    for label, value in (("x-bc", x_bc), ("User-Agent", user_agent)):
        if len(value) > MAX_HEADER_VALUE:
            raise InvalidSessionError(
                _INVALID + f"the browser value '{label}' is larger than any browser sends"
                f" (over {MAX_HEADER_VALUE // 1024} kB)." + _SIGN_IN_AGAIN
            )


def _check_characters(cookies: Mapping[str, str], x_bc: str, user_agent: str) -> None:
    """Raise :class:`InvalidSessionError` for a value that cannot go in a request header."""
    for name, value in cookies.items():
        if not _TOKEN.fullmatch(name):
            raise InvalidSessionError(
                _INVALID + "a cookie name holds characters no browser sends." + _SIGN_IN_AGAIN
            )
        if not _HEADER_TEXT.fullmatch(value) or ";" in value:
            # The name is a checked token: safe to show. The value never is.
            raise InvalidSessionError(
                _INVALID + f"the cookie '{name}' holds characters no browser sends"
                " (a line break or another control character)." + _SIGN_IN_AGAIN
            )
    for label, value in (("x-bc", x_bc), ("User-Agent", user_agent)):
        if not _HEADER_TEXT.fullmatch(value):
            raise InvalidSessionError(
                _INVALID + f"the browser value '{label}' holds characters no browser sends"
                " (a line break or another control character)." + _SIGN_IN_AGAIN
            )


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
        if not isinstance(self.x_bc, str) or not isinstance(self.user_agent, str):
            raise IncompleteSessionError()
        _check_sizes(self.cookies, self.x_bc, self.user_agent)
        # Keep only non-empty values, stripped: a copy so the caller's dict can't change us.
        cookies = {k.strip(): v.strip() for k, v in self.cookies.items() if k.strip() and v.strip()}
        object.__setattr__(self, "cookies", cookies)
        object.__setattr__(self, "_frozen_cookies", tuple(sorted(cookies.items())))
        object.__setattr__(self, "x_bc", self.x_bc.strip())
        object.__setattr__(self, "user_agent", self.user_agent.strip())
        _check_characters(cookies, self.x_bc, self.user_agent)
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
        unreadable = ConfigurationError(f"The session file {p} could not be read.")
        try:
            with p.open("rb") as handle:
                raw = handle.read(MAX_SESSION_FILE + 1)  # no more: a huge file is not loaded
        except OSError:
            raise unreadable from None
        if len(raw) > MAX_SESSION_FILE:
            raise InvalidSessionError(
                _INVALID + f"the session file {p} is larger than any sign-in"
                f" (over {MAX_SESSION_FILE // (1024 * 1024)} MB)." + _SIGN_IN_AGAIN
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise unreadable from None
        return cls.from_json(text)
