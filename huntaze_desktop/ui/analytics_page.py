"""Placeholder for the Analytics page (the analytics work replaces this module).

Keep the constructor ``AnalyticsPage(runtime, parent)``: the main window builds it so.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

__all__ = ["AnalyticsPage"]


class AnalyticsPage(QWidget):
    """An empty state until charts land."""

    def __init__(self, runtime: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.setAccessibleName("Analytics page")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 32)
        layout.setSpacing(16)
        title = QLabel("Analytics", self)
        title.setProperty("role", "title")
        title.setAccessibleName("Analytics")
        layout.addWidget(title)
        box = QFrame(self)
        box.setObjectName("EmptyState")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(24, 40, 24, 40)
        inner.setSpacing(6)
        heading = QLabel("Your numbers will appear here", box)
        heading.setProperty("role", "emptyTitle")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading.setAccessibleName(heading.text())
        inner.addWidget(heading)
        text = QLabel(
            "Reach, views and followers across your connected accounts, side by side.",
            box,
        )
        text.setProperty("role", "muted")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        text.setAccessibleName(text.text())
        inner.addWidget(text)
        layout.addWidget(box)
        layout.addStretch(1)
