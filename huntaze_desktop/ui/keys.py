"""Keyboard shortcuts shared by the window's menu and the tray menu."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

__all__ = ["quit_shortcut"]


def quit_shortcut() -> QKeySequence:
    """The platform's Quit keys, or Ctrl+Q where it has none (Windows: Alt+F4 only closes)."""
    bindings = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
    return bindings[0] if bindings else QKeySequence("Ctrl+Q")
