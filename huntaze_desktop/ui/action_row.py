"""ActionRow: a card's buttons on one line when they fit, wrapped when they don't.

Leading items (Reconnect, Disconnect, ...) flow left to right and wrap onto new
lines; the optional trailing item (a link such as "Add another account") sits at
the right end of the last line when there is room for it, else on a line of its
own, left-aligned under the buttons. Hidden widgets take no room. The row
answers ``heightForWidth`` so a card grows a line instead of clipping a button,
and its minimum width is only the widest single item, so a narrow window keeps
two columns of cards.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget, QWidgetItem

__all__ = ["ActionRow"]


class ActionRow(QLayout):
    """A wrapping row of buttons with an optional trailing (right-aligned) item."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 8) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._trailing: QLayoutItem | None = None
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    # -- building ----------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def add_trailing(self, widget: QWidget) -> None:
        """Add the item that hugs the right edge (added last, placed last)."""
        self.addChildWidget(widget)
        self._trailing = QWidgetItem(widget)
        self.invalidate()

    def _all(self) -> list[QLayoutItem]:
        return self._items + ([self._trailing] if self._trailing is not None else [])

    def count(self) -> int:
        return len(self._all())

    def itemAt(self, index: int) -> QLayoutItem | None:
        items = self._all()
        return items[index] if 0 <= index < len(items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if 0 <= index < len(self._items):
            return self._items.pop(index)
        if index == len(self._items) and self._trailing is not None:
            item, self._trailing = self._trailing, None
            return item
        return None

    # -- geometry ----------------------------------------------------------------

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        # Everything on one line, the trailing item one gap apart.
        shown = [i for i in self._all() if not i.isEmpty()]
        if not shown:
            return QSize(0, 0)
        width = sum(i.sizeHint().width() for i in shown) + self._gap * (len(shown) - 1)
        height = max(i.sizeHint().height() for i in shown)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        # The widest single item: any narrower and a button would be cut.
        size = QSize(0, 0)
        for item in self._all():
            if not item.isEmpty():
                size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _place(self, rect: QRect, *, move: bool) -> int:
        """Lay the items out in ``rect`` (only measure unless ``move``); the height used."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line_height = area.x(), area.y(), 0
        lines: list[list[tuple[QLayoutItem, QPoint, QSize]]] = [[]]

        for item in (i for i in self._items if not i.isEmpty()):
            hint = item.sizeHint()
            if lines[-1] and x + hint.width() > area.right() + 1:
                x, y = area.x(), y + line_height + self._gap
                line_height = 0
                lines.append([])
            lines[-1].append((item, QPoint(x, y), hint))
            x += hint.width() + self._gap
            line_height = max(line_height, hint.height())

        trailing = self._trailing
        if trailing is not None and not trailing.isEmpty():
            hint = trailing.sizeHint()
            if lines[-1] and x + hint.width() > area.right() + 1:
                # No room beside the buttons: its own line, under the first button.
                y, line_height = y + line_height + self._gap, 0
                lines.append([(trailing, QPoint(area.x(), y), hint)])
            else:
                right = QPoint(max(area.x(), area.right() + 1 - hint.width()), y)
                lines[-1].append((trailing, right, hint))
            line_height = max(line_height, hint.height())

        if move:
            for line in lines:
                tallest = max((h.height() for _, _, h in line), default=0)
                for item, point, hint in line:
                    # Items of one line share its vertical centre.
                    offset = (tallest - hint.height()) // 2
                    width = min(hint.width(), area.width())
                    item.setGeometry(QRect(point + QPoint(0, offset), QSize(width, hint.height())))
        used = y + line_height - area.y() if any(lines) else 0
        return used + m.top() + m.bottom()
