"""Toasts stack bottom-right, expire on their own, errors stay longer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from huntaze_desktop.ui.toasts import DEFAULT_TIMEOUTS_MS, ToastHost


def _window(qtbot) -> QWidget:
    w = QWidget()
    w.resize(900, 600)
    qtbot.addWidget(w)
    w.show()
    return w


def test_info_expires_error_stays_longer(qtbot) -> None:
    host = ToastHost(_window(qtbot))
    info = host.info("Saved")
    error = host.error("Instagram did not answer")
    assert [t.text for t in host.toasts()] == ["Saved", "Instagram did not answer"]
    assert info.accessibleName() == "Info notification"
    assert error.accessibleDescription() == "Instagram did not answer"
    qtbot.waitUntil(lambda: info not in host.toasts(), timeout=DEFAULT_TIMEOUTS_MS["info"] + 2000)
    # The error outlives the info toast by design.
    assert host.toasts() == [error]
    qtbot.mouseClick(error.close_button, Qt.MouseButton.LeftButton)
    assert host.toasts() == []


def test_error_expires_eventually(qtbot) -> None:
    host = ToastHost(_window(qtbot), timeouts_ms={"error": 300})
    toast = host.error("Boom")
    with qtbot.waitSignal(toast.closed, timeout=3000):
        pass
    assert host.toasts() == []


def test_toasts_stack_bottom_right_newest_lowest(qtbot) -> None:
    window = _window(qtbot)
    host = ToastHost(window)
    first = host.success("One")
    second = host.warning("Two")
    assert second.geometry().bottom() <= window.height() - 16
    assert second.geometry().right() <= window.width() - 16
    assert first.geometry().bottom() < second.geometry().top()
    window.resize(1200, 800)
    qtbot.waitUntil(lambda: second.geometry().right() > 1100)


def test_at_most_four_visible(qtbot) -> None:
    host = ToastHost(_window(qtbot))
    for i in range(6):
        host.info(f"n{i}")
    assert [t.text for t in host.toasts()] == ["n2", "n3", "n4", "n5"]
