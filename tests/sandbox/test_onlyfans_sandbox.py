"""The OnlyFans stand-in over real loopback HTTP: sign-in page, signatures, sessions."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from huntaze_desktop.providers.onlyfans.sandbox.app import (
    RULES_FILE,
    earnings_on,
    sandbox_rules,
    scripted_sign_in,
    subscribers_on,
)
from huntaze_desktop.providers.onlyfans.signing import sign
from huntaze_desktop.sandbox.server import SandboxServer

UA = "Mozilla/5.0 (X11; Linux x86_64) SandboxTest/1.0"
SUNNY = ("sunnycreates@example.com", "sunny-pass")
MOON = ("moonlightstudio@example.com", "moon-pass")


def site(server: SandboxServer) -> str:
    return server.base_urls()["onlyfans"]["site"]


async def signed_get(
    server: SandboxServer,
    session: dict[str, Any],
    path: str,
    *,
    user_id: str | None = None,
    sign_path: str | None = None,
) -> httpx.Response:
    cookies = session["cookies"]
    uid = user_id or cookies["auth_id"]
    headers = sign(sandbox_rules(), sign_path or path, uid, int(time.time() * 1000))
    headers |= {
        "x-bc": session["x_bc"],
        "User-Agent": session["user_agent"],
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    }
    async with httpx.AsyncClient() as http:
        return await http.get(site(server) + path, headers=headers)


async def test_login_page_has_form_and_hint(sandbox_server: SandboxServer) -> None:
    async with httpx.AsyncClient() as http:
        page = (await http.get(site(sandbox_server) + "/")).text
    for needle in ("id='email'", "id='password'", "id='login'", SUNNY[0], "moon-pass"):
        assert needle in page


async def test_wrong_password_sets_no_cookie(sandbox_server: SandboxServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            site(sandbox_server) + "/", data={"email": SUNNY[0], "password": "nope"}
        )
    assert "Wrong email or password" in response.text
    assert "sess" not in response.cookies


async def test_sign_in_sets_session_values(sandbox_server: SandboxServer) -> None:
    async with httpx.AsyncClient(headers={"User-Agent": UA}) as http:
        response = await http.post(
            site(sandbox_server) + "/", data=dict(zip(("email", "password"), MOON, strict=True))
        )
    assert "You are signed in" in response.text
    cookies = dict(response.cookies)
    assert cookies["auth_id"] == "280002"
    assert len(cookies["sess"]) >= 32
    # The second demo user simulates two-factor sign-in.
    assert "auth_uid_280002" in cookies
    bc = re.search(r"data-bc-token-sha='([0-9a-f]+)'", response.text)
    assert bc is not None
    assert f"localStorage.setItem('bcTokenSha', \"{bc.group(1)}\")" in response.text
    sunny = await scripted_sign_in(site(sandbox_server), *SUNNY, UA)
    assert not any(k.startswith("auth_uid_") for k in sunny["cookies"])
    assert sunny["x_bc"] != bc.group(1)


async def test_rules_are_served(sandbox_server: SandboxServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(site(sandbox_server) + "/rules.json")
    assert response.json() == json.loads(RULES_FILE.read_text())


async def test_signed_request_is_answered(sandbox_server: SandboxServer) -> None:
    session = await scripted_sign_in(site(sandbox_server), *SUNNY, UA)
    response = await signed_get(sandbox_server, session, "/api2/v2/users/me")
    assert response.status_code == 200
    assert response.json()["id"] == 280001


async def test_bad_signature_is_400(sandbox_server: SandboxServer) -> None:
    session = await scripted_sign_in(site(sandbox_server), *SUNNY, UA)
    # Signed for another path: the site recomputes and disagrees.
    response = await signed_get(
        sandbox_server, session, "/api2/v2/users/me", sign_path="/api2/v2/users/other"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] != 301
    async with httpx.AsyncClient() as http:
        unsigned = await http.get(site(sandbox_server) + "/api2/v2/users/me")
    assert unsigned.status_code == 400


@pytest.mark.parametrize("mix", ["x_bc", "user_agent", "auth_id", "auth_uid"])
async def test_mixed_sessions_are_wrong_user(sandbox_server: SandboxServer, mix: str) -> None:
    moon = await scripted_sign_in(site(sandbox_server), *MOON, UA)
    other = await scripted_sign_in(site(sandbox_server), *MOON, UA + " other")
    sunny = await scripted_sign_in(site(sandbox_server), *SUNNY, UA)
    mixed = {**moon, "cookies": dict(moon["cookies"])}
    uid = None
    if mix == "x_bc":
        mixed["x_bc"] = other["x_bc"]
    elif mix == "user_agent":
        mixed["user_agent"] = other["user_agent"]
    elif mix == "auth_id":
        mixed["cookies"]["auth_id"] = sunny["cookies"]["auth_id"]
        uid = sunny["cookies"]["auth_id"]
    else:
        mixed["cookies"]["auth_uid_280002"] = other["cookies"]["auth_uid_280002"]
    response = await signed_get(sandbox_server, mixed, "/api2/v2/users/me", user_id=uid)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": 301, "message": "Wrong user."}}


async def test_expired_session_is_401(sandbox_server: SandboxServer) -> None:
    session = await scripted_sign_in(site(sandbox_server), *SUNNY, UA)
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            site(sandbox_server) + "/_admin/expire-sessions",
            json={"user": "sunnycreates"},
            headers=sandbox_server.admin_headers(),
        )
    assert answer.json()["expired"] >= 1
    response = await signed_get(sandbox_server, session, "/api2/v2/users/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 401
    moon = await scripted_sign_in(site(sandbox_server), *MOON, UA)
    assert (await signed_get(sandbox_server, moon, "/api2/v2/users/me")).status_code == 200


async def test_earnings_history_and_balances(sandbox_server: SandboxServer) -> None:
    session = await scripted_sign_in(site(sandbox_server), *SUNNY, UA)
    today = sandbox_server.state.today()
    start = today - timedelta(days=364)
    query = f"?startDate={start}&endDate={today + timedelta(days=3)}&withTotal=true"
    chart = (await signed_get(sandbox_server, session, "/api2/v2/earnings/chart" + query)).json()
    points = chart["list"]["total"]["chartAmount"]
    # Future days are not reported: the range stops today.
    assert len(points) == 365
    assert points[-1]["date"].startswith(today.isoformat())
    assert chart["total"] == pytest.approx(sum(p["count"] for p in points), abs=0.05)
    balances = (await signed_get(sandbox_server, session, "/api2/v2/payouts/balances")).json()
    assert balances["currency"] == "USD" and balances["pendingBalance"] > 0


def test_numbers_are_deterministic_and_trend_up(sandbox_server: SandboxServer) -> None:
    (user, _) = sandbox_server.state.users["onlyfans"]
    day = date(2026, 3, 1)
    assert earnings_on(user, day) == earnings_on(user, day)
    assert subscribers_on(user, day + timedelta(days=365)) > subscribers_on(user, day)
    week = {earnings_on(user, day + timedelta(days=i)) for i in range(7)}
    assert len(week) > 3  # varies day to day
    assert earnings_on(user, user.joined - timedelta(days=1)) == 0.0


async def test_site_checks_signatures_with_its_own_implementation(
    sandbox_server: SandboxServer,
) -> None:
    """A sign worked out by hand from the rules file is accepted; a near miss is not."""
    raw = json.loads(RULES_FILE.read_text())
    # "<start>:{}:{:x}:<end>"
    start, end = raw["format"].split(":{}:{:x}:")
    session = await scripted_sign_in(site(sandbox_server), *SUNNY, UA)
    uid = session["cookies"]["auth_id"]
    path = "/api2/v2/earnings/chart?startDate=2026-11-01&endDate=2026-11-30&withTotal=true"
    time_ms = str(int(time.time() * 1000))
    message = "\n".join([raw["static_param"], time_ms, path, uid]).encode()
    digest = hashlib.sha1(message).hexdigest()  # noqa: S324 - the site's choice
    total = sum(digest.encode("ascii")[i] for i in raw["checksum_indexes"])
    total += raw["checksum_constant"]
    headers = {
        "time": time_ms,
        "user-id": uid,
        "app-token": raw["app_token"],
        "x-bc": session["x_bc"],
        "User-Agent": session["user_agent"],
        "Cookie": "; ".join(f"{k}={v}" for k, v in session["cookies"].items()),
    }
    good = f"{start}:{digest}:{abs(total):x}:{end}"
    # The checksum in decimal: a plausible signing bug the site must refuse.
    near_miss = f"{start}:{digest}:{abs(total)}:{end}"
    async with httpx.AsyncClient() as http:
        url = site(sandbox_server) + path
        accepted = await http.get(url, headers={**headers, "sign": good})
        refused = await http.get(url, headers={**headers, "sign": near_miss})
    assert accepted.status_code == 200
    assert refused.status_code == 400
