"""The hidden --smoke-test, run from source: the same check CI runs on the frozen app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from app_runner import SOURCE_COMMAND, smoke_test, vault_init

from huntaze_desktop.ui.smoke import run_smoke_test


@pytest.mark.e2e
@pytest.mark.webengine
def test_smoke_test_from_source_loads_the_sign_in_page_and_exits_0(tmp_path: Path) -> None:
    vault_init(SOURCE_COMMAND, tmp_path, frozen=False)
    run = smoke_test(SOURCE_COMMAND, tmp_path, frozen=False)
    assert run.code == 0, run.stderr[-4000:]
    (loaded,) = run.events("smoke.signin_loaded")
    assert loaded["provider"] == "instagram"  # the first OAuth platform
    assert loaded["page_title"]  # the renderer ran the page's JavaScript
    assert loaded["frozen"] is False
    assert any(Path(p).name == "QtWebEngineProcess" for p in loaded["helper_processes"])
    assert run.events("app.ready") and run.events("app.quit")
    assert not run.events("smoke.failed")


async def test_smoke_test_fails_when_the_page_does_not_load_in_time(runtime: Any) -> None:
    # A zero time limit: the page cannot have loaded, so the smoke test must say so.
    assert await run_smoke_test(None, runtime, limit_s=0) == 1


async def test_smoke_test_fails_without_an_oauth_platform(
    runtime: Any, caplog: pytest.LogCaptureFixture
) -> None:
    runtime.specs = [s for s in runtime.specs if s.auth_kind != "oauth"]
    assert await run_smoke_test(None, runtime) == 1
    assert any("no OAuth platform" in r.getMessage() for r in caplog.records)
