"""Validators on sandbox answers: ``ETag``, and ``304 Not Modified`` for a match.

Graph API hosts (graph.facebook.com, graph.instagram.com) tag their JSON
answers with an ``ETag`` (a hash of the body) and answer ``If-None-Match``
with ``304`` and no body when it still matches; the sandbox's Instagram host
does the same so that clients' conditional requests meet a real server.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from huntaze_desktop.sandbox.state import SandboxState

__all__ = ["matches", "tagged_json"]


def tagged_json(
    request: Request,
    state: SandboxState,
    provider: str,
    content: object,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``content`` as JSON with a strong ``ETag``; 304 when the request already holds it.

    Counts ``not_modified.<provider>`` for each 304 (tests read the counter).
    """
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    out = {**(headers or {}), "ETag": etag}
    if matches(request.headers.get("if-none-match"), etag):
        state.count(f"not_modified.{provider}")
        return Response(status_code=304, headers=out)
    return Response(body, media_type="application/json", headers=out)


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: ``*`` or any listed tag equal under weak comparison."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))
