"""Toasts: short, non-modal messages stacked bottom-right inside the window.

Success and info messages go away after about 4 s; errors stay about 8 s (or
until closed) because the user may need to read them twice. Each toast is
announced to assistive technology as an alert.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QEnterEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

__all__ = ["DEFAULT_TIMEOUTS_MS", "Toast", "ToastHost"]

DEFAULT_TIMEOUTS_MS = {"success": 4000, "info": 4000, "warning": 6000, "error": 8000}
_GLYPHS = {"success": "✓", "info": "i", "warning": "!", "error": "✕"}
_MAX_VISIBLE = 4
_MARGIN = 16
_SPACING = 8
_WIDTH = 360


class Toast(QFrame):
    """One message; emits ``closed`` when it goes (timer or close button)."""

    closed = Signal(object)

    def __init__(self, text: str, level: str, timeout_ms: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.level = level if level in DEFAULT_TIMEOUTS_MS else "info"
        self.text = text
        self.setObjectName("Toast")
        self.setProperty("level", self.level)
        self.setAccessibleName(f"{self.level.capitalize()} notification")
        self.setAccessibleDescription(text)
        self.setFixedWidth(_WIDTH)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 8, 10)
        layout.setSpacing(10)
        glyph = QLabel(_GLYPHS[self.level], self)
        glyph.setObjectName("ToastGlyph")  # coloured by level in the theme
        glyph.setAccessibleName(self.level)
        layout.addWidget(glyph, 0, Qt.AlignmentFlag.AlignVCenter)
        self.label = QLabel(text, self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName(text)
        layout.addWidget(self.label, 1)
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("ToastClose")
        self.close_button.setText("\u00d7")
        self.close_button.setAccessibleName("Dismiss notification")
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.dismiss)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self._timer.start(timeout_ms)
        self._gone = False

    def dismiss(self) -> None:
        if self._gone:
            return
        self._gone = True
        self._timer.stop()
        self.hide()
        self.closed.emit(self)
        self.deleteLater()

    # Keep a toast that is being read (mouse over it) on screen.
    def enterEvent(self, event: QEnterEvent) -> None:
        self._timer.stop()
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if not self._gone:
            self._timer.start(2000)
        super().leaveEvent(event)


class ToastHost(QObject):
    """Owns the toasts shown over ``window`` and keeps them stacked bottom-right."""

    def __init__(self, window: QWidget, timeouts_ms: dict[str, int] | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._timeouts = {**DEFAULT_TIMEOUTS_MS, **(timeouts_ms or {})}
        self._toasts: list[Toast] = []
        window.installEventFilter(self)

    def toasts(self) -> list[Toast]:
        """Toasts currently on screen, oldest first."""
        return list(self._toasts)

    def show(self, text: str, level: str = "info") -> Toast:
        toast = Toast(text, level, self._timeouts.get(level, 4000), self._window)
        toast.closed.connect(self._forget)
        self._toasts.append(toast)
        while len(self._toasts) > _MAX_VISIBLE:
            self._toasts[0].dismiss()
        toast.adjustSize()
        toast.show()
        toast.raise_()
        self._relayout()
        QAccessible.updateAccessibility(QAccessibleEvent(toast, QAccessible.Event.Alert))
        return toast

    def info(self, text: str) -> Toast:
        return self.show(text, "info")

    def success(self, text: str) -> Toast:
        return self.show(text, "success")

    def warning(self, text: str) -> Toast:
        return self.show(text, "warning")

    def error(self, text: str) -> Toast:
        return self.show(text, "error")

    def _forget(self, toast: Toast) -> None:
        if toast in self._toasts:
            self._toasts.remove(toast)
        self._relayout()

    def _relayout(self) -> None:
        # Newest at the bottom, older ones pushed up.
        bottom = self._window.height() - _MARGIN
        right = self._window.width() - _MARGIN
        for toast in reversed(self._toasts):
            toast.adjustSize()
            h = toast.sizeHint().height()
            toast.setGeometry(right - _WIDTH, bottom - h, _WIDTH, h)
            toast.raise_()
            bottom -= h + _SPACING

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Resize:
            self._relayout()
        return False
