"""The OnlyFans signing rules: a small JSON document that changes often.

OnlyFans has no public API. Every request is signed with values
(``static_param``, ``checksum_indexes``, ``checksum_constant``, ``format`` or
``prefix``/``suffix``, ``app_token``) that the site rotates; community projects
publish the current values as JSON ("dynamic rules"). We never hard-code them:
they come from a file or an http(s) URL named in Settings
(``onlyfans_rules_url``), and the last good copy is cached in the data
directory so a URL that is down does not break every request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import msgspec

from huntaze_desktop.domain.errors import (
    BusyError,
    ConfigurationError,
    NetworkError,
    ProviderUnavailableError,
    RateLimitedError,
)

__all__ = ["CACHE_FILE_NAME", "Rules", "RulesSource", "parse_rules"]

log = logging.getLogger("huntaze.providers.onlyfans.rules")

CACHE_FILE_NAME = "onlyfans_rules.json"

_NO_SOURCE = (
    "OnlyFans needs a signing rules file. Set its location (a file or an https URL) "
    "in Settings under 'OnlyFans rules'."
)

_NonEmptyStr = Annotated[str, msgspec.Meta(min_length=1)]
# Where msgspec says a problem is ("... - at `$.checksum_indexes[1]`"), and a missing field.
_PLACE = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_MISSING = re.compile(r"missing required field `(?P<field>[^`]+)`")


class Rules(msgspec.Struct, frozen=True, kw_only=True):
    """One revision of the community "dynamic rules" used to sign requests."""

    static_param: _NonEmptyStr
    checksum_indexes: Annotated[tuple[int, ...], msgspec.Meta(min_length=1)]
    checksum_constant: int
    app_token: _NonEmptyStr
    # Either a format with two placeholders (SHA-1 hex, checksum) ...
    format: str | None = None
    # ... or the older prefix/suffix pair (some publishers call them start/end).
    prefix: str | None = None
    suffix: str | None = None
    remove_headers: tuple[str, ...] = ()
    revision: str | None = None

    def __post_init__(self) -> None:
        """The checks that span fields (msgspec reports a ValueError as a ValidationError)."""
        if self.format is None and (self.prefix is None or self.suffix is None):
            raise ValueError("either 'format' or both 'prefix' and 'suffix' are required")
        if self.format is not None:
            try:
                self.format.format("0" * 40, 0)
            except (IndexError, KeyError, ValueError) as exc:
                raise ValueError(f"'format' is not a usable template: {exc}") from None
        # SHA-1 hex digests are 40 characters; an index outside them cannot be right.
        if any(not -40 <= i < 40 for i in self.checksum_indexes):
            raise ValueError("'checksum_indexes' must point inside a 40-character digest")


def _normalised(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with the spellings publishers disagree on made ours."""
    data = dict(data)
    for name, other in (("prefix", "start"), ("suffix", "end")):
        if name not in data and other in data:
            data[name] = data[other]
    if "checksum_constant" not in data and "checksum_constants" in data:
        consts = data["checksum_constants"]
        if isinstance(consts, list) and all(isinstance(c, int) for c in consts):
            data["checksum_constant"] = sum(consts)
    if isinstance(data.get("revision"), int):
        data["revision"] = str(data["revision"])
    return data


def _field_named(error: msgspec.ValidationError) -> str:
    """What a validation error is about, in the document's own names.

    msgspec stops at the first problem and says where it is in the message
    ("Expected `int`, got `str` - at `$.checksum_indexes[1]`" gives
    ``checksum_indexes.1``; a missing field is only named in the text). A check
    of the whole document (``Rules.__post_init__``) has no place: "document".
    """
    message = str(error)
    place = _PLACE.search(message)
    parts = re.findall(r"\w+", place["path"]) if place else []
    if missing := _MISSING.search(message):
        parts.append(missing["field"])
    return ".".join(parts) or "document"


def parse_rules(raw: str | bytes, *, origin: str) -> Rules:
    """Validate a rules document; anything wrong is a ConfigurationError naming ``origin``.

    The message names the field at fault, never the value (which may be a token).
    """
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ConfigurationError(
            f"The OnlyFans rules from {origin} are not valid JSON. "
            "Check the rules location in Settings."
        ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"The OnlyFans rules from {origin} are not a JSON object. "
            "Check the rules location in Settings."
        )
    try:
        # Lax: some publishers quote their numbers ("5").
        return msgspec.convert(_normalised(data), Rules, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigurationError(
            f"The OnlyFans rules from {origin} are incomplete or invalid "
            f"(problem with: {_field_named(exc)}). Check the rules location in Settings."
        ) from None


def _is_url(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def _origin(location: str) -> str:
    """A user-safe name for a location: host only for URLs (queries may hold keys)."""
    if _is_url(location):
        parts = urlsplit(location)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"
    return location


class RulesSource:
    """Loads rules from a file or URL, remembers them, and keeps a cached copy.

    ``get()`` returns the in-memory copy while it is younger than ``max_age``
    seconds, so rotated rules are picked up without restarting the app;
    ``refresh()`` forces a reload (used after the site rejects a signature).
    """

    def __init__(
        self,
        location: str | None,
        *,
        cache_file: Path | None = None,
        http: httpx.AsyncClient | None = None,
        max_age: float = 3600.0,
    ) -> None:
        self.location = location.strip() if location and location.strip() else None
        self.cache_file = cache_file
        self._http = http
        self._max_age = max_age
        self._rules: Rules | None = None
        self._loaded_at = 0.0

    def __repr__(self) -> str:
        loc = _origin(self.location) if self.location else None
        return f"RulesSource(location={loc!r})"

    async def get(self) -> Rules:
        """The current rules; raises ConfigurationError, or NetworkError and
        ProviderUnavailableError/RateLimitedError when the URL is down and nothing is cached
        (BusyError when it could not be asked: no free connection in the client's pool)."""
        if self._rules is None or time.monotonic() - self._loaded_at > self._max_age:
            return await self.refresh()
        return self._rules

    async def refresh(self) -> Rules:
        rules = await self._load()
        self._rules = rules
        self._loaded_at = time.monotonic()
        return rules

    async def _load(self) -> Rules:
        # File and cache access block: keep them off the event loop (the UI runs there).
        if self.location is None or not _is_url(self.location):
            return await asyncio.to_thread(self._load_local, self.location)
        return await self._load_url(self.location)

    def _load_local(self, location: str | None) -> Rules:
        if location is None:
            cached = self._read_cache()
            if cached is not None:
                return cached
            raise ConfigurationError(_NO_SOURCE)
        # A local file the user edits: its errors are theirs to see, no fallback.
        path = Path(location).expanduser()
        try:
            raw = path.read_bytes()
        except OSError:
            raise ConfigurationError(
                f"The OnlyFans rules file {path} could not be read. "
                "Check the rules location in Settings."
            ) from None
        rules = parse_rules(raw, origin=str(path))
        self._write_cache(rules)
        return rules

    async def _load_url(self, url: str) -> Rules:
        origin = _origin(url)
        try:
            if self._http is not None:
                response = await self._http.get(url, timeout=15.0)
            else:
                async with httpx.AsyncClient(timeout=15.0) as http:
                    response = await http.get(url)
        except httpx.PoolTimeout:
            # Nothing was sent (no free connection here): busy, not unreachable.
            log.info("OnlyFans rules URL %s not asked: no free connection", origin)
            return await asyncio.to_thread(self._fallback, origin, "could not be asked", busy=True)
        except httpx.HTTPError as exc:
            log.warning("OnlyFans rules URL %s unreachable: %s", origin, type(exc).__name__)
            return await asyncio.to_thread(self._fallback, origin, "could not be reached")
        if response.status_code != 200:
            log.warning("OnlyFans rules URL %s answered HTTP %s", origin, response.status_code)
            why = f"answered with HTTP {response.status_code}"
            return await asyncio.to_thread(self._fallback, origin, why, response.status_code)
        rules = parse_rules(response.content, origin=origin)
        await asyncio.to_thread(self._write_cache, rules)
        return rules

    def _fallback(
        self, origin: str, why: str, status: int | None = None, *, busy: bool = False
    ) -> Rules:
        cached = self._read_cache()
        if cached is not None:
            log.info("Using the cached OnlyFans rules (revision %s)", cached.revision)
            return cached
        if busy:
            raise BusyError()
        message = (
            f"The OnlyFans rules at {origin} {why}, and no earlier copy is saved. "
            "Check your connection or the rules location in Settings."
        )
        # Transient trouble stays transient (retried later); a 404 is a wrong setting.
        if status is None:
            raise NetworkError(message)
        if status == 429:
            raise RateLimitedError(message, provider="onlyfans")
        if status >= 500:
            raise ProviderUnavailableError(message, provider="onlyfans", http_status=status)
        raise ConfigurationError(message)

    def _read_cache(self) -> Rules | None:
        if self.cache_file is None:
            return None
        try:
            raw = self.cache_file.read_bytes()
        except OSError:
            return None
        try:
            return parse_rules(raw, origin="the saved copy")
        except ConfigurationError:
            log.warning("The cached OnlyFans rules are invalid; ignoring them")
            return None

    def _write_cache(self, rules: Rules) -> None:
        if self.cache_file is None:
            return
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".rules-", dir=self.cache_file.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(msgspec.json.format(msgspec.json.encode(rules), indent=2))
            os.replace(tmp, self.cache_file)
        except OSError as exc:
            # The cache is a convenience; failing to write it must not fail a request.
            log.warning("Could not save the OnlyFans rules cache: %s", type(exc).__name__)
