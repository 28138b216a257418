"""Request signing for the OnlyFans web API (a pure function of the rules).

``sign`` = the rules' ``format`` filled with the SHA-1 hex digest of
``static_param``, ``time``, the request path with its query string, and the
user id (joined by newlines), and a checksum: the sum of the character codes of
that digest at ``checksum_indexes`` plus ``checksum_constant``, in hex.
"""

from __future__ import annotations

import hashlib

from huntaze_desktop.providers.onlyfans.rules import Rules

__all__ = ["checksum", "digest", "sign", "signature"]


def digest(rules: Rules, path_with_query: str, user_id: str, time_ms: str) -> str:
    message = "\n".join([rules.static_param, time_ms, path_with_query, user_id])
    # SHA-1 is what the site uses here; this is not a security choice of ours.
    return hashlib.sha1(message.encode("utf-8"), usedforsecurity=False).hexdigest()


def checksum(rules: Rules, hex_digest: str) -> int:
    total = sum(ord(hex_digest[i]) for i in rules.checksum_indexes) + rules.checksum_constant
    # Community clients format the absolute value: a negative constant never yields "-…".
    return abs(total)


def signature(rules: Rules, path_with_query: str, user_id: str, time_ms: str) -> str:
    """The value of the ``sign`` header."""
    sha = digest(rules, path_with_query, user_id, time_ms)
    check = checksum(rules, sha)
    if rules.format is not None:
        return rules.format.format(sha, check)
    return f"{rules.prefix}:{sha}:{check:x}:{rules.suffix}"


def sign(
    rules: Rules, path_with_query: str, user_id: str | int, time_ms: int | str
) -> dict[str, str]:
    """The signing headers for one request: ``sign``, ``time``, ``app-token``, ``user-id``.

    ``path_with_query`` is the URL path as sent, e.g. ``/api2/v2/users/me`` or
    ``/api2/v2/earnings/chart?startDate=…&endDate=…&withTotal=true``.
    """
    uid = str(user_id)
    t = str(time_ms)
    headers = {
        "sign": signature(rules, path_with_query, uid, t),
        "time": t,
        "app-token": rules.app_token,
        "user-id": uid,
    }
    # Rules may ask to drop a header (published as "user_id" or "user-id").
    for name in rules.remove_headers:
        headers.pop(name.replace("_", "-").lower(), None)
    return headers
