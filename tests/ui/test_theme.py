"""Themes: the manual override wins, "system" follows the platform's scheme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from huntaze_desktop.core.models import Severity
from huntaze_desktop.core.settings import Theme
from huntaze_desktop.ui.theme import DARK, LIGHT, ThemeManager, stylesheet


def test_override_and_live_switch(qapp: QApplication) -> None:
    manager = ThemeManager(qapp, Theme.DARK)
    seen = []
    manager.changed.connect(seen.append)
    try:
        manager.apply()
        assert manager.palette is DARK
        assert DARK.window in qapp.styleSheet()
        manager.set_theme(Theme.LIGHT)
        assert manager.palette is LIGHT
        assert LIGHT.window in qapp.styleSheet()
        assert seen == [DARK, LIGHT]
        manager.set_theme(Theme.LIGHT)  # no change, no signal
        assert seen == [DARK, LIGHT]
    finally:
        manager.deleteLater()


def test_system_follows_color_scheme(qapp: QApplication) -> None:
    manager = ThemeManager(qapp, Theme.SYSTEM)
    try:
        expected = (
            DARK if QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark else LIGHT
        )
        assert manager.resolve() is expected
    finally:
        manager.deleteLater()


def test_badge_colours_differ_by_severity() -> None:
    for palette in (LIGHT, DARK):
        colours = {palette.badge(s) for s in Severity} | {palette.badge(None)}
        assert len(colours) == 4
        assert palette.problem_bg in stylesheet(palette)
