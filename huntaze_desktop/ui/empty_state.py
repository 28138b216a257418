"""The box a page shows when it has nothing to show yet: a headline, a line, an action."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

__all__ = ["EmptyState"]


class EmptyState(QFrame):
    """Styled as ``QFrame#EmptyState`` by the theme.

    ``centered``: a whole-page state (headline in the middle, room around it);
    otherwise a banner above the page's content. ``action``: the label of a
    primary button, exposed as ``button`` (None without an action).
    """

    def __init__(
        self,
        title: str,
        text: str,
        parent: QWidget | None = None,
        *,
        centered: bool = False,
        action: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("EmptyState")
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 56 if centered else 22, 24, 56 if centered else 22)
        column.setSpacing(8 if centered else 6)
        if centered:
            column.addStretch(1)
        align = Qt.AlignmentFlag.AlignCenter if centered else Qt.AlignmentFlag.AlignLeft
        self.title = QLabel(title, self)
        self.title.setProperty("role", "emptyTitle")
        self.title.setAccessibleName(title)
        self.title.setAlignment(align)
        column.addWidget(self.title)
        self.text = QLabel(text, self)
        self.text.setProperty("role", "muted")
        self.text.setAccessibleName(text)
        self.text.setAlignment(align)
        self.text.setWordWrap(True)
        column.addWidget(self.text)
        self.button: QPushButton | None = None
        if action is not None:
            column.addSpacing(12)
            self.button = QPushButton(action, self)
            self.button.setProperty("role", "primary")
            holder = QHBoxLayout()
            holder.addStretch(1)
            holder.addWidget(self.button)
            holder.addStretch(1)
            column.addLayout(holder)
        if centered:
            column.addStretch(2)
