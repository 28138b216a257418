"""The account switcher: chooses the active account of one platform."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPaintEvent, QPalette
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter, QWidget

from huntaze_desktop.domain.models import Account, Severity
from huntaze_desktop.ui.avatars import AvatarCache

__all__ = ["AccountSwitcher"]

# The style sheet draws the current text 6 px after the icon; 2 px more keep the
# ellipsis clear of the field's edge at every width.
_ICON_GAP = 6
_TEXT_MARGIN = 2


class AccountSwitcher(QComboBox):
    """A combo box of a platform's accounts (avatar + name + status when not OK).

    ``accountChosen(id)`` fires only when the *user* picks another account,
    never while the list is being refilled.
    """

    accountChosen = Signal(int)

    def __init__(self, platform: str, avatars: AvatarCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._avatars = avatars
        self._filling = False
        self.setIconSize(QSize(20, 20))
        self.setAccessibleName(f"Active {platform} account")
        self.view().setAccessibleName(f"{platform} accounts")  # the open list
        self._platform = platform
        self.setToolTip(f"Choose which {platform} account is active")
        # Room for a typical @name; longer ones are elided, and the tooltip has them whole.
        # Wider, and a card with a switcher would not fit two columns at 1000 px.
        self.setMinimumContentsLength(10)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.currentIndexChanged.connect(self._on_index)

    def set_accounts(self, accounts: list[Account], active_id: int | None) -> None:
        self._filling = True
        try:
            same_accounts = [self.itemData(i) for i in range(self.count())] == [
                a.id for a in accounts
            ]
            if not same_accounts:
                # Refilling is only safe outside this combo's own signal handlers;
                # the common case (same accounts, new status) updates in place.
                self.clear()
            for row, account in enumerate(accounts):
                text = account.name
                if account.status.severity > Severity.OK:
                    text += f" — {account.status.label}"
                icon = QIcon(self._avatars.pixmap(account, 20))
                if same_accounts:
                    self.setItemText(row, text)
                    self.setItemIcon(row, icon)
                else:
                    self.addItem(icon, text, account.id)
            index = self.findData(active_id) if active_id is not None else -1
            self.setCurrentIndex(index if index >= 0 else 0)
            self.setToolTip(
                f"Active: {self.currentText()}\nChoose which {self._platform} account is active"
            )
        finally:
            self._filling = False

    def displayed_text(self, option: QStyleOptionComboBox | None = None) -> str:
        """The current text as the closed box shows it: elided ("…") to fit."""
        if option is None:
            option = QStyleOptionComboBox()
            self.initStyleOption(option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        room = field.width() - _TEXT_MARGIN
        if not option.currentIcon.isNull():
            room -= option.iconSize.width() + _ICON_GAP
        return self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideRight, room)

    def paintEvent(self, event: QPaintEvent) -> None:
        # QComboBox clips a long current text mid-letter; this elides it instead.
        painter = QStylePainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))  # as QComboBox does
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.displayed_text(option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def current_account_id(self) -> int | None:
        data = self.currentData()
        return int(data) if data is not None else None

    def _on_index(self, index: int) -> None:
        if self._filling or index < 0:
            return
        self.accountChosen.emit(int(self.itemData(index)))
