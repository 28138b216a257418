"""The main window paints before the services exist, then takes them in (issue #4)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from huntaze_desktop.domain.early_settings import Theme
from huntaze_desktop.ui.integrations import IntegrationsPage
from huntaze_desktop.ui.main_window import PAGES, SANDBOX_BANNER, WindowShell
from huntaze_desktop.ui.skeleton import SkeletonPage

pytestmark = pytest.mark.gui


@pytest.fixture
async def shell(main_window_factory, runtime):
    return main_window_factory(shell=WindowShell(runtime.paths.root, True, Theme.LIGHT), tray=False)


async def test_shell_paints_with_navigation_and_outlines(shell, qtbot) -> None:
    with qtbot.waitSignal(shell.firstPainted, timeout=5000):
        shell.show()
    assert shell.has_painted() and not shell.is_attached()
    assert shell.windowTitle() == "Huntaze Desktop — Sandbox"
    assert shell.banner is not None and shell.banner.text() == SANDBOX_BANNER
    assert [b.text() for b in shell.nav_buttons] == list(PAGES)
    page = shell.stack.currentWidget()
    assert isinstance(page, SkeletonPage) and page.title == "Integrations"
    assert page.status is not None and page.status.isVisible()
    with pytest.raises(RuntimeError):
        shell.integrations  # noqa: B018 - nothing to show before the services
    with pytest.raises(RuntimeError):
        shell.analytics  # noqa: B018


async def test_the_declared_scheme_is_asked_once_the_frame_is_painted(
    main_window_factory, runtime, qtbot, monkeypatch
) -> None:
    """The first frame is themed from the palette; the turn after it asks the platform."""
    from huntaze_desktop.ui.theme import ThemeManager

    asked: list[bool] = []
    resolve = ThemeManager.resolve

    def recording(self: ThemeManager, *, ask_platform: bool = True):  # the real one, noted
        asked.append(ask_platform)
        return resolve(self, ask_platform=ask_platform)

    monkeypatch.setattr(ThemeManager, "resolve", recording)
    window = main_window_factory(
        shell=WindowShell(runtime.paths.root, True, Theme.SYSTEM), tray=False
    )
    assert asked == [False]  # built: the palette alone
    with qtbot.waitSignal(window.firstPainted, timeout=5000):
        window.show()
    await asyncio.sleep(0)  # _finish_chrome runs on the same signal
    assert asked[-1] is True


async def test_attach_fills_in_the_pages_the_user_went_to(shell, qtbot, runtime, wait_for) -> None:
    with qtbot.waitSignal(shell.firstPainted, timeout=5000):
        shell.show()
    shell.show_page(2)  # clicked Settings while the services were starting
    outline = shell.stack.currentWidget()
    assert isinstance(outline, SkeletonPage) and outline.title == "Settings"
    assert shell.nav_buttons[2].isChecked()

    shell.attach(runtime)
    assert shell.is_attached()
    assert shell.current_page() == 2 and shell.settings_page is not None
    assert shell.stack.currentWidget() is shell.settings_page
    page = shell.integrations
    assert isinstance(page, IntegrationsPage) and shell.stack.indexOf(page) == 0
    # Analytics was never visited: still its outline, built on first visit.
    kinds = [isinstance(shell.stack.widget(i), SkeletonPage) for i in range(3)]
    assert kinds == [False, True, False] and shell._analytics is None
    await wait_for(lambda: page._loaded)
    assert set(page.cards) == {s.name for s in runtime.specs}
    shell.show_page(0)
    assert shell.stack.currentWidget() is page
    await wait_for(lambda: page.validations_started == 1)
    with pytest.raises(RuntimeError):
        shell.attach(runtime)


async def test_refresh_before_the_services_says_so(shell) -> None:
    shell.show()
    shell.refresh_now()  # F5 during start-up: no crash, a word to the user
    assert any("still starting" in t.text for t in shell.toasts.toasts())


HEAVY = (
    *("asyncio", "pydantic", "msgspec", "sqlalchemy", "httpx", "cryptography"),
    *("numpy", "pyqtgraph"),
)


def test_the_path_to_the_first_paint_imports_no_service_library() -> None:
    """What the boot imports before painting: Qt and small modules, nothing heavy."""
    code = (
        "import sys, json\n"
        "import huntaze_desktop.__main__, huntaze_desktop.app, huntaze_desktop.logsetup\n"
        "import huntaze_desktop.ui.main_window, huntaze_desktop.ui.single_instance\n"
        "import huntaze_desktop.domain.early_settings\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(json.loads(out.stdout))
    assert "PySide6" in loaded  # the probe itself works
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_services_import_leaves_no_source_text_behind() -> None:
    """PySide6's import hook reads each module imported after it into linecache;
    the boot's import of the services empties linecache behind it (app_services.py)."""
    code = (
        "import json, linecache, sys\n"
        "import PySide6.QtCore\n"
        "from huntaze_desktop import app_services\n"
        "linecache.clearcache()\n"
        "import colorsys\n"  # a module PySide6's hook reads, as it reads the services
        "hook_read = sorted(linecache.cache)\n"
        "app_services.import_runtime()\n"
        "print(json.dumps({'hook_read': hook_read, 'after': sorted(linecache.cache),\n"
        "                  'httpx': 'httpx' in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(out.stdout)
    assert any(name.endswith("colorsys.py") for name in result["hook_read"])  # the hook is on
    assert result["httpx"]  # the services were imported
    assert result["after"] == []


def test_the_sidebar_logo_is_app_svg_as_make_icons_draws_it(qapp) -> None:
    """The first frame shows a PNG (no SVG renderer before it); it must be app.svg."""
    from PySide6.QtGui import QImage
    from PySide6.QtSvg import QSvgRenderer

    from huntaze_desktop.resources import resource_path
    from huntaze_desktop.ui.sidebar import LOGO_SIZE

    sys.path.insert(0, str(resource_path().parent / "packaging"))
    try:
        import make_icons
    finally:
        sys.path.pop(0)
    assert make_icons.LOGO_PX == 2 * LOGO_SIZE
    renderer = QSvgRenderer(str(resource_path("icons", "app.svg")))
    fresh = QImage.fromData(make_icons.render_png(renderer, make_icons.LOGO_PX))
    committed = QImage(str(resource_path("icons", f"logo-{make_icons.LOGO_PX}.png")))
    assert not committed.isNull(), "run packaging/make_icons.py"
    assert committed == fresh, "app.svg changed: run packaging/make_icons.py"
