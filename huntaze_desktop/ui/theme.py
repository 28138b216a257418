"""Light and dark palettes and the app stylesheet, following the system scheme.

``ThemeManager`` resolves ``Settings.theme`` (system / light / dark) to a
``Palette`` and applies it live: when the setting is "system" it tracks
``QStyleHints.colorScheme()`` and re-applies when the desktop switches. A
platform that declares no scheme is judged by its own palette (a dark window
colour means dark).

This module is on the path to the first paint. The first frame is themed from
the platform's palette alone; the declared scheme (a ``Qt.ColorScheme``) is
read on the turn after that paint, and the theme re-applied in the rare case
the two disagree. (This once kept PySide6's ``Qt`` namespace off the path to
the first paint; the boot now builds it before the application exists, see
``app.py``, so reading the scheme earlier would cost nothing more.)

Widgets style themselves through object names and dynamic properties
(``role``, ``severity``) so the stylesheet is the one place colours live.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from huntaze_desktop.domain.early_settings import Theme  # no msgspec before the first paint
from huntaze_desktop.resources import resource_path

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractSpinBox

    from huntaze_desktop.domain.models import Severity

__all__ = [
    "DARK",
    "LIGHT",
    "Palette",
    "ThemeManager",
    "pad_spin_box",
    "platform_palette_is_dark",
    "stylesheet",
]

_DARK_BELOW = 128  # HSL lightness (0-255) of a window colour that reads as dark


class Palette(NamedTuple):
    """The colours of one theme (a NamedTuple: no dataclass before the first paint)."""

    name: str
    window: str
    surface: str
    surface_alt: str
    sidebar: str
    text: str
    muted: str
    border: str
    border_strong: str
    accent: str
    accent_hover: str
    accent_text: str
    danger: str
    focus: str
    focus_text: str  # text on a ``focus`` background (selected items, selected text)
    banner_bg: str
    banner_text: str
    ok_bg: str
    ok_fg: str
    warn_bg: str
    warn_fg: str
    problem_bg: str
    problem_fg: str
    neutral_bg: str
    neutral_fg: str

    def badge(self, severity: Severity | None) -> tuple[str, str]:
        """(background, foreground) for a status badge; None = not connected."""
        if severity is None:
            return self.neutral_bg, self.neutral_fg
        from huntaze_desktop.domain.models import Severity  # not on the first paint's path

        return {
            Severity.OK: (self.ok_bg, self.ok_fg),
            Severity.WARNING: (self.warn_bg, self.warn_fg),
            Severity.PROBLEM: (self.problem_bg, self.problem_fg),
        }[severity]


LIGHT = Palette(
    name="light",
    window="#F1F2F4",
    surface="#FFFFFF",
    surface_alt="#F7F7F8",
    sidebar="#EBEBEE",
    text="#1A1C1E",
    muted="#5E6368",
    border="#E1E3E5",
    border_strong="#C9CCCF",
    accent="#1F2124",
    accent_hover="#383B40",
    accent_text="#FFFFFF",
    danger="#C5280C",
    focus="#2C6ECB",
    focus_text="#FFFFFF",
    banner_bg="#FFF1D6",
    banner_text="#5C3B00",
    ok_bg="#CDFEE1",
    ok_fg="#0C5132",
    warn_bg="#FFEB78",
    warn_fg="#4F4700",
    problem_bg="#FED1D7",
    problem_fg="#8E0B21",
    neutral_bg="#E3E3E3",
    neutral_fg="#4A4A4A",
)

DARK = Palette(
    name="dark",
    window="#141518",
    surface="#1E2024",
    surface_alt="#26292E",
    sidebar="#191A1D",
    text="#ECEDEF",
    muted="#A2A7AE",
    border="#2F3237",
    border_strong="#43474D",
    accent="#ECEDEF",
    accent_hover="#FFFFFF",
    accent_text="#141518",
    danger="#FF8A7A",
    focus="#6AA0F5",
    focus_text="#0B1220",
    banner_bg="#3D2E0A",
    banner_text="#FFDF9E",
    ok_bg="#123D29",
    ok_fg="#8CE5B3",
    warn_bg="#3F3710",
    warn_fg="#F4DD6B",
    problem_bg="#4A1620",
    problem_fg="#FFA3B1",
    neutral_bg="#33363B",
    neutral_fg="#C4C8CE",
)


# Styling the check box indicator (the native one is invisible on the dark palette)
# drops Qt's own tick, so the checked state draws this one (in ``focus_text``).
_CHECK = {
    "light": resource_path("icons", "check.svg").as_posix(),
    "dark": resource_path("icons", "check-dark.svg").as_posix(),
}


def pad_spin_box(box: QAbstractSpinBox) -> None:
    """Inset a spin box's text like a line edit's (10 px padding + 1 px border).

    Qt's style sheets ignore a spin box's horizontal padding when they place its
    inner line edit, so the text would touch the frame; the inset goes there.
    """
    edit = box.lineEdit()
    if edit is not None:
        edit.setTextMargins(11, 0, 0, 0)


def _chevron(direction: str, p: Palette) -> str:
    """The combo and spin box arrow in the theme's muted colour (the styled
    sub-controls drop Qt's own arrows, so the stylesheet must name one)."""
    return resource_path("icons", f"chevron-{direction}-{p.name}.svg").as_posix()


def stylesheet(p: Palette) -> str:
    """The application stylesheet for palette ``p``."""
    return f"""
    QWidget {{ color: {p.text}; font-size: 10pt; }}
    QMainWindow, QWidget#Central, QStackedWidget > QWidget, QScrollArea, QWidget#GridHost
        {{ background: {p.window}; }}
    QWidget#Sidebar {{ background: {p.sidebar}; border-right: 1px solid {p.border}; }}
    QLabel#AppName {{ font-size: 12pt; font-weight: 700; }}
    QPushButton[role="nav"] {{
        text-align: left; padding: 8px 12px; border: none; border-radius: 8px;
        background: transparent; color: {p.text}; font-weight: 500;
    }}
    QPushButton[role="nav"]:hover {{ background: {p.surface_alt}; }}
    QPushButton[role="nav"]:checked {{ background: {p.surface}; font-weight: 650;
        border: 1px solid {p.border}; }}
    QLabel[role="title"] {{ font-size: 18pt; font-weight: 700; }}
    QLabel[role="subtitle"], QLabel[role="muted"] {{ color: {p.muted}; }}
    QLabel[role="cardTitle"] {{ font-size: 11.5pt; font-weight: 650; }}
    QLabel[role="emptyTitle"] {{ font-size: 14pt; font-weight: 700; }}
    QLabel[role="error"] {{ color: {p.danger}; }}
    QLabel[role="note"] {{ color: {p.muted}; font-style: italic; }}
    QFrame#Card, QFrame#EmptyState {{
        background: {p.surface}; border: 1px solid {p.border}; border-radius: 12px;
    }}
    QFrame#Card QLabel, QFrame#EmptyState QLabel {{ background: transparent; }}
    QFrame#AccountRow {{ background: {p.surface_alt}; border-radius: 8px; border: none; }}
    QFrame#AccountRow QLabel {{ background: transparent; }}
    QLabel#Banner {{
        background: {p.banner_bg}; color: {p.banner_text}; padding: 8px 16px;
        border-bottom: 1px solid {p.border}; font-weight: 600;
    }}
    QFrame#Card QLabel[role="badge"] {{ border-radius: 9px; padding: 2px 9px; font-size: 9pt;
        font-weight: 600; }}
    QFrame#Card QLabel[role="badge"][severity="ok"] {{ background: {p.ok_bg}; color: {p.ok_fg}; }}
    QFrame#Card QLabel[role="badge"][severity="warning"] {{
        background: {p.warn_bg}; color: {p.warn_fg}; }}
    QFrame#Card QLabel[role="badge"][severity="problem"] {{
        background: {p.problem_bg}; color: {p.problem_fg}; }}
    QFrame#Card QLabel[role="badge"][severity="none"] {{
        background: {p.neutral_bg}; color: {p.neutral_fg}; }}
    QPushButton {{
        background: {p.surface}; border: 1px solid {p.border_strong}; border-radius: 8px;
        padding: 6px 14px; font-weight: 600;
    }}
    QPushButton:hover {{ background: {p.surface_alt}; }}
    QPushButton:focus {{ border: 2px solid {p.focus}; padding: 5px 13px; }}
    QPushButton:disabled {{ color: {p.muted}; background: {p.surface_alt};
        border: 1px solid {p.border}; }}
    QPushButton[role="primary"] {{
        background: {p.accent}; color: {p.accent_text}; border: 1px solid {p.accent};
    }}
    QPushButton[role="primary"]:hover {{ background: {p.accent_hover}; }}
    QPushButton[role="danger"] {{ color: {p.danger}; }}
    QPushButton[role="link"] {{
        background: transparent; border: none; color: {p.focus}; padding: 4px 2px;
    }}
    QPushButton[role="link"]:hover {{ text-decoration: underline; }}
    QPushButton[role="link"]:focus {{ border: 2px solid {p.focus}; padding: 2px 0; }}
    QPushButton[role="nav"]:focus {{ border: 2px solid {p.focus}; padding: 7px 11px; }}
    QLineEdit, QComboBox, QPlainTextEdit, QAbstractSpinBox {{
        background: {p.surface}; border: 1px solid {p.border_strong}; border-radius: 8px;
        padding: 5px 10px; selection-background-color: {p.focus};
        selection-color: {p.focus_text};
    }}
    /* One height for every single-line field, whatever its inner widgets want. */
    QLineEdit, QComboBox, QAbstractSpinBox {{ min-height: 20px; }}
    QAbstractSpinBox {{ max-height: 20px; }}
    /* One pixel less padding under the thicker focus border: the text does not jump. */
    QLineEdit:focus, QComboBox:focus, QPlainTextEdit:focus, QAbstractSpinBox:focus {{
        border: 2px solid {p.focus}; padding: 4px 9px; }}
    QLineEdit:disabled, QComboBox:disabled, QPlainTextEdit:disabled,
    QAbstractSpinBox:disabled {{
        background: {p.surface_alt}; color: {p.muted}; border: 1px solid {p.border}; }}
    /* A focused combo box keeps its vertical padding: Qt sizes the popup with the focused
       combo's padding and lays it out with the unfocused one (the popup has the focus
       then), so a smaller focus padding left the popup short and its last row behind a
       scroll arrow. The thicker border takes the pixel from the content height instead;
       the text, centred in it, does not move. */
    QComboBox {{ padding-right: 30px; }}
    QComboBox:focus {{ padding: 5px 9px; padding-right: 29px; min-height: 18px; }}
    QComboBox::drop-down {{ subcontrol-origin: padding; subcontrol-position: center right;
        border: none; width: 28px; }}
    QComboBox::down-arrow {{ image: url({_chevron("down", p)}); width: 12px; height: 12px; }}
    QComboBox QAbstractItemView {{ background: {p.surface}; color: {p.text};
        border: 1px solid {p.border_strong}; padding: 4px; outline: none;
        selection-background-color: {p.focus}; selection-color: {p.focus_text}; }}
    QAbstractSpinBox {{ padding-right: 30px; }}
    QAbstractSpinBox:focus {{ padding-right: 29px; }}
    /* The spin box draws the frame; its own line edit must not draw another. */
    QAbstractSpinBox QLineEdit {{ border: none; background: transparent; padding: 0; }}
    QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{
        subcontrol-origin: border; width: 24px; border: none;
        border-left: 1px solid {p.border}; background: transparent; }}
    QAbstractSpinBox::up-button {{ subcontrol-position: top right; margin: 1px 1px 0 0;
        border-top-right-radius: 7px; }}
    QAbstractSpinBox::down-button {{ subcontrol-position: bottom right; margin: 0 1px 1px 0;
        border-bottom-right-radius: 7px; }}
    QAbstractSpinBox::up-button:hover, QAbstractSpinBox::down-button:hover {{
        background: {p.surface_alt}; }}
    QAbstractSpinBox::up-arrow {{ image: url({_chevron("up", p)}); width: 10px; height: 10px; }}
    QAbstractSpinBox::down-arrow {{ image: url({_chevron("down", p)}); width: 10px;
        height: 10px; }}
    QAbstractSpinBox::up-arrow:off, QAbstractSpinBox::down-arrow:off,
    QAbstractSpinBox::up-arrow:disabled, QAbstractSpinBox::down-arrow:disabled {{
        image: none; }}
    /* A date field with a calendar pop-up shows a drop-down, not up/down buttons. */
    QDateTimeEdit[calendarPopup="true"]::drop-down {{ subcontrol-origin: border;
        subcontrol-position: center right; width: 28px; border: none;
        border-left: 1px solid {p.border}; background: transparent; }}
    QDateTimeEdit[calendarPopup="true"]::down-arrow {{ image: url({_chevron("down", p)});
        width: 12px; height: 12px; }}
    QCheckBox {{ spacing: 8px; }}
    QCheckBox::indicator {{ width: 16px; height: 16px; border-radius: 4px;
        border: 1px solid {p.border_strong}; background: {p.surface}; }}
    QCheckBox::indicator:checked {{ background: {p.focus}; border: 1px solid {p.focus};
        image: url({_CHECK[p.name]}); }}
    QCheckBox:focus {{ outline: none; }}
    QCheckBox::indicator:focus {{ border: 2px solid {p.focus}; }}
    QCheckBox:disabled {{ color: {p.muted}; }}
    QCheckBox::indicator:disabled {{ background: {p.surface_alt}; border: 1px solid {p.border}; }}
    QGroupBox {{ background: {p.surface}; border: 1px solid {p.border}; border-radius: 12px;
        margin-top: 26px; padding: 14px 12px 10px 12px; }}
    QGroupBox::title {{ subcontrol-origin: margin; subcontrol-position: top left; left: 2px;
        padding: 0 0 4px 0; font-weight: 650; font-size: 11pt; }}
    QGroupBox QGroupBox {{ background: {p.surface_alt}; border: none; border-radius: 10px; }}
    QGroupBox QGroupBox::title {{ font-size: 10pt; }}
    QGroupBox QLabel, QGroupBox QCheckBox {{ background: transparent; }}
    QMessageBox QLabel#qt_msgbox_label {{ font-weight: 650; min-width: 320px; }}
    QMessageBox QLabel#qt_msgbox_informativelabel {{ color: {p.muted}; min-width: 320px; }}
    QFrame#Toast {{
        background: {p.surface}; border: 1px solid {p.border_strong}; border-radius: 10px;
    }}
    QFrame#Toast QLabel {{ background: transparent; }}
    QFrame#Toast[level="success"] {{ border-left: 4px solid {p.ok_fg}; }}
    QFrame#Toast[level="info"] {{ border-left: 4px solid {p.focus}; }}
    QFrame#Toast[level="warning"] {{ border-left: 4px solid {p.warn_fg}; }}
    QFrame#Toast[level="error"] {{ border-left: 4px solid {p.danger}; }}
    QFrame#Toast QLabel#ToastGlyph {{ font-weight: 700; min-width: 12px; }}
    QFrame#Toast[level="success"] QLabel#ToastGlyph {{ color: {p.ok_fg}; }}
    QFrame#Toast[level="info"] QLabel#ToastGlyph {{ color: {p.focus}; }}
    QFrame#Toast[level="warning"] QLabel#ToastGlyph {{ color: {p.warn_fg}; }}
    QFrame#Toast[level="error"] QLabel#ToastGlyph {{ color: {p.danger}; }}
    QToolButton#ToastClose {{ border: none; background: transparent; color: {p.muted};
        font-size: 12pt; padding: 0 4px; }}
    QScrollArea {{ border: none; }}
    QScrollBar:vertical {{ background: transparent; width: 10px; margin: 2px; }}
    QScrollBar::handle:vertical {{ background: {p.border_strong}; border-radius: 4px;
        min-height: 30px; }}
    QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
    QToolTip {{ background: {p.surface}; color: {p.text}; border: 1px solid {p.border}; }}
    QMenuBar {{ background: {p.sidebar}; color: {p.text}; border-bottom: 1px solid {p.border};
        padding: 2px 8px; }}
    QMenuBar::item {{ background: transparent; padding: 4px 10px; border-radius: 6px; }}
    QMenuBar::item:selected, QMenuBar::item:pressed {{ background: {p.surface}; }}
    """


def _qpalette(p: Palette) -> QPalette:
    """A QPalette so native parts (menus, dialogs) match the stylesheet."""
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: p.window,
        QPalette.ColorRole.WindowText: p.text,
        QPalette.ColorRole.Base: p.surface,
        QPalette.ColorRole.AlternateBase: p.surface_alt,
        QPalette.ColorRole.Text: p.text,
        QPalette.ColorRole.Button: p.surface,
        QPalette.ColorRole.ButtonText: p.text,
        QPalette.ColorRole.ToolTipBase: p.surface,
        QPalette.ColorRole.ToolTipText: p.text,
        QPalette.ColorRole.PlaceholderText: p.muted,
        QPalette.ColorRole.Highlight: p.focus,
        QPalette.ColorRole.HighlightedText: p.focus_text,
        QPalette.ColorRole.Link: p.focus,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    # Disabled text reads as disabled (muted), as the stylesheet's disabled fields do.
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(p.muted))
    return pal


@functools.cache
def platform_palette_is_dark() -> bool:
    """Whether the platform's palette is dark: its window colour, before any theme.

    Read once per process, by the first ``ThemeManager``, before it replaces the
    application's palette with the theme's (after that the application palette
    is ours, not the platform's).
    """
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < _DARK_BELOW


class ThemeManager(QObject):
    """Applies the chosen theme to the application and follows the system.

    ``changed`` is emitted with the new ``Palette`` whenever the effective
    palette changes (setting changed, or the system switched light/dark).
    """

    changed = Signal(object)

    def __init__(
        self,
        app: QApplication,
        theme: Theme = Theme.SYSTEM,
        parent: QObject | None = None,
        *,
        platform_dark: bool | None = None,
    ) -> None:
        """``platform_dark``: whether the platform's own palette is dark (None: look)."""
        super().__init__(parent)
        self._app = app
        self._theme = theme
        self._palette: Palette | None = None
        self._platform_dark = platform_palette_is_dark() if platform_dark is None else platform_dark
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._on_system_changed)

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def palette(self) -> Palette:
        return self._palette or self.resolve()

    def resolve(self, *, ask_platform: bool = True) -> Palette:
        """The palette the current setting means right now.

        For "system": the scheme the platform declares, else (none declared, or
        ``ask_platform`` False, as for the first frame) its palette's lightness.
        """
        if self._theme is Theme.DARK:
            return DARK
        if self._theme is Theme.LIGHT:
            return LIGHT
        if ask_platform:
            from PySide6.QtCore import Qt

            scheme = QGuiApplication.styleHints().colorScheme()
            if scheme == Qt.ColorScheme.Dark:
                return DARK
            if scheme == Qt.ColorScheme.Light:
                return LIGHT
        return DARK if self._platform_dark else LIGHT

    def set_theme(self, theme: Theme) -> None:
        """Apply a (possibly new) setting; cheap when nothing changes."""
        self._theme = Theme(theme)
        self.apply()

    def apply(self, *, ask_platform: bool = True) -> None:
        """Apply what the setting means now (``ask_platform``: see ``resolve``)."""
        palette = self.resolve(ask_platform=ask_platform)
        if palette is self._palette:
            return
        self._palette = palette
        self._app.setPalette(_qpalette(palette))
        self._app.setStyleSheet(stylesheet(palette))
        self.changed.emit(palette)

    def _on_system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._theme is Theme.SYSTEM:
            self.apply()
