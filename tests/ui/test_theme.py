"""Themes: the manual override wins, "system" follows the platform's scheme."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from huntaze_desktop.domain.models import Severity
from huntaze_desktop.domain.settings import Theme
from huntaze_desktop.ui.theme import DARK, LIGHT, ThemeManager, pad_spin_box, stylesheet


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


def test_system_follows_the_declared_scheme_else_the_platform_palette(qapp: QApplication) -> None:
    scheme = QGuiApplication.styleHints().colorScheme()
    declared = {Qt.ColorScheme.Dark: DARK, Qt.ColorScheme.Light: LIGHT}.get(scheme)
    for platform_dark, by_palette in ((True, DARK), (False, LIGHT)):
        manager = ThemeManager(qapp, Theme.SYSTEM, platform_dark=platform_dark)
        try:
            # The first frame goes by the palette alone (no Qt enum before it)…
            assert manager.resolve(ask_platform=False) is by_palette
            # …then a declared scheme wins; offscreen declares none (Unknown).
            assert manager.resolve() is (declared or by_palette)
            manager.apply(ask_platform=False)
            assert manager.palette is by_palette
            manager.apply()
            assert manager.palette is (declared or by_palette)
        finally:
            manager.deleteLater()


def test_the_platform_palette_is_judged_by_its_window_colour(qapp: QApplication) -> None:
    from huntaze_desktop.ui.theme import platform_palette_is_dark

    judge = platform_palette_is_dark.__wrapped__  # the cached answer is the first one read
    before = QPalette(qapp.palette())
    try:
        for window, dark in (("#1e1f22", True), ("#f6f6f7", False), ("#808080", False)):
            palette = QPalette(before)
            palette.setColor(QPalette.ColorRole.Window, QColor(window))
            qapp.setPalette(palette)
            assert judge() is dark, window
    finally:
        qapp.setPalette(before)


def test_badge_colours_differ_by_severity() -> None:
    for palette in (LIGHT, DARK):
        colours = {palette.badge(s) for s in Severity} | {palette.badge(None)}
        assert len(colours) == 4
        assert palette.problem_bg in stylesheet(palette)


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_on_every_background_is_readable() -> None:
    # WCAG AA for normal text: 4.5:1. Selected items (combo lists, selected text) use
    # focus_text on focus; white on the dark theme's light blue read at 2.6:1.
    for p in (LIGHT, DARK):
        pairs = {
            "text": (p.text, p.surface),
            "muted": (p.muted, p.surface),
            "muted on window": (p.muted, p.window),
            "selection": (p.focus_text, p.focus),
            "primary button": (p.accent_text, p.accent),
            "danger": (p.danger, p.surface),
            "link": (p.focus, p.surface),
            "banner": (p.banner_text, p.banner_bg),
            **{f"badge {s}": p.badge(s)[::-1] for s in Severity},
        }
        low = {k: round(_contrast(*v), 2) for k, v in pairs.items() if _contrast(*v) < 4.5}
        assert low == {}, p.name


def test_every_image_the_stylesheet_names_exists() -> None:
    # Styled combo and spin boxes lose Qt's own arrows: the named images must be there,
    # in the theme's own colour.
    for p in (LIGHT, DARK):
        sheet = stylesheet(p)
        urls = re.findall(r"url\(([^)]+)\)", sheet)
        assert len(urls) >= 4
        assert all(Path(u).is_file() for u in urls), urls
        for part in ("QComboBox::down-arrow", "::up-arrow", "::down-arrow"):
            assert part in sheet
        assert {Path(u).name for u in urls} >= {
            f"chevron-up-{p.name}.svg",
            f"chevron-down-{p.name}.svg",
        }


def test_spin_box_matches_the_other_fields(qapp: QApplication, qtbot) -> None:
    previous = qapp.styleSheet()
    qapp.setStyleSheet(stylesheet(LIGHT))
    try:
        host = QWidget()
        qtbot.addWidget(host)
        layout = QVBoxLayout(host)
        spin, line, combo = QSpinBox(), QLineEdit("15"), QComboBox()
        combo.addItem("Light")
        pad_spin_box(spin)
        for widget in (spin, line, combo):
            layout.addWidget(widget)
        host.show()
        qtbot.waitUntil(lambda: spin.height() > 0)
        assert spin.height() == line.height() == combo.height()
        # The text starts where a line edit's does, not against the frame.
        edit = spin.lineEdit()
        edit.setCursorPosition(0)
        line.setCursorPosition(0)
        spin_text = edit.mapTo(spin, edit.cursorRect().topLeft()).x()
        assert abs(spin_text - line.cursorRect().left()) <= 1
    finally:
        qapp.setStyleSheet(previous)
