"""Window sizes that fit the screen they open on.

A window asks for the size it would like (``preferred``); it gets that or less,
so that it fits the screen's available geometry (without the task bar or dock)
with room left for the window frame and title bar, which Qt's geometry does not
count. ``fitted_size`` is the arithmetic alone (tested without a screen);
``fit_to_screen`` applies it to a window before it is shown. Qt itself keeps a
dialog's position on the screen when it centres it over its parent.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

__all__ = ["FRAME_ALLOWANCE", "available_geometry", "fit_to_screen", "fitted_size"]

# Room kept around a window for its frame and title bar (and a little air).
FRAME_ALLOWANCE = QSize(32, 64)


def fitted_size(preferred: QSize, available: QRect) -> QSize:
    """``preferred``, shrunk where needed to fit ``available`` less the frame allowance.

    (A window's layout still keeps it at least its minimum size.)
    """
    room = QSize(
        max(1, available.width() - FRAME_ALLOWANCE.width()),
        max(1, available.height() - FRAME_ALLOWANCE.height()),
    )
    return preferred.boundedTo(room)


def available_geometry(window: QWidget) -> QRect | None:
    """The available geometry of the screen ``window`` is on (or will open on)."""
    parent = window.parentWidget()
    screen = window.screen() or (parent.screen() if parent is not None else None)
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def fit_to_screen(window: QWidget, preferred: QSize) -> QSize:
    """Resize ``window`` to ``preferred`` or as much of it as its screen has room for."""
    available = available_geometry(window)
    size = preferred if available is None else fitted_size(preferred, available)
    window.resize(size)
    return size
