"""The Integrations page: a responsive grid of platform cards (Shopify-style).

One card per ``ProviderSpec`` in ``runtime.specs``. The page keeps cards in
step with the services: it re-queries accounts when the bus says one changed,
validates all accounts when shown (debounced), and turns card intentions into
service calls (disconnect after confirmation, switch active account, details).
"""

from __future__ import annotations

import logging
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop.domain.models import Account
from huntaze_desktop.ui.avatars import AvatarCache
from huntaze_desktop.ui.bus_bridge import BusBridge
from huntaze_desktop.ui.card import IntegrationCard
from huntaze_desktop.ui.dialogs import ConfirmDisconnectDialog, DiagnosticsDialog
from huntaze_desktop.ui.empty_state import EmptyState
from huntaze_desktop.ui.tasks import run_task, user_message_for
from huntaze_desktop.ui.toasts import ToastHost

if TYPE_CHECKING:
    from huntaze_desktop.runtime import Runtime

__all__ = ["IntegrationsPage", "columns_for_width"]

log = logging.getLogger("huntaze.ui.integrations")

VALIDATE_DEBOUNCE_MS = 600
RELOAD_COALESCE_MS = 150  # account events arriving within this are one re-query


def columns_for_width(width: int) -> int:
    """1 column on narrow windows, 2 on medium, 3 on wide ones."""
    if width < 700:
        return 1
    if width < 1080:
        return 2
    return 3


class IntegrationsPage(QWidget):
    """Header, search, the empty state and the card grid."""

    signInRequested = Signal(str)
    reconnectRequested = Signal(object)  # the Account
    settingsRequested = Signal()  # a card's "Open Settings" (refused app credentials)
    accountsLoaded = Signal(list)  # every account, after each (re)query

    def __init__(
        self,
        runtime: Runtime,
        toasts: ToastHost,
        parent: QWidget | None = None,
        bridge: BusBridge | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.toasts = toasts
        self.setAccessibleName("Integrations page")
        self.avatars = AvatarCache(runtime.downloads, self)
        self.bridge = bridge or BusBridge(runtime.bus, self)
        self.bridge.accountChanged.connect(self._on_account_event)
        self.bridge.accountRemoved.connect(self._on_account_event)
        self.cards: dict[str, IntegrationCard] = {}
        self.accounts: list[Account] = []
        self.confirm_dialog: ConfirmDisconnectDialog | None = None
        self.details_dialog: DiagnosticsDialog | None = None
        self._loaded = False
        self._columns = 0
        self._validating = False
        self._reload_pending = False
        self._reload_again = False
        self.validations_started = 0  # how many validate_all runs this page began

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Not a Tab stop of its own: Tab goes from the navigation to the search box.
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self._scroll)
        host = QWidget()
        host.setObjectName("GridHost")
        self._scroll.setWidget(host)
        body = QVBoxLayout(host)
        self._body = body
        body.setContentsMargins(32, 28, 32, 32)
        body.setSpacing(16)

        title = QLabel("Integrations", host)
        title.setProperty("role", "title")
        title.setAccessibleName("Integrations")
        body.addWidget(title)
        subtitle = QLabel(
            "Connect the platforms you create on. Huntaze keeps every connection "
            "healthy in the background and tells you when one needs you.",
            host,
        )
        subtitle.setProperty("role", "subtitle")
        subtitle.setWordWrap(True)
        subtitle.setAccessibleName(subtitle.text())
        body.addWidget(subtitle)

        self.search = QLineEdit(host)
        self.search.setPlaceholderText("Search platforms and accounts  (Ctrl+F)")
        self.search.setAccessibleName("Search integrations")
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(420)
        self.search.textChanged.connect(self._apply_filter)
        body.addWidget(self.search)

        self.empty_state = EmptyState(
            "Connect your first platform",
            "Pick a platform below and choose Add app. You sign in on the platform's own "
            "page; Huntaze stores the connection encrypted on this computer and never "
            "sees your password.",
            host,
        )
        self.empty_state.hide()
        body.addWidget(self.empty_state)

        self.no_match = QLabel("", host)
        self.no_match.setProperty("role", "muted")
        self.no_match.hide()
        body.addWidget(self.no_match)

        self.grid_widget = QWidget(host)
        self.grid = QGridLayout(self.grid_widget)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(16)
        body.addWidget(self.grid_widget)
        body.addStretch(1)

        for spec in runtime.specs:
            card = IntegrationCard(spec, self.avatars, self.grid_widget)
            card.signInRequested.connect(self.signInRequested)
            card.reconnectRequested.connect(self.reconnectRequested)
            card.settingsRequested.connect(self.settingsRequested)
            card.disconnectRequested.connect(self.confirm_disconnect)
            card.detailsRequested.connect(self.show_details)
            card.activeChanged.connect(self.set_active)
            self.cards[spec.name] = card
        self._scroll.viewport().installEventFilter(self)
        self._set_tab_order()

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATE_DEBOUNCE_MS)
        self._validate_timer.timeout.connect(self._validate_now)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_COALESCE_MS)
        self._reload_timer.timeout.connect(self.reload)
        self._reflow(force=True)
        self.reload()

    # -- layout ------------------------------------------------------------------

    def focus_order(self) -> list[QWidget]:
        """The page's controls in reading order: search, then each card's, row by row."""
        order: list[QWidget] = [self.search]
        for card in self.cards.values():  # grid order is spec order, row-major
            order += card.focus_order()
        return order

    def _set_tab_order(self) -> None:
        # Explicit, so that Tab follows what the eye reads whatever the creation order;
        # hidden controls (another status, a filtered card) are skipped by Qt.
        for first, second in pairwise(self.focus_order()):
            QWidget.setTabOrder(first, second)

    def visible_cards(self) -> list[IntegrationCard]:
        return [c for c in self.cards.values() if not c.isHidden()]

    def columns(self) -> int:
        return self._columns

    def _fitting_columns(self, width: int) -> int:
        """How many columns fit without squeezing a card below what its content needs.

        A card with three actions (Reconnect, Disconnect, Add another account) needs
        more than the 300 px floor; three such cards at 1600 px clipped the link.
        """
        margins = self._body.contentsMargins()
        available = width - margins.left() - margins.right()
        need = max((c.minimumSizeHint().width() for c in self.visible_cards()), default=0)
        spacing = self.grid.spacing()
        return max(1, (available + spacing) // (max(need, 1) + spacing))

    def _reflow(self, force: bool = False) -> None:
        width = self._scroll.viewport().width()
        columns = min(columns_for_width(width), self._fitting_columns(width))
        if columns == self._columns and not force:
            return
        self._columns = columns
        for card in self.cards.values():
            self.grid.removeWidget(card)
        for i, card in enumerate(self.visible_cards()):
            self.grid.addWidget(card, i // columns, i % columns, Qt.AlignmentFlag.AlignTop)
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._reflow()
        return False

    def _apply_filter(self) -> None:
        text = self.search.text()
        for card in self.cards.values():
            card.setVisible(card.matches(text))
        shown = self.visible_cards()
        self.no_match.setVisible(not shown)
        self.no_match.setText(f"No platform or account matches “{text.strip()}”.")
        self._update_empty_state()
        self._reflow(force=True)

    def _update_empty_state(self) -> None:
        self.empty_state.setVisible(
            self._loaded and not self.accounts and not self.search.text().strip()
        )

    # -- data --------------------------------------------------------------------

    def reload(self) -> None:
        """Re-query every account (coalesces bursts of bus events into one query).

        A change announced while a query runs may have missed it: one more
        query follows when it ends.
        """
        if self._reload_pending:
            self._reload_again = True
            return
        self._reload_pending = True
        self._reload_again = False
        run_task(self.runtime.accounts.list_accounts(), on_done=self._show, on_error=self._failed)

    def _query_ended(self) -> None:
        self._reload_pending = False
        if self._reload_again:
            self.reload()

    def _failed(self, message: str) -> None:
        self._query_ended()
        self.toasts.error(message)

    def _show(self, accounts: list[Account]) -> None:
        self._query_ended()
        self._loaded = True
        self.accounts = list(accounts)
        for name, card in self.cards.items():
            mine = [a for a in self.accounts if a.provider == name]
            card.set_accounts(mine, self.runtime.accounts.active_account_id(name))
        self._apply_filter()
        self.accountsLoaded.emit(self.accounts)

    def _on_account_event(self, _event: object) -> None:
        # A burst of events (a validation pass over hundreds of accounts sends
        # one per account) is one query per interval, not one per event.
        if not self._reload_timer.isActive():
            self._reload_timer.start()

    def request_validation(self) -> None:
        """Validate all accounts soon (debounced; never stacks validations)."""
        self._validate_timer.start()

    def validation_running(self) -> bool:
        return self._validating

    def _validate_now(self) -> None:
        if self._validating:
            return
        self._validating = True
        self.validations_started += 1
        run_task(
            self.runtime.accounts.validate_all(),
            on_done=self._validated,
            on_error=self._validation_failed,
        )

    def _validated(self, _accounts: object) -> None:
        self._validating = False
        self.reload()

    def _validation_failed(self, message: str) -> None:
        self._validating = False
        self.toasts.error(message)

    # -- card intentions ---------------------------------------------------------

    def _account(self, account_id: int) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def _platform(self, account: Account) -> str:
        card = self.cards.get(account.provider)
        return card.spec.display_name if card else account.provider

    def confirm_disconnect(self, account_id: int) -> ConfirmDisconnectDialog | None:
        account = self._account(account_id)
        if account is None:
            return None
        dialog = ConfirmDisconnectDialog(account.name, self._platform(account), self)
        dialog.confirmed.connect(
            lambda: self.disconnect_account(account, delete_history=dialog.delete_history)
        )
        dialog.finished.connect(dialog.deleteLater)
        self.confirm_dialog = dialog
        dialog.open()
        return dialog

    def disconnect_account(self, account: Account, *, delete_history: bool = False) -> None:
        # No toast of our own: the service announces the disconnect on the bus and
        # the window shows that notice (a second toast said the same thing twice).
        run_task(
            self.runtime.accounts.disconnect(account.id, delete_history=delete_history),
            on_done=lambda _: self.reload(),
            on_error=self.toasts.error,
        )

    def show_details(self, account_id: int) -> None:
        account = self._account(account_id)
        title = f"{account.name} on {self._platform(account)}" if account else "Account"

        def open_dialog(diagnostics: dict[str, Any]) -> None:
            dialog = DiagnosticsDialog(title, diagnostics, self)
            dialog.copied.connect(lambda: self.toasts.success("Diagnostics copied."))
            dialog.finished.connect(dialog.deleteLater)
            self.details_dialog = dialog
            dialog.open()

        run_task(
            self.runtime.accounts.diagnostics(account_id),
            on_done=open_dialog,
            on_error=self.toasts.error,
        )

    def set_active(self, provider: str, account_id: int) -> None:
        try:
            self.runtime.accounts.set_active(provider, account_id)
        except Exception as exc:  # a typed error from the service, shown safely
            log.warning("Could not switch account: %s", type(exc).__name__)
            self.toasts.error(user_message_for(exc))
            return
        self.reload()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()
