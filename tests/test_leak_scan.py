"""Leak scan: with DEBUG logging on, tokens fed through every log path never reach disk.

Secrets go through URLs, headers, form and JSON bodies, cookies, extra fields,
exception messages (chained and in threads) and the crash hook; then every file
under the logs directory is scanned for each secret's raw, URL-encoded and
base64 forms. A control run proves the scanner finds a secret when one is there.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.logsetup import area_logger, install_excepthook, log_event, setup_logging
from huntaze_desktop.net.redact import clear_registered_secrets, register_secret

ACCESS = "IGQWRNexampleACCESStoken0123456789abcdef"
REFRESH = "rt.1a2b3c4d5e6f7g8h9i0jREFRESH"
CODE = "AQBx-authorizationCODE_987654"
CLIENT_SECRET = "cs_9f8e7d6c5b4a3210SECRET"
SESS = "sessCOOKIEvalue0123456789abcdef"
XBC = "xbcHEADERvalue2468ace"
OPAQUE = "opaqueGrantValue13579Z"  # matches no pattern: only register_secret hides it
SECRETS = (ACCESS, REFRESH, CODE, CLIENT_SECRET, SESS, XBC, OPAQUE)


def _forms(secret: str) -> set[str]:
    raw = secret.encode()
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
    }
    return forms | {f.rstrip("=") for f in forms}


def _scan(directory: Path) -> list[str]:
    found = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes().decode("utf-8", errors="replace")
        for secret in SECRETS:
            for form in _forms(secret):
                if form in data:
                    found.append(f"{path.name}: {form}")
    return found


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    names = ("", "huntaze", "huntaze_desktop", "httpx", "httpcore", "sqlalchemy")
    levels = {name: logging.getLogger(name).level for name in names}
    before = list(logging.getLogger().handlers)
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h not in before]:
        root.removeHandler(handler)
        handler.close()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    clear_registered_secrets()


def _log_everything(paths: DataPaths) -> None:
    net, core = area_logger("net"), area_logger("core")
    refresh_url = (
        "https://graph.instagram.com/refresh_access_token"
        f"?grant_type=ig_refresh_token&access_token={ACCESS}"
    )
    net.debug("GET %s", refresh_url)
    net.info(f"GET {refresh_url}")  # an f-string: no args to hide behind
    net.debug("request headers: %s", {"Authorization": f"Bearer {ACCESS}", "x-bc": XBC})
    net.debug("Authorization: Basic %s", base64.b64encode(CLIENT_SECRET.encode()).decode())
    net.debug("Cookie: sess=%s; auth_id=12345; lang=en", SESS)
    net.debug("Set-Cookie: sess=%s; Path=/; HttpOnly; Secure", SESS)
    net.debug("x-bc: %s", XBC)
    net.debug(
        "POST form %s",
        f"grant_type=authorization_code&code={CODE}&client_secret={CLIENT_SECRET}"
        f"&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb%3Fcode%3D{CODE}",
    )
    body = {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 5184000}
    net.debug("token response %s", json.dumps(body))
    net.debug("token response repr %r", body)
    net.debug("nested %s", json.dumps({"raw": json.dumps(body)}))
    core.debug("session captured", extra={"cookies": {"sess": SESS}, "url": refresh_url})
    log_event(core, "token.refreshed", "refreshed", detail=f"refresh_token={REFRESH}")
    register_secret(OPAQUE)  # what the token manager does with a fresh grant
    core.debug("grant %s / %s / %s", OPAQUE, quote(OPAQUE), base64.b64encode(OPAQUE.encode()))
    try:
        try:
            raise ValueError(f'provider said {{"refresh_token": "{REFRESH}"}}')
        except ValueError as inner:
            raise RuntimeError(f"refresh failed for {refresh_url}") from inner
    except RuntimeError:
        core.exception("refresh crashed with code=%s", CODE)
    core.debug("where am I", stack_info=True)

    uninstall = install_excepthook(None, paths)
    try:
        try:
            raise ConnectionError(f"Cookie: sess={SESS}")
        except ConnectionError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)

        def worker() -> None:
            raise OSError(f"POST https://x/token?client_secret={CLIENT_SECRET}")

        thread = threading.Thread(target=worker, name="refresh-worker")
        thread.start()
        thread.join()
    finally:
        uninstall()


@pytest.mark.parametrize("json_logging", [False, True], ids=["text", "json"])
def test_no_secret_reaches_the_logs_dir(tmp_path: Path, json_logging: bool) -> None:
    paths = DataPaths(tmp_path / "data").ensure()
    setup_logging(paths, level="DEBUG", json_logging=json_logging, console=False)
    _log_everything(paths)
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = sorted(p.name for p in paths.logs.rglob("*") if p.is_file())
    assert "huntaze-desktop.log" in files and any(name.startswith("crash-") for name in files)
    text = paths.log_file.read_text()
    assert "refresh_access_token?grant_type=ig_refresh_token&access_token=[REDACTED]" in text
    assert "Traceback" in text and "RuntimeError" in text  # still useful
    assert _scan(paths.logs) == []


def test_scanner_finds_a_secret_when_it_is_there(tmp_path: Path) -> None:
    # Control: the same messages through a handler without the filter do leak.
    logs = tmp_path / "unfiltered"
    logs.mkdir()
    handler = logging.FileHandler(logs / "raw.log", encoding="utf-8")
    logger = logging.getLogger("leakscan.control")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("GET https://x/?access_token=%s", ACCESS)
        logger.debug("blob %s", base64.b64encode(OPAQUE.encode()).decode())
    finally:
        logger.removeHandler(handler)
        handler.close()
    found = _scan(logs)
    assert any(ACCESS in line for line in found)
    assert any(base64.b64encode(OPAQUE.encode()).decode() in line for line in found)
