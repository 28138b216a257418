"""Page outlines shown while the services start.

The main window paints before the services are imported and opened (about half
a second on a fast machine, more with a passphrase to type). Each page stands
in as its title over a few blank cards in the theme's colours, then the real
page takes its place. The blocks reuse the cards' own style (``Card`` and
``AccountRow`` object names), so nothing here knows a colour. Only Qt is
imported here: this module is on the path to the first paint (see
``main_window``).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPainterPath, QPaintEvent, QPalette, QShowEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

__all__ = ["SkeletonPage"]

LOADING_TEXT = "Opening your accounts…"


class SkeletonPage(QWidget):
    """A page title and ``cards`` blank cards laid out in ``columns`` columns.

    The content is built when the page is first shown, so outlines of pages the
    user never opens before the services are up cost nothing.
    """

    def __init__(
        self,
        title: str,
        parent: QWidget | None = None,
        *,
        cards: int = 3,
        columns: int = 3,
        card_height: int = 200,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self._shape = (cards, columns, card_height)
        self.status: QLabel | None = None
        self.setAccessibleName(f"{title} page")
        self.setAccessibleDescription(LOADING_TEXT)

    def showEvent(self, event: QShowEvent) -> None:
        if self.status is None:
            self._build()
        super().showEvent(event)

    def _build(self) -> None:
        cards, columns, card_height = self._shape
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 32)
        layout.setSpacing(16)
        heading = QLabel(self.title, self)
        heading.setProperty("role", "title")
        heading.setAccessibleName(self.title)
        layout.addWidget(heading)
        self.status = QLabel(LOADING_TEXT, self)
        self.status.setProperty("role", "subtitle")
        self.status.setAccessibleName(LOADING_TEXT)
        layout.addWidget(self.status)
        grid = QGridLayout()
        grid.setSpacing(16)
        for index in range(cards):
            grid.addWidget(
                _BlankCard(card_height, self),
                index // columns,
                index % columns,
            )
        for column in range(columns):
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid)
        layout.addStretch(1)


class _BlankCard(QFrame):
    """A card (styled as one by the stylesheet) with grey bars where text will be."""

    def __init__(self, height: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.setFixedHeight(height)
        self.setMinimumWidth(200)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = self.width() - 36
        # A name, then two lines of content (the theme's surface_alt, like account rows).
        # Filled as one path: no pen to switch off (Qt.PenStyle would be a Qt enum).
        bars = QPainterPath()
        for y, bar_width, bar_height in ((18, 140, 18), (52, width, 14), (78, width * 2 // 3, 14)):
            bars.addRoundedRect(QRectF(18, y, bar_width, bar_height), 6, 6)
        painter.fillPath(bars, self.palette().brush(QPalette.ColorRole.AlternateBase))
        painter.end()
