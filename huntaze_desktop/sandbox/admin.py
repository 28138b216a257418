"""The sandbox's own control panel under ``/_admin/`` (JSON in, JSON out).

- ``POST /_admin/faults`` with the fields of ``Fault`` (``provider``, ``kind``,
  ``path``, ``times`` (null = always), ``latency_ms``, ``status``, ``retry_after_s``,
  ``hang_s``); ``GET`` lists them; ``DELETE`` clears them (``?provider=`` for one).
- ``POST /_admin/clock`` ``{"advance_seconds": N}`` moves the sandbox clock.
- ``GET /_admin/counters`` (``DELETE`` resets them).
- ``POST /_admin/revoke`` ``{"provider", "user"}`` revokes all grants of a user.
- ``GET``/``POST /_admin/flags`` reads or changes the platforms' quirk flags
  (``SandboxFlags``, by flat name ``<provider>_<flag>``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from huntaze_desktop.sandbox.faults import Fault
from huntaze_desktop.sandbox.state import SandboxState

__all__ = ["admin_routes"]

_FAULT_FIELDS = {f.name for f in dataclasses.fields(Fault)} - {"fired"}


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def admin_routes(state: SandboxState) -> list[Route]:
    """The ``/_admin`` routes bound to one state."""

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse([f.to_json() for f in state.faults.active()])
        if request.method == "DELETE":
            state.faults.clear(request.query_params.get("provider"))
            return Response(status_code=204)
        body = await _json_body(request)
        if body is None or not set(body) <= _FAULT_FIELDS:
            return _bad(f"expected a JSON object with fields among {sorted(_FAULT_FIELDS)}")
        try:
            fault = state.faults.add(Fault(**body))
        except (TypeError, ValueError) as exc:
            return _bad(str(exc))
        return JSONResponse(fault.to_json(), status_code=201)

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            seconds = (body or {}).get("advance_seconds")
            if not isinstance(seconds, int | float):
                return _bad("advance_seconds (number) is required")
            state.advance(float(seconds))
        return JSONResponse({"offset_seconds": state.clock_offset, "now": state.now()})

    async def counters(request: Request) -> Response:
        if request.method == "DELETE":
            with state.lock:
                state.counters.clear()
            return Response(status_code=204)
        with state.lock:
            return JSONResponse(dict(state.counters))

    async def revoke(request: Request) -> Response:
        body = await _json_body(request) or {}
        provider, user = body.get("provider"), body.get("user")
        if not isinstance(provider, str) or not isinstance(user, str):
            return _bad("provider and user are required")
        return JSONResponse({"revoked": state.revoke_user(provider, user)})

    async def flags(request: Request) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            if body is None:
                return _bad("expected a JSON object")
            try:
                state.flags.update(body)
            except (KeyError, TypeError, ValueError) as exc:
                return _bad(f"unknown or invalid flag: {exc}")
            state.changed()
        return JSONResponse(state.flags.as_dict())

    return [
        Route("/_admin/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_admin/clock", clock, methods=["GET", "POST"]),
        Route("/_admin/counters", counters, methods=["GET", "DELETE"]),
        Route("/_admin/revoke", revoke, methods=["POST"]),
        Route("/_admin/flags", flags, methods=["GET", "POST"]),
    ]
