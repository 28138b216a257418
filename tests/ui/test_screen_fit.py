"""Windows fit the screen they open on (issue #18, item 4).

The sizing arithmetic is checked on its own; then every dialog is opened for real
on a 1000x700 offscreen screen (a separate process: the screen is chosen when Qt
starts) and must lie, with each of its buttons, inside the available geometry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize

from huntaze_desktop.ui.screen_fit import FRAME_ALLOWANCE, fitted_size

pytestmark = pytest.mark.gui

PROBE = Path(__file__).with_name("screen_fit_probe.py")


def test_the_preferred_size_where_the_screen_has_room() -> None:
    assert fitted_size(QSize(600, 780), QRect(0, 0, 1920, 1080)) == QSize(600, 780)


def test_less_on_a_small_screen_with_room_for_the_frame() -> None:
    available = QRect(0, 0, 1000, 700)
    size = fitted_size(QSize(600, 780), available)
    assert size == QSize(600, 700 - FRAME_ALLOWANCE.height())
    narrow = fitted_size(QSize(600, 780), QRect(100, 30, 500, 560))
    assert narrow == QSize(500 - FRAME_ALLOWANCE.width(), 560 - FRAME_ALLOWANCE.height())


def test_a_degenerate_screen_still_gives_a_size() -> None:
    assert fitted_size(QSize(600, 780), QRect(0, 0, 10, 10)) == QSize(1, 1)


def _inside(outer: list[int], inner: list[int]) -> bool:
    ox, oy, ow, oh = outer
    x, y, w, h = inner
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


@pytest.mark.webengine
def test_every_dialog_fits_a_1000_by_700_screen(tmp_path: Path) -> None:
    screen = tmp_path / "screen.json"
    screen.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "small",
                        "x": 0,
                        "y": 0,
                        "width": 1000,
                        "height": 700,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        )
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screen}"}
    result = subprocess.run(
        [sys.executable, str(PROBE)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=PROBE.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    available = report["available"]
    assert available == [0, 0, 1000, 700]
    dialogs = report["dialogs"]
    assert {"sign-in", "session sign-in", "diagnostics", "crash"} <= set(dialogs)
    for name, seen in dialogs.items():
        assert _inside(available, seen["frame"]), (name, seen["frame"])
        assert seen["buttons"], name
        for button, rect in seen["buttons"].items():
            assert _inside(available, rect), (name, button, rect)
    # The two the issue names: on screen, not just inside a window that is.
    assert "Use my browser instead" in dialogs["sign-in"]["buttons"]
    assert "Cancel sign-in" in dialogs["sign-in"]["buttons"]
