"""The main window's sidebar: logo and name, one button a page, the version.

On the path to the first paint, like ``main_window``: Qt widgets only (the
cursors come after the paint).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop import __version__
from huntaze_desktop.resources import resource_path

__all__ = ["LOGO_SIZE", "Sidebar"]

LOGO_SIZE = 28  # the logo, in device-independent pixels


class Sidebar(QFrame):
    """Navigation between ``pages``; ``pageRequested`` carries the clicked index.

    A QFrame: the style sheet paints a frame's background (the ``#Sidebar``
    rule) without the ``WA_StyledBackground`` attribute, a ``Qt`` enum.
    """

    pageRequested = Signal(int)

    def __init__(self, pages: Sequence[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setFixedWidth(216)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 18, 14, 14)
        layout.setSpacing(4)
        brand = QHBoxLayout()
        brand.setSpacing(10)
        logo = QLabel(self)
        # app.svg drawn at twice the density by packaging/make_icons.py: a PNG
        # needs no SVG renderer (QtSvg) before the first paint.
        pixmap = QPixmap(str(resource_path("icons", f"logo-{2 * LOGO_SIZE}.png")))
        if not pixmap.isNull():
            pixmap.setDevicePixelRatio(2.0)
            logo.setPixmap(pixmap)
        logo.setAccessibleName("Huntaze logo")
        brand.addWidget(logo)
        name = QLabel("Huntaze", self)
        name.setObjectName("AppName")
        name.setAccessibleName("Huntaze")
        brand.addWidget(name, 1)
        layout.addLayout(brand)
        layout.addSpacing(18)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QPushButton] = []
        for index, title in enumerate(pages):
            button = QPushButton(title, self)
            button.setProperty("role", "nav")
            button.setCheckable(True)
            button.setAccessibleName(f"{title} page")
            button.setToolTip(f"{title} (Ctrl+{index + 1})")
            button.clicked.connect(lambda _c=False, i=index: self.pageRequested.emit(i))
            self.group.addButton(button, index)
            self.buttons.append(button)
            layout.addWidget(button)
        layout.addStretch(1)
        version = QLabel(f"Version {__version__}", self)
        version.setProperty("role", "muted")
        version.setAccessibleName(version.text())
        layout.addWidget(version)
