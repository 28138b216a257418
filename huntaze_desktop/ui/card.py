"""IntegrationCard: one platform, its accounts, their status and what to do next.

The card only renders and emits intentions (sign in, disconnect, details,
switch); the page wires those to the services, so the card holds no rules.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from huntaze_desktop.domain.health import worst_first
from huntaze_desktop.domain.models import Account, ConnectionStatus, Severity
from huntaze_desktop.providers.base import ProviderSpec
from huntaze_desktop.ui.action_row import ActionRow
from huntaze_desktop.ui.avatars import AvatarCache
from huntaze_desktop.ui.icons import severity_key
from huntaze_desktop.ui.spinner import Spinner
from huntaze_desktop.ui.switcher import AccountSwitcher
from huntaze_desktop.ui.tiles import provider_pixmap

__all__ = [
    "UNOFFICIAL_NOTE",
    "IntegrationCard",
    "accounts_summary",
    "badge_text",
    "connected_on",
    "local_time",
]

# The description already says "session-based, unofficial"; the note says what follows.
UNOFFICIAL_NOTE = "Unofficial: uses your web session, which the platform can end at any time."
LIST_ALL_UP_TO = 5  # accounts a card lists by name; beyond, it counts them
NAMED_UP_TO = 3  # accounts needing attention it still names beyond that

# Error too: unreadable credentials are mended by signing in again (the reason says
# so). Refused app credentials are not: they are fixed in Settings, no Reconnect.
_RECONNECT = tuple(s for s in ConnectionStatus if s.reconnect_helps)
_FAILING = (
    ConnectionStatus.APP_CREDENTIALS_REJECTED,
    ConnectionStatus.ERROR,
    ConnectionStatus.DEGRADED,
    ConnectionStatus.OFFLINE,
    ConnectionStatus.RATE_LIMITED,
    ConnectionStatus.EXPIRED,
    ConnectionStatus.NEEDS_RECONNECT,
)


def local_time(value: datetime) -> datetime:
    """``value`` in local time; naive values from storage are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone()


def badge_text(account: Account | None) -> str:
    if account is None:
        return ConnectionStatus.NOT_CONNECTED.label
    if account.status is ConnectionStatus.RATE_LIMITED and account.retry_at is not None:
        return f"Rate limited until {local_time(account.retry_at):%H:%M}"
    return account.status.label


def connected_on(account: Account) -> str:
    """e.g. "Connected on 25 Nov 2026" (local date)."""
    if account.created_at is None:
        return "Connected"
    day = local_time(account.created_at)
    return f"Connected on {day.day} {day:%b %Y}"


def accounts_summary(accounts: list[Account]) -> str:
    """The card's note on a platform's accounts: every one while they are few.

    With more than ``LIST_ALL_UP_TO`` the card would grow a line per account, so
    it counts them and names only those that need attention (the switcher
    above it lists them all).
    """
    if len(accounts) <= LIST_ALL_UP_TO:
        lines = [f"{a.name} — {badge_text(a)}" for a in accounts]
        return f"{len(accounts)} accounts\n" + "\n".join(lines)
    attention = worst_first(a for a in accounts if a.status.severity is not Severity.OK)
    healthy = len(accounts) - len(attention)
    if not attention:
        head = f"{len(accounts)} accounts, all connected"
    elif not healthy:
        head = f"{len(accounts)} accounts, all need attention"
    else:
        verb = "needs" if len(attention) == 1 else "need"
        head = f"{len(accounts)} accounts: {healthy} connected, {len(attention)} {verb} attention"
    lines = [head] + [f"{a.name} — {badge_text(a)}" for a in attention[:NAMED_UP_TO]]
    if len(attention) > NAMED_UP_TO:
        lines.append(f"and {len(attention) - NAMED_UP_TO} more (see the switcher)")
    return "\n".join(lines)


def _label(text: str, role: str | None = None, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    if role:
        label.setProperty("role", role)
    label.setAccessibleName(text)
    return label


def _button(text: str, accessible: str, role: str | None = None) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(accessible)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    if role:
        button.setProperty("role", role)
    return button


def _set_text(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setAccessibleName(text)


class IntegrationCard(QFrame):
    """One platform's card (built from its ``ProviderSpec``; nothing hard-coded)."""

    signInRequested = Signal(str)  # provider: add an account
    reconnectRequested = Signal(object)  # the Account to sign in to again
    disconnectRequested = Signal(int)  # account id
    detailsRequested = Signal(int)  # account id
    settingsRequested = Signal()  # the app credentials are to be fixed in Settings
    activeChanged = Signal(str, int)  # provider, account id

    def __init__(self, spec: ProviderSpec, avatars: AvatarCache, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self._avatars = avatars
        self.accounts: list[Account] = []
        self.active: Account | None = None
        self.setObjectName("Card")
        self.setAccessibleName(f"{spec.display_name} integration")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.setMinimumWidth(300)
        avatars.avatarReady.connect(self._on_avatar)

        root = QVBoxLayout(self)
        root.setContentsMargins(20, 18, 20, 18)
        root.setSpacing(12)

        header = QHBoxLayout()
        header.setSpacing(12)
        icon = QLabel(self)
        icon.setPixmap(provider_pixmap(spec.icon, 40, spec.display_name))
        icon.setFixedSize(40, 40)
        icon.setAccessibleName(f"{spec.display_name} icon")
        header.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(4)
        title_row = QHBoxLayout()
        title_row.setSpacing(6)
        self.title = _label(spec.display_name, "cardTitle", self)
        title_row.addWidget(self.title)
        title_row.addStretch(1)
        self.spinner = Spinner(12, self)
        self.spinner.setAccessibleName("Refreshing")
        self.spinner.hide()
        title_row.addWidget(self.spinner)
        self.badge = _label("", "badge", self)
        title_row.addWidget(self.badge)
        titles.addLayout(title_row)
        self.description = _label(spec.description, "muted", self)
        self.description.setWordWrap(True)
        titles.addWidget(self.description)
        header.addLayout(titles, 1)
        root.addLayout(header)

        # The active account: avatar, name, since when.
        self.account_row = QFrame(self)
        self.account_row.setObjectName("AccountRow")
        row = QHBoxLayout(self.account_row)
        row.setContentsMargins(10, 8, 10, 8)
        row.setSpacing(10)
        self.avatar = QLabel(self.account_row)
        self.avatar.setFixedSize(32, 32)
        self.avatar.setAccessibleName("Avatar")
        row.addWidget(self.avatar)
        names = QVBoxLayout()
        names.setSpacing(0)
        self.account_name = _label("", None, self.account_row)
        self.account_name.setStyleSheet("font-weight: 600;")
        names.addWidget(self.account_name)
        self.since = _label("", "muted", self.account_row)
        names.addWidget(self.since)
        row.addLayout(names, 1)
        root.addWidget(self.account_row)

        self.switch_row = QWidget(self)
        switch = QHBoxLayout(self.switch_row)
        switch.setContentsMargins(0, 0, 0, 0)
        switch.setSpacing(8)
        switch_label = _label("Active account", "muted", self.switch_row)
        switch.addWidget(switch_label)
        self.switcher = AccountSwitcher(spec.display_name, avatars, self.switch_row)
        self.switcher.accountChosen.connect(self._on_chosen)
        switch_label.setBuddy(self.switcher)
        switch.addWidget(self.switcher, 1)
        root.addWidget(self.switch_row)

        self.others = _label("", "muted", self)
        self.others.setWordWrap(True)
        root.addWidget(self.others)

        problem = QHBoxLayout()
        self.error = _label("", "error", self)
        self.error.setWordWrap(True)
        problem.addWidget(self.error, 1)
        self.details_button = _button("Details", f"Details of the {spec.display_name} problem")
        self.details_button.clicked.connect(self._on_details)
        problem.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)
        root.addLayout(problem)

        self.note = _label(UNOFFICIAL_NOTE, "note", self)
        self.note.setWordWrap(True)
        self.note.setVisible(spec.unofficial)
        root.addWidget(self.note)

        # Wraps instead of clipping: at 1000 px three actions don't fit a card's line.
        actions = ActionRow(spacing=8)
        name = spec.display_name
        self.add_button = _button("Add app", f"Add {name} account", "primary")
        self.add_button.clicked.connect(self._on_sign_in)
        self.reconnect_button = _button("Reconnect", f"Reconnect {name} account", "primary")
        self.reconnect_button.clicked.connect(self._on_reconnect)
        self.settings_button = _button(
            "Open Settings", f"Open Settings to check the {name} app credentials", "primary"
        )
        self.settings_button.clicked.connect(self.settingsRequested)
        self.disconnect_button = _button("Disconnect", f"Disconnect {name} account", "danger")
        self.disconnect_button.clicked.connect(self._on_disconnect)
        self.add_another_button = _button(
            "Add another account", f"Add another {name} account", "link"
        )
        self.add_another_button.clicked.connect(self._on_sign_in)
        for button in (
            self.add_button,
            self.reconnect_button,
            self.settings_button,
            self.disconnect_button,
        ):
            actions.addWidget(button)
        actions.add_trailing(self.add_another_button)
        root.addLayout(actions)
        self.action_row = actions

        self.set_accounts([], None)

    def focus_order(self) -> list[QWidget]:
        """The card's controls in reading order (top to bottom, left to right)."""
        return [
            self.switcher,
            self.details_button,
            self.add_button,
            self.reconnect_button,
            self.settings_button,
            self.disconnect_button,
            self.add_another_button,
        ]

    # -- state -----------------------------------------------------------------

    def set_accounts(self, accounts: list[Account], active_id: int | None) -> None:
        """Render ``accounts`` of this platform; ``active_id`` picks the shown one."""
        self.accounts = list(accounts)
        by_id = {a.id: a for a in self.accounts}
        self.active = by_id.get(active_id) if active_id is not None else None
        if self.active is None and self.accounts:
            self.active = self.accounts[0]
        self._render()

    def _render(self) -> None:
        account = self.active
        connected = account is not None
        status = account.status if account else ConnectionStatus.NOT_CONNECTED
        _set_text(self.badge, badge_text(account))
        self.badge.setProperty("severity", severity_key(status.severity if account else None))
        self.badge.setToolTip(account.status_reason or "" if account else "")
        self._repolish(self.badge)
        refreshing = status is ConnectionStatus.REFRESHING
        self.spinner.setVisible(refreshing)
        if refreshing:
            _set_text(self.badge, "Refreshing…")

        self.account_row.setVisible(connected)
        self.add_button.setVisible(not connected)
        self.disconnect_button.setVisible(connected)
        self.add_another_button.setVisible(connected)
        self.reconnect_button.setVisible(connected and status in _RECONNECT)
        self.settings_button.setVisible(
            connected and status is ConnectionStatus.APP_CREDENTIALS_REJECTED
        )
        failing = connected and status in _FAILING
        self.error.setVisible(failing)
        self.details_button.setVisible(failing)
        several = len(self.accounts) > 1
        self.switch_row.setVisible(several)
        self.others.setVisible(several)
        if account is None:
            self.setAccessibleDescription(f"{self.spec.display_name}: not connected")
            return

        _set_text(self.account_name, account.name)
        _set_text(self.since, connected_on(account))
        self.avatar.setPixmap(self._avatars.pixmap(account, 32))
        if failing:
            _set_text(self.error, account.last_error or account.status.label)
        name, platform = account.name, self.spec.display_name
        self.disconnect_button.setAccessibleName(f"Disconnect {name} from {platform}")
        self.reconnect_button.setAccessibleName(f"Reconnect {name} on {platform}")
        self.details_button.setAccessibleName(f"Details of the problem with {name}")
        if several:
            self.switcher.set_accounts(self.accounts, account.id)
            _set_text(self.others, accounts_summary(self.accounts))
        self.setAccessibleDescription(f"{platform}: {name}, {badge_text(account)}")

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        # Dynamic properties only restyle after an explicit re-polish.
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def worst_severity(self) -> Severity:
        return max((a.status.severity for a in self.accounts), default=Severity.OK)

    def matches(self, text: str) -> bool:
        """Search: platform name, description or any account name."""
        needle = text.strip().lower()
        if not needle:
            return True
        haystack = [self.spec.display_name, self.spec.name, self.spec.description]
        haystack += [a.name for a in self.accounts]
        haystack += [a.display_name or "" for a in self.accounts]
        return any(needle in h.lower() for h in haystack)

    # -- intentions --------------------------------------------------------------

    def _on_sign_in(self) -> None:
        self.signInRequested.emit(self.spec.name)

    def _on_reconnect(self) -> None:
        if self.active is not None:
            self.reconnectRequested.emit(self.active)

    def _on_disconnect(self) -> None:
        if self.active is not None:
            self.disconnectRequested.emit(self.active.id)

    def _on_details(self) -> None:
        if self.active is not None:
            self.detailsRequested.emit(self.active.id)

    def _on_chosen(self, account_id: int) -> None:
        # Queued: listeners re-render this card, which must not happen while the
        # switcher is still inside its own currentIndexChanged emission.
        QTimer.singleShot(0, lambda: self.activeChanged.emit(self.spec.name, account_id))

    def _on_avatar(self, url: str) -> None:
        if any(a.avatar_url == url for a in self.accounts):
            self._render()
