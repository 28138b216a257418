"""The OnlyFans signing rules: a small JSON document that changes often.

OnlyFans has no public API. Every request is signed with values (the static
parameter, the checksum indexes and constant, the sign's prefix and suffix or a
``format``, the app token) that the site rotates; community projects publish the
current values as JSON ("dynamic rules"), each in its own spelling. We never
hard-code the rotating values: they come from a file or an http(s) URL named in
Settings (``onlyfans_rules_url``), else from the well-known public sources
(``WELL_KNOWN_SOURCES``) one after the other, and the last good copy is cached
in the data directory so that sources being down does not break every request.

Every published shape is read (``normalise_rules``; docs/PLATFORMS.md names the
repositories): snake_case or camelCase names (``staticParam``,
``checksumIndexes``, ``checksumConstant``), ``app-token`` with a dash,
``start``/``end`` or ``first_param``/``last_param`` for prefix/suffix, a
``checksum_constants`` list (summed), ``x-of-rev`` for the revision, and no app
token at all: community clients then send the web app's published constant,
``WEB_APP_TOKEN``, and so do we. After loading, a self-check
(``Rules.__post_init__``) refuses rules whose parts disagree or whose format
could not make a signature.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import msgspec

from huntaze_desktop.domain.errors import (
    BusyError,
    ConfigurationError,
    HuntazeError,
    NetworkError,
    ProviderUnavailableError,
    RateLimitedError,
)
from huntaze_desktop.fileio import replace_atomically
from huntaze_desktop.net.client import create_http_client

__all__ = [
    "CACHE_FILE_NAME",
    "WEB_APP_TOKEN",
    "WELL_KNOWN_SOURCES",
    "Rules",
    "RulesSource",
    "normalise_rules",
    "parse_rules",
    "rules_origin",
]

log = logging.getLogger("huntaze.providers.onlyfans.rules")

CACHE_FILE_NAME = "onlyfans_rules.json"

# The web app's own token: every published rules file that carries an app token
# carries this one, and community clients hard-code it for files that do not
# (docs/PLATFORMS.md, "Signed requests"). It is public, not a secret.
WEB_APP_TOKEN = "33d57ade8c02dbc5a333db99ff9ae26a"  # noqa: S105 - a published constant

# The public rules sources, tried in this order after the one set in Settings
# (OF-Scraper's list, ``ofscraper/const/values/dynamic.py``; docs/PLATFORMS.md).
WELL_KNOWN_SOURCES: tuple[str, ...] = (
    "https://raw.githubusercontent.com/datawhores/onlyfans-dynamic-rules/main/dynamicRules.json",
    "https://raw.githubusercontent.com/DATAHOARDERS/dynamic-rules/main/onlyfans.json",
    "https://raw.githubusercontent.com/xagler/dynamic-rules/main/onlyfans.json",
    "https://raw.githubusercontent.com/rafa-9/dynamic-rules/main/rules.json",
    "https://raw.githubusercontent.com/deviint/onlyfans-dynamic-rules/main/dynamicRules.json",
)

_NO_SOURCE = (
    "OnlyFans needs a signing rules file. Set its location (a file or an https URL) "
    "in Settings under 'OnlyFans rules'."
)

_NonEmptyStr = Annotated[str, msgspec.Meta(min_length=1)]
# Where msgspec says a problem is ("... - at `$.checksum_indexes[1]`"), and a missing field.
_PLACE = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_MISSING = re.compile(r"missing required field `(?P<field>[^`]+)`")
# A stand-in digest and checksum for the self-check of a ``format``.
_SAMPLE_DIGEST = "0123456789abcdef0123456789abcdef01234567"
_SAMPLE_CHECKSUM = 0xBEEF


class Rules(msgspec.Struct, frozen=True, kw_only=True):
    """One revision of the community "dynamic rules" used to sign requests (normalised)."""

    static_param: _NonEmptyStr
    checksum_indexes: Annotated[tuple[int, ...], msgspec.Meta(min_length=1)]
    checksum_constant: int
    # Files without one: the web app's published token, as community clients send.
    app_token: _NonEmptyStr = WEB_APP_TOKEN
    # Either a format with two placeholders (SHA-1 hex, checksum) ...
    format: str | None = None
    # ... or the prefix/suffix pair (published as start/end or first_param/last_param too).
    prefix: str | None = None
    suffix: str | None = None
    remove_headers: tuple[str, ...] = ()
    revision: str | None = None

    def __post_init__(self) -> None:
        """The self-check (msgspec reports a ValueError as a ValidationError)."""
        if self.format is None and (self.prefix is None or self.suffix is None):
            raise ValueError("either 'format' or both 'prefix' and 'suffix' are required")
        if self.format is not None:
            try:
                rendered = self.format.format(_SAMPLE_DIGEST, _SAMPLE_CHECKSUM)
            except (IndexError, KeyError, ValueError) as exc:
                raise ValueError(f"'format' is not a usable template: {exc}") from None
            # The sign carries the digest, then the checksum in lower-case hex.
            rest = rendered.replace(_SAMPLE_DIGEST, "", 1)
            if _SAMPLE_DIGEST not in rendered or f"{_SAMPLE_CHECKSUM:x}" not in rest:
                raise ValueError("'format' must hold the digest ({}) and the hex checksum ({:x})")
            if self.prefix is not None and self.suffix is not None:
                expected = f"{self.prefix}:{{}}:{{:x}}:{self.suffix}"
                if self.format != expected:
                    raise ValueError("'format' and 'prefix'/'suffix' disagree")
        # SHA-1 hex digests are 40 characters; an index outside them cannot be right.
        if any(not -40 <= i < 40 for i in self.checksum_indexes):
            raise ValueError("'checksum_indexes' must point inside a 40-character digest")


# Our name -> the other spellings of it in published rules files (docs/PLATFORMS.md).
_ALIASES: dict[str, tuple[str, ...]] = {
    "static_param": ("staticParam",),
    "checksum_indexes": ("checksumIndexes",),
    "checksum_constant": ("checksumConstant",),
    "checksum_constants": ("checksumConstants",),
    "app_token": ("app-token", "appToken"),
    "format": (),
    "prefix": ("start", "first_param"),
    "suffix": ("end", "last_param"),
    "remove_headers": ("removeHeaders",),
    "revision": ("x-of-rev",),
}


class _Disagreement(ValueError):
    """Two spellings of one rule, or the constant and its list, hold different values."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(", ".join(names))
        self.names = tuple(names)


class _Unreadable(ValueError):
    """A value normalisation needs is not of a usable kind (named, never shown)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        return int(value)
    return None


def normalise_rules(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` under our names (see ``_ALIASES``); unknown keys are dropped.

    A ``null`` counts as absent. Two spellings of one rule must agree, and a
    ``checksum_constants`` list must sum to ``checksum_constant`` when both are
    given (``_Disagreement`` names them otherwise); a constants list that is not
    whole numbers is ``_Unreadable``.
    """
    out: dict[str, Any] = {}
    for name, others in _ALIASES.items():
        found = [(key, data[key]) for key in (name, *others) if data.get(key) is not None]
        if len({json.dumps(value, sort_keys=True) for _, value in found}) > 1:
            raise _Disagreement([key for key, _ in found])
        if found:
            out[name] = found[0][1]
    constants = out.pop("checksum_constants", None)
    if constants is not None:
        numbers = [_as_int(c) for c in constants] if isinstance(constants, list) else [None]
        if any(n is None for n in numbers) or not numbers:
            raise _Unreadable("checksum_constants")
        total = sum(n for n in numbers if n is not None)
        given = out.get("checksum_constant")
        if given is not None and _as_int(given) != total:
            raise _Disagreement(["checksum_constant", "checksum_constants"])
        out["checksum_constant"] = total if given is None else given
    if isinstance(out.get("revision"), int):
        out["revision"] = str(out["revision"])
    return out


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
    """Read, normalise and self-check a rules document in any published shape.

    Anything wrong is a ConfigurationError naming ``origin`` and the field at
    fault, never a value (a value may be a token).
    """
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
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
        return msgspec.convert(normalise_rules(data), Rules, strict=False)
    except _Disagreement as exc:
        raise ConfigurationError(
            f"The OnlyFans rules from {origin} contradict themselves (problem with: "
            f"{', '.join(exc.names)}). Check the rules location in Settings."
        ) from None
    except (_Unreadable, msgspec.ValidationError) as exc:
        field = exc.name if isinstance(exc, _Unreadable) else _field_named(exc)
        raise ConfigurationError(
            f"The OnlyFans rules from {origin} are incomplete or invalid "
            f"(problem with: {field}). Check the rules location in Settings."
        ) from None


def _is_url(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def rules_origin(location: str) -> str:
    """A user-safe name for a location: no query or credentials for URLs (they may hold keys)."""
    if _is_url(location):
        parts = urlsplit(location)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"
    return location


@dataclass(frozen=True, slots=True)
class _Failure:
    """Why one source gave no rules: what to tell the user and whether it may pass."""

    origin: str
    why: str
    error: type[HuntazeError]
    status: int | None = None
    # The loader's own sentence when the source served unusable rules.
    detail: str | None = None


class RulesSource:
    """Loads rules from a file or URLs, remembers them, and keeps a cached copy.

    ``location`` (Settings) is tried first, then each of ``fallbacks`` (the app
    passes ``WELL_KNOWN_SOURCES`` for the real site), then the cached copy of the
    last good rules; only then is it an error, naming every source's problem. A
    local file is the user's own: its problems are shown, with no fallback.

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
        fallbacks: Sequence[str] = (),
    ) -> None:
        self.location = location.strip() if location and location.strip() else None
        self.fallbacks = tuple(u for u in fallbacks if u != self.location)
        self.cache_file = cache_file
        self._http = http
        self._max_age = max_age
        self._rules: Rules | None = None
        self._loaded_at = 0.0
        # Where the current rules came from (an origin, "the saved copy"), for messages.
        self.loaded_from: str | None = None

    def __repr__(self) -> str:
        loc = rules_origin(self.location) if self.location else None
        return f"RulesSource(location={loc!r}, fallbacks={len(self.fallbacks)})"

    async def get(self) -> Rules:
        """The current rules; raises ConfigurationError, or NetworkError and
        ProviderUnavailableError/RateLimitedError when every source is down and
        nothing is cached."""
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
        if self.location is not None and not _is_url(self.location):
            return await asyncio.to_thread(self._load_file, self.location)
        urls = ([self.location] if self.location else []) + list(self.fallbacks)
        if not urls:
            cached = await asyncio.to_thread(self._read_cache)
            if cached is not None:
                self.loaded_from = "the saved copy"
                return cached
            raise ConfigurationError(_NO_SOURCE)
        failures: list[_Failure] = []
        for url in urls:
            found = await self._fetch(url)
            if isinstance(found, _Failure):
                failures.append(found)
                continue
            await asyncio.to_thread(self._write_cache, found)
            self.loaded_from = rules_origin(url)
            return found
        return await asyncio.to_thread(self._fallback, failures)

    def _load_file(self, location: str) -> Rules:
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
        self.loaded_from = str(path)
        return rules

    async def _fetch(self, url: str) -> Rules | _Failure:
        """The rules one URL serves, or why it served none (logged, never raised)."""
        origin = rules_origin(url)
        try:
            if self._http is not None:
                response = await self._http.get(url, timeout=15.0)
            else:
                # Standalone use: the app's client all the same (proxy settings, loopback).
                async with create_http_client(timeout=15.0) as http:
                    response = await http.get(url)
        except httpx.PoolTimeout:
            # Nothing was sent (no free connection here): busy, not unreachable.
            log.info("OnlyFans rules URL %s not asked: no free connection", origin)
            return _Failure(origin, "could not be asked (no free connection)", BusyError)
        except httpx.HTTPError as exc:
            log.warning("OnlyFans rules URL %s unreachable: %s", origin, type(exc).__name__)
            return _Failure(origin, "could not be reached", NetworkError)
        status = response.status_code
        if status != 200:
            log.warning("OnlyFans rules URL %s answered HTTP %s", origin, status)
            error: type[HuntazeError] = ConfigurationError
            if status == 429:
                error = RateLimitedError
            elif status >= 500:
                error = ProviderUnavailableError
            return _Failure(origin, f"answered with HTTP {status}", error, status)
        try:
            return parse_rules(response.content, origin=origin)
        except ConfigurationError as exc:
            log.warning("OnlyFans rules URL %s served unusable rules", origin)
            return _Failure(
                origin, "served unusable rules", ConfigurationError, detail=exc.user_message
            )

    def _fallback(self, failures: list[_Failure]) -> Rules:
        cached = self._read_cache()
        if cached is not None:
            log.info("Using the cached OnlyFans rules (revision %s)", cached.revision)
            self.loaded_from = "the saved copy"
            return cached
        if len(failures) == 1 and failures[0].detail is not None:
            # One source that served unusable rules: the loader's sentence says what is wrong.
            raise ConfigurationError(failures[0].detail)
        if len(failures) == 1:
            what = f"The OnlyFans rules at {failures[0].origin} {failures[0].why}"
        else:
            parts = "; ".join(f"{f.origin} {f.why}" for f in failures)
            what = f"None of the OnlyFans rules sources gave usable rules ({parts})"
        # Without a cache (``onlyfans rules check``) there is no earlier copy to speak of.
        saved = ", and no earlier copy is saved" if self.cache_file is not None else ""
        message = f"{what}{saved}. Check your connection or the rules location in Settings."
        # Transient trouble stays transient (retried later); a 404 everywhere is a setting.
        transient = next((f for f in failures if f.error is not ConfigurationError), None)
        if transient is None:
            raise ConfigurationError(message)
        if all(f.error is BusyError for f in failures):
            raise BusyError()  # nothing was asked: this app is busy, not the network down
        if transient.error is RateLimitedError:
            raise RateLimitedError(message, provider="onlyfans")
        if transient.error is ProviderUnavailableError:
            raise ProviderUnavailableError(
                message, provider="onlyfans", http_status=transient.status
            )
        raise NetworkError(message)

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
        """The last good rules, normalised, owner-only, replaced atomically."""
        if self.cache_file is None:
            return
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            text = msgspec.json.format(msgspec.json.encode(rules), indent=2).decode()
            with replace_atomically(self.cache_file, mode=0o600) as handle:
                handle.write(text)
        except OSError as exc:
            # The cache is a convenience; failing to write it must not fail a request.
            log.warning("Could not save the OnlyFans rules cache: %s", type(exc).__name__)
