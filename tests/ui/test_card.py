"""IntegrationCard renders every status from real specs and domain objects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

from huntaze_desktop.domain.models import Account, ConnectionStatus
from huntaze_desktop.providers.registry import default_registry
from huntaze_desktop.ui.avatars import AvatarCache
from huntaze_desktop.ui.card import UNOFFICIAL_NOTE, IntegrationCard, badge_text, connected_on

all_specs = default_registry().all_specs
get_spec = default_registry().get_spec


def _account(id_: int = 1, provider: str = "instagram", **kw: object) -> Account:
    base: dict[str, object] = {
        "id": id_,
        "user_id": 1,
        "provider": provider,
        "provider_account_id": f"pa{id_}",
        "username": f"creator{id_}",
        "created_at": datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
    }
    base.update(kw)
    return Account(**base)  # type: ignore[arg-type]


@pytest.fixture
def card(qtbot):
    def make(provider: str = "instagram") -> IntegrationCard:
        c = IntegrationCard(get_spec(provider), AvatarCache(None))
        qtbot.addWidget(c)
        c.show()
        return c

    return make


def test_every_spec_renders_not_connected(card) -> None:
    for spec in all_specs():
        c = card(spec.name)
        assert c.title.text() == spec.display_name
        assert c.badge.text() == "Not connected"
        assert c.badge.property("severity") == "none"
        assert c.add_button.isVisible() and not c.disconnect_button.isVisible()
        assert c.note.isVisible() == spec.unofficial


def test_onlyfans_shows_unofficial_note(card) -> None:
    c = card("onlyfans")
    assert c.note.text() == UNOFFICIAL_NOTE and c.note.isVisible()


def test_add_app_emits_sign_in(card, qtbot) -> None:
    c = card("tiktok")
    with qtbot.waitSignal(c.signInRequested) as blocker:
        qtbot.mouseClick(c.add_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["tiktok"]


def test_connected_account(card) -> None:
    c = card()
    c.set_accounts([_account()], 1)
    assert c.account_name.text() == "@creator1"
    assert c.since.text() == connected_on(_account())
    assert c.since.text().startswith("Connected on ") and "2026" in c.since.text()
    assert c.badge.text() == "Connected" and c.badge.property("severity") == "ok"
    assert not c.add_button.isVisible()
    assert c.disconnect_button.isVisible() and not c.reconnect_button.isVisible()
    assert not c.error.isVisible() and not c.details_button.isVisible()
    assert c.disconnect_button.accessibleName() == "Disconnect @creator1 from Instagram"


@pytest.mark.parametrize(
    ("status", "severity", "reconnect"),
    [
        (ConnectionStatus.EXPIRED, "warning", True),
        (ConnectionStatus.NEEDS_RECONNECT, "problem", True),
        (ConnectionStatus.ERROR, "problem", True),  # e.g. credentials that cannot be read
        # Fixed in Settings: signing in again would not help, so no Reconnect.
        (ConnectionStatus.APP_CREDENTIALS_REJECTED, "problem", False),
        (ConnectionStatus.DEGRADED, "warning", False),
        (ConnectionStatus.OFFLINE, "warning", False),
    ],
)
def test_failing_statuses(card, status, severity, reconnect) -> None:
    c = card()
    c.set_accounts([_account(status=status, last_error="Instagram is not answering.")], 1)
    assert c.badge.text() == status.label
    assert c.badge.property("severity") == severity
    assert c.reconnect_button.isVisible() == reconnect
    assert c.error.isVisible() and c.error.text() == "Instagram is not answering."
    assert c.details_button.isVisible()


def test_refused_app_credentials_point_to_settings(card, qtbot) -> None:
    c = card()
    message = (
        "The Reddit app credentials were rejected. Check the Client ID and secret in Settings."
    )
    c.set_accounts(
        [_account(status=ConnectionStatus.APP_CREDENTIALS_REJECTED, last_error=message)], 1
    )
    assert c.badge.text() == "App credentials rejected — check Settings"
    assert c.settings_button.isVisible() and not c.reconnect_button.isVisible()
    assert c.error.text() == message
    with qtbot.waitSignal(c.settingsRequested):
        c.settings_button.click()
    c.set_accounts([_account(status=ConnectionStatus.NEEDS_RECONNECT)], 1)
    assert not c.settings_button.isVisible()


def test_rate_limited_shows_local_clear_time(card) -> None:
    retry = datetime(2026, 11, 25, 18, 45, tzinfo=UTC)
    c = card()
    c.set_accounts([_account(status=ConnectionStatus.RATE_LIMITED, retry_at=retry)], 1)
    assert c.badge.text() == f"Rate limited until {retry.astimezone():%H:%M}"
    assert badge_text(_account(status=ConnectionStatus.RATE_LIMITED)) == "Rate limited"


def test_refreshing_shows_spinner(card) -> None:
    c = card()
    c.set_accounts([_account(status=ConnectionStatus.REFRESHING)], 1)
    assert c.spinner.isVisible() and c.badge.text() == "Refreshing…"
    c.set_accounts([_account()], 1)
    assert not c.spinner.isVisible()


def test_several_accounts_switcher(card, qtbot) -> None:
    c = card()
    accounts = [_account(1), _account(2, status=ConnectionStatus.NEEDS_RECONNECT)]
    c.set_accounts(accounts, 2)
    assert c.switcher.isVisible() and c.switcher.count() == 2
    assert c.switcher.current_account_id() == 2
    assert c.account_name.text() == "@creator2"
    assert c.reconnect_button.isVisible()
    assert c.add_another_button.isVisible()
    with qtbot.waitSignal(c.activeChanged) as blocker:
        c.switcher.setCurrentIndex(c.switcher.findData(1))
    assert blocker.args == ["instagram", 1]


def test_search_matching(card) -> None:
    c = card("reddit")
    c.set_accounts([_account(provider="reddit", username="night_owl")], 1)
    assert c.matches("red") and c.matches("OWL") and c.matches("")
    assert not c.matches("tiktok")


def test_a_few_accounts_are_listed_by_name(card) -> None:
    c = card()
    accounts = [_account(1), _account(2, status=ConnectionStatus.NEEDS_RECONNECT)]
    c.set_accounts(accounts, 1)
    assert c.others.text() == ("2 accounts\n@creator1 — Connected\n@creator2 — Needs reconnect")


def test_many_accounts_are_counted_and_only_problems_named(card) -> None:
    c = card()
    accounts = [_account(i) for i in range(1, 46)]
    accounts += [_account(i, status=ConnectionStatus.NEEDS_RECONNECT) for i in range(46, 51)]
    c.set_accounts(accounts, 1)
    lines = c.others.text().split("\n")
    assert lines == [
        "50 accounts: 45 connected, 5 need attention",
        "@creator46 — Needs reconnect",
        "@creator47 — Needs reconnect",
        "@creator48 — Needs reconnect",
        "and 2 more (see the switcher)",
    ]
    assert c.switcher.count() == 50  # every account is still one click away
    # A card with 50 healthy accounts is as short as one with 6.
    c.set_accounts([_account(i) for i in range(1, 51)], 1)
    assert c.others.text() == "50 accounts, all connected"
    tall = c.sizeHint().height()
    c.set_accounts([_account(i) for i in range(1, 7)], 1)
    assert c.sizeHint().height() == tall


def test_many_accounts_all_failing_or_one_failing(card) -> None:
    c = card()
    failing = ConnectionStatus.NEEDS_RECONNECT
    c.set_accounts([_account(i, status=failing) for i in range(1, 8)], 1)
    assert c.others.text().split("\n")[0] == "7 accounts, all need attention"
    c.set_accounts([_account(i) for i in range(1, 7)] + [_account(7, status=failing)], 1)
    assert c.others.text().split("\n") == [
        "7 accounts: 6 connected, 1 needs attention",
        "@creator7 — Needs reconnect",
    ]


@pytest.fixture
def app_stylesheet(qapp):
    """The app's own style sheet, as the window applies it (restored afterwards)."""
    from huntaze_desktop.ui.theme import LIGHT, stylesheet

    before = qapp.styleSheet()
    qapp.setStyleSheet(stylesheet(LIGHT))
    yield
    qapp.setStyleSheet(before)


def test_switcher_elides_a_long_current_account_instead_of_clipping(
    card, qtbot, app_stylesheet
) -> None:
    c = card()
    long_name = "a_creator_with_a_very_long_handle_indeed"
    accounts = [
        _account(1, username=long_name, status=ConnectionStatus.NEEDS_RECONNECT),
        _account(2),
    ]
    c.set_accounts(accounts, 1)
    switcher = c.switcher
    full = switcher.currentText()
    assert full == f"@{long_name} — Needs reconnect"
    for width in range(150, 261, 5):
        switcher.setFixedWidth(width)
        qtbot.waitUntil(lambda w=width: switcher.width() == w)
        shown = switcher.displayed_text()
        assert shown.endswith("…") and shown[:-1] in full
        # It fits where the style sheet draws it: 6 px after the 20 px icon.
        option = QStyleOptionComboBox()
        switcher.initStyleOption(option)
        field = switcher.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            switcher,
        )
        room = field.width() - option.iconSize.width() - 6
        assert switcher.fontMetrics().horizontalAdvance(shown) <= room, width
    assert switcher.toolTip().startswith(f"Active: {full}")  # the whole text is one hover away
    switcher.setFixedWidth(900)
    qtbot.waitUntil(lambda: switcher.width() == 900)
    assert switcher.displayed_text() == full
    switcher.grab()  # paints through the eliding paintEvent without error


def test_accounts_that_need_a_sign_in_are_named_before_offline_ones(card) -> None:
    c = card()
    offline = [_account(i, status=ConnectionStatus.OFFLINE) for i in range(1, 7)]
    broken = _account(7, status=ConnectionStatus.NEEDS_RECONNECT)
    c.set_accounts([*offline, broken], 1)
    lines = c.others.text().split("\n")
    assert lines[1] == "@creator7 — Needs reconnect"
    assert lines[-1] == "and 4 more (see the switcher)"
