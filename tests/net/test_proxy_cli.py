"""The real CLI with proxies set that could not carry anything: the sandbox on loopback still works.

Every proxy here points at a loopback port where nothing listens, so a request sent
to a proxy would fail; the sign-in and the refresh succeeding show that the sandbox
(on 127.0.0.1) is reached directly, whether the proxy comes from the environment or
from the settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback_http import dead_port
from support.cli_runner import Cli, make_cli

from huntaze_desktop.domain.paths import DataPaths
from huntaze_desktop.domain.settings import load_settings, save_settings


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    yield from make_cli(tmp_path, shared=True)


def test_sign_in_and_refresh_reach_the_sandbox_directly_past_any_proxy(cli: Cli) -> None:
    dead = f"http://127.0.0.1:{dead_port()}"
    for name in ("NO_PROXY", "no_proxy"):
        cli.env.pop(name, None)  # the runner's own NO_PROXY would hide the point
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        cli.env[name] = dead

    assert "connected as" in cli.connect("instagram")
    assert "Connected" in cli.run("accounts", "refresh").stdout

    # The settings proxy (which overrides the environment's) is skipped for loopback too.
    settings_file = DataPaths(cli.data_dir).settings_file
    settings = load_settings(settings_file)
    settings.proxy_url = f"http://127.0.0.1:{dead_port()}"
    save_settings(settings_file, settings)
    assert "connected as" in cli.connect("tiktok")
    assert cli.run("accounts", "refresh").stdout.count("Connected") == 2
