"""The OnlyFans stand-in: a look-alike sign-in page and the signed web API.

Mounted under ``/onlyfans/site`` (standing for https://onlyfans.com):

- ``GET /`` — sign-in form (inputs ``email``, ``password``, button ``login``).
  ``POST /`` signs in: cookies ``sess``, ``auth_id`` (and ``auth_uid_<id>`` for
  the two-factor demo user), and a page that puts ``bcTokenSha`` in localStorage
  (also in ``<meta name="bc-token-sha">`` for scripts), then says "You are signed in".
- ``GET /rules.json`` — the sandbox's own signing rules.
- ``GET /api2/v2/users/me``, ``/earnings/chart``, ``/payouts/balances`` — every
  request must be signed with those rules and carry the values of one session:
  a bad signature is 400, values from two sessions are 400 "Wrong user.", an
  unknown or expired session is 401. The site checks signatures with its own
  implementation of the published algorithm (``expected_sign``), not the app's
  signer, so a signing bug in the app is a 400 here as it would be on the site.
- ``POST /_admin/expire-sessions`` (``{"user": name}`` optional) expires sessions.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from huntaze_desktop.providers.onlyfans.rules import Rules, parse_rules
from huntaze_desktop.sandbox.faults import FaultShapes
from huntaze_desktop.sandbox.platform import SandboxApp
from huntaze_desktop.sandbox.state import DemoUser, SandboxState

__all__ = [
    "APP",
    "FAULT_SHAPES",
    "RULES_FILE",
    "SandboxSession",
    "SiteRules",
    "dump_plugin_state",
    "expected_sign",
    "load_plugin_state",
    "routes",
    "sandbox_rules",
    "scripted_sign_in",
    "sessions",
    "site_rules",
]

PROVIDER = "onlyfans"
RULES_FILE = Path(__file__).with_name("rules.json")
SESSION_LIFETIME_S = 30 * 86_400
MAX_CHART_DAYS = 732


def _error(code: int, message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


FAULT_SHAPES = FaultShapes(
    rate_limited=lambda _s: _error(429, "Too Many Requests", 429),
    revoked_grant=lambda: _error(401, "Unauthorized", 401),
    expired_session=lambda: _error(401, "Unauthorized", 401),
)


def sandbox_rules() -> Rules:
    """The stand-in's rules as the app reads them (for tests that sign as the app does)."""
    return parse_rules(RULES_FILE.read_bytes(), origin="the sandbox rules")


@dataclass(frozen=True, slots=True)
class SiteRules:
    """The rules as the site holds them, read from ``rules.json`` here (not by the app)."""

    static_param: str
    indexes: tuple[int, ...]
    constant: int
    start: str
    end: str
    app_token: str


# The stand-in's rules file writes the sign as "<start>:{}:{:x}:<end>".
_SIGN_TEMPLATE = re.compile(r"(?P<start>[^:{}]*):\{\}:\{:x\}:(?P<end>[^:{}]*)")


def site_rules() -> SiteRules:
    doc = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    template = _SIGN_TEMPLATE.fullmatch(doc["format"])
    if template is None:
        raise ValueError("the sandbox rules' format is not <start>:{}:{:x}:<end>")
    return SiteRules(
        static_param=doc["static_param"],
        indexes=tuple(int(i) for i in doc["checksum_indexes"]),
        constant=int(doc["checksum_constant"]),
        start=template["start"],
        end=template["end"],
        app_token=doc["app_token"],
    )


def expected_sign(rules: SiteRules, path_with_query: str, user_id: str, time_ms: str) -> str:
    """The ``sign`` the site expects, written from the published description.

    (``deviint/onlyfans-dynamic-rules`` ``examples/example.py``; docs/PLATFORMS.md.)
    The SHA-1 of the static parameter, the time, the path with its query and the
    user id, one per line, as hex; the checksum adds, for each index, the ASCII
    code of the hex digest's character there, then the constant; the sign is
    ``start:digest:hex(|checksum|):end``.
    """
    lines = (rules.static_param, time_ms, path_with_query, user_id)
    hex_digest = hashlib.sha1("\n".join(lines).encode("utf-8"), usedforsecurity=False).hexdigest()
    ascii_codes = hex_digest.encode("ascii")
    total = rules.constant
    for index in rules.indexes:
        total += ascii_codes[index]
    return ":".join((rules.start, hex_digest, format(abs(total), "x"), rules.end))


@dataclass(slots=True)
class SandboxSession:
    """One signed-in browser: what every API call must match."""

    sess: str
    user: DemoUser
    x_bc: str
    user_agent: str
    auth_uid: str | None
    created_at: float
    expired: bool = False


def sessions(state: SandboxState) -> dict[str, SandboxSession]:
    """The OnlyFans sessions of one sandbox (kept in the state's plug-in space)."""
    with state.lock:
        space = state.plugin_data.setdefault(PROVIDER, {})
        found: dict[str, SandboxSession] = space.setdefault("sessions", {})
        return found


def dump_plugin_state(state: SandboxState) -> list[dict[str, Any]]:
    """The sessions as JSON rows (``sandbox.persistence`` keeps them across restarts)."""
    with state.lock:
        return [
            {
                "sess": s.sess,
                "user": s.user.username,
                "x_bc": s.x_bc,
                "user_agent": s.user_agent,
                "auth_uid": s.auth_uid,
                "created_at": s.created_at,
                "expired": s.expired,
            }
            for s in sessions(state).values()
        ]


def load_plugin_state(state: SandboxState, rows: Any) -> None:
    """Restore ``dump_plugin_state`` rows; sessions of unknown users are skipped."""
    found = sessions(state)
    for row in rows if isinstance(rows, list) else []:
        user = state.find_user(PROVIDER, str(row.get("user", "")))
        if user is None:
            continue
        found[str(row["sess"])] = SandboxSession(
            sess=str(row["sess"]),
            user=user,
            x_bc=str(row["x_bc"]),
            user_agent=str(row["user_agent"]),
            auth_uid=row.get("auth_uid"),
            created_at=float(row["created_at"]),
            expired=bool(row.get("expired", False)),
        )


def _email(user: DemoUser) -> str:
    return f"{user.username}@example.com"


def _two_factor(state: SandboxState, user: DemoUser) -> bool:
    # Every second demo user "has two-factor sign-in": their session carries auth_uid_<id>.
    return state.users.get(PROVIDER, []).index(user) % 2 == 1


# -- pages -------------------------------------------------------------------

_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f8fafd;margin:0}"
    "main{max-width:380px;margin:56px auto;background:#fff;border-radius:14px;padding:28px;"
    "box-shadow:0 2px 14px rgba(0,0,0,.08)}h1{color:#00aff0;margin:0 0 6px}"
    "label{display:block;margin:12px 0 4px;font-size:13px}input{width:100%;padding:10px;"
    "box-sizing:border-box;border:1px solid #ccd;border-radius:8px}button{width:100%;"
    "margin-top:16px;padding:11px;border:0;border-radius:22px;background:#00aff0;color:#fff;"
    "font-size:15px}.sandbox{font-size:12px;background:#fff4d6;color:#8a5a00;padding:4px 8px;"
    "border-radius:6px;display:inline-block}.error{color:#b00020}.hint{font-size:12px;"
    "color:#666;margin-top:16px}"
)


def _page(title: str, body: str, head: str = "") -> HTMLResponse:
    return HTMLResponse(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style>{head}</head>"
        f"<body><main><div class='sandbox'>Sandbox — not the real OnlyFans</div>{body}"
        "</main></body></html>"
    )


def _login_page(state: SandboxState, error: str | None = None, email: str = "") -> HTMLResponse:
    users = state.users.get(PROVIDER, [])
    hint = ", ".join(
        f"<code>{escape(_email(u))}</code> / <code>{escape(u.password)}</code>" for u in users
    )
    err = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    return _page(
        "OnlyFans",
        f"<h1>OnlyFans</h1><p>Sign in to your account</p>{err}"
        "<form method='post' action=''>"
        "<label for='email'>Email</label>"
        f"<input id='email' name='email' type='email' value='{escape(email)}' required>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' required>"
        "<button id='login' type='submit'>Log in</button></form>"
        f"<p class='hint'>Demo accounts: {hint}</p>",
    )


def _signed_in_page(session: SandboxSession) -> HTMLResponse:
    token = json.dumps(session.x_bc)
    head = f"<meta name='bc-token-sha' content='{escape(session.x_bc)}'>"
    body = (
        f"<h1>OnlyFans</h1><p id='signed-in' data-bc-token-sha='{escape(session.x_bc)}'>"
        f"You are signed in as <strong>{escape(session.user.display_name)}</strong>.</p>"
        f"<script>window.localStorage.setItem('bcTokenSha', {token});</script>"
    )
    return _page("OnlyFans — signed in", body, head)


# -- deterministic numbers ----------------------------------------------------


def _noise(user: DemoUser, day: date, salt: str) -> float:
    """A stable number in [0, 1) per (user, day): the same day always reads the same."""
    raw = hashlib.sha256(f"{user.user_id}:{day.isoformat()}:{salt}".encode()).digest()
    return int.from_bytes(raw[:8], "big") / 2**64


def subscribers_on(user: DemoUser, day: date) -> int:
    age = max(0, (day - user.joined).days)
    trend = user.followers * (1 + 0.0009 * age) + 12 * math.sin(age / 9)
    return max(0, round(trend + 20 * _noise(user, day, "subs")))


def earnings_on(user: DemoUser, day: date) -> float:
    if day < user.joined:
        return 0.0
    base = subscribers_on(user, day) * 0.035
    weekend = 1.25 if day.weekday() >= 5 else 1.0
    return round(base * weekend * (0.6 + 0.8 * _noise(user, day, "earn")), 2)


def _parse_day(value: str | None) -> date | None:
    if not value or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


# -- the API ------------------------------------------------------------------


def _check_request(state: SandboxState, request: Request) -> SandboxSession | JSONResponse:
    """The session a signed API request belongs to, or the site's error answer."""
    rules = site_rules()
    headers = request.headers
    user_id = headers.get("user-id", "")
    time_ms = headers.get("time", "")
    path = request.url.path[len(request.scope.get("root_path", "")) :]
    signed = path + (f"?{request.url.query}" if request.url.query else "")
    expected = expected_sign(rules, signed, user_id, time_ms)
    if (
        headers.get("app-token") != rules.app_token
        or not time_ms.isdigit()
        or not secrets.compare_digest(headers.get("sign", ""), expected)
    ):
        state.count("onlyfans.bad_signatures")
        return _error(0, "Please refresh the page", 400)
    cookies = request.cookies
    session = sessions(state).get(cookies.get("sess", ""))
    if session is None or session.expired or state.now() - session.created_at > SESSION_LIFETIME_S:
        return _error(401, "Your session has expired. Please log in again.", 401)
    uid = session.user.user_id
    same = (
        cookies.get("auth_id") == uid
        and user_id == uid
        and headers.get("x-bc") == session.x_bc
        and headers.get("user-agent") == session.user_agent
        and (session.auth_uid is None or cookies.get(f"auth_uid_{uid}") == session.auth_uid)
    )
    if not same:
        state.count("onlyfans.wrong_user")
        return _error(301, "Wrong user.", 400)
    return session


_BC_META = re.compile(r"<meta name='bc-token-sha' content='([0-9a-f]+)'>")


async def scripted_sign_in(
    site_url: str, email: str, password: str, user_agent: str
) -> dict[str, Any]:
    """Sign in through the form as a script would; returns a session-file dict.

    The app's embedded window reads the same values from its cookie store and
    localStorage; tests and ``--session-file`` demos use this instead.
    """
    async with httpx.AsyncClient(headers={"User-Agent": user_agent}, timeout=10.0) as http:
        response = await http.post(
            site_url.rstrip("/") + "/", data={"email": email, "password": password}
        )
    match = _BC_META.search(response.text)
    if match is None:
        raise ValueError("the sandbox did not sign in (wrong email or password?)")
    return {"cookies": dict(response.cookies), "x_bc": match.group(1), "user_agent": user_agent}


def routes(state: SandboxState) -> list[BaseRoute]:
    """The routes of the OnlyFans host, bound to one sandbox state."""

    async def home(request: Request) -> Response:
        if request.method == "GET":
            return _login_page(state)
        form = await request.form()
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        username = email.split("@", 1)[0] if email.lower().endswith("@example.com") else email
        user = state.check_login(PROVIDER, username, password)
        if user is None:
            return _login_page(state, "Wrong email or password", email)
        session = SandboxSession(
            sess=secrets.token_hex(16),
            user=user,
            x_bc=secrets.token_hex(20),
            user_agent=request.headers.get("user-agent", ""),
            auth_uid=secrets.token_hex(12) if _two_factor(state, user) else None,
            created_at=state.now(),
        )
        with state.lock:
            sessions(state)[session.sess] = session
            state.changed()
        state.count("onlyfans.logins")
        response = _signed_in_page(session)
        response.set_cookie("sess", session.sess, httponly=True, samesite="lax")
        response.set_cookie("auth_id", user.user_id, samesite="lax")
        if session.auth_uid is not None:
            response.set_cookie(f"auth_uid_{user.user_id}", session.auth_uid, samesite="lax")
        return response

    async def rules_json(request: Request) -> Response:
        return Response(RULES_FILE.read_bytes(), media_type="application/json")

    async def me(request: Request) -> Response:
        found = _check_request(state, request)
        if isinstance(found, JSONResponse):
            return found
        user, today = found.user, state.today()
        age = max(0, (today - user.joined).days)
        photos, videos = 40 + age // 4, 8 + age // 11
        root = request.scope.get("root_path", "")
        avatar = request.url.replace(path=f"{root}/files/avatar/{user.user_id}.svg", query="")
        return JSONResponse(
            {
                "id": int(user.user_id),
                "username": user.username,
                "name": user.display_name,
                "avatar": str(avatar),
                "isPerformer": True,
                "subscribersCount": subscribers_on(user, today),
                "postsCount": photos + videos + age // 30,
                "photosCount": photos,
                "videosCount": videos,
                "audiosCount": age // 90,
                "favoritedCount": subscribers_on(user, today) * 3 + age,
                "subscribePrice": 9.99,
                "joinDate": f"{user.joined.isoformat()}T00:00:00+00:00",
            }
        )

    async def earnings_chart(request: Request) -> Response:
        found = _check_request(state, request)
        if isinstance(found, JSONResponse):
            return found
        today = state.today()
        start = _parse_day(request.query_params.get("startDate")) or today - timedelta(days=30)
        end = min(_parse_day(request.query_params.get("endDate")) or today, today)
        if start > end or (end - start).days > MAX_CHART_DAYS:
            return _error(0, "Invalid date range", 400)
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        amounts = [earnings_on(found.user, d) for d in days]
        total = round(sum(amounts), 2)
        chart = [
            {"date": f"{d.isoformat()}T00:00:00+00:00", "count": a}
            for d, a in zip(days, amounts, strict=True)
        ]
        body: dict[str, Any] = {"list": {"total": {"chartAmount": chart, "total": total}}}
        if request.query_params.get("withTotal") == "true":
            body["total"] = total
        return JSONResponse(body)

    async def balances(request: Request) -> Response:
        found = _check_request(state, request)
        if isinstance(found, JSONResponse):
            return found
        today = state.today()
        week = [earnings_on(found.user, today - timedelta(days=i)) for i in range(7)]
        pending = round(sum(week), 2)
        current = round(
            sum(earnings_on(found.user, today - timedelta(days=i)) for i in range(7, 21)), 2
        )
        body: dict[str, Any] = {
            "currentBalance": current,
            "pendingBalance": pending,
            "canRequestPayout": current >= 20,
            "minPayoutSummary": 20,
        }
        if currency := state.flags.onlyfans_currency:
            body["currency"] = currency
        return JSONResponse(body)

    async def avatar(request: Request) -> Response:
        uid = escape(request.path_params["uid"])
        svg = (
            "<svg xmlns='http://www.w3.org/2000/svg' width='96' height='96'>"
            "<circle cx='48' cy='48' r='48' fill='#00aff0'/>"
            f"<text x='48' y='58' font-size='28' text-anchor='middle' fill='#fff'>{uid[-2:]}</text>"
            "</svg>"
        )
        return Response(svg, media_type="image/svg+xml")

    async def expire_sessions(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        name = body.get("user") if isinstance(body, dict) else None
        expired = 0
        with state.lock:
            for session in sessions(state).values():
                if name is None or session.user.username == name:
                    expired += not session.expired
                    session.expired = True
            state.changed()
        return JSONResponse({"expired": expired})

    return [
        Route("/", home, methods=["GET", "POST"]),
        Route("/rules.json", rules_json),
        Route("/api2/v2/users/me", me),
        Route("/api2/v2/earnings/chart", earnings_chart),
        Route("/api2/v2/payouts/balances", balances),
        Route("/files/avatar/{uid}.svg", avatar),
        Route("/_admin/expire-sessions", expire_sessions, methods=["POST"]),
    ]


APP = SandboxApp(
    routes=routes,
    fault_shapes=FAULT_SHAPES,
    dump_state=dump_plugin_state,
    load_state=load_plugin_state,
)
