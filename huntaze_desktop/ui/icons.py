"""Icons: SVGs from ``resources/icons/``, drawn crisply at any size.

The images drawn from text (initials, lettered tiles) and avatar crops are in
``tiles``; this module is on the path to the first paint (the sidebar's logo)
and imports only what rendering an SVG needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from huntaze_desktop.resources import resource_path

if TYPE_CHECKING:
    from huntaze_desktop.domain.models import Severity

# The account models are imported by the function that uses them (first paint).

__all__ = [
    "ICON_DIR",
    "app_icon",
    "severity_key",
    "svg_pixmap",
    "tray_icon",
]

ICON_DIR = resource_path("icons")


def severity_key(severity: Severity | None) -> str:
    """The stylesheet key for a severity (``ok``, ``warning``, ``problem``, ``none``)."""
    if severity is None:
        return "none"
    from huntaze_desktop.domain.models import Severity

    return {Severity.OK: "ok", Severity.WARNING: "warning", Severity.PROBLEM: "problem"}[severity]


def svg_pixmap(path: Path, size: int, ratio: float = 2.0) -> QPixmap | None:
    """Render an SVG file to a square pixmap (``None`` if missing or broken)."""
    if not path.is_file():
        return None
    renderer = QSvgRenderer(str(path))
    if not renderer.isValid():
        return None
    px = int(size * ratio)
    pixmap = QPixmap(px, px)
    pixmap.fill(QColor(0, 0, 0, 0))  # transparent
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, px, px))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def _multi_size_icon(name: str) -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128):
        pixmap = svg_pixmap(ICON_DIR / f"{name}.svg", size, ratio=1.0)
        if pixmap is not None:
            icon.addPixmap(pixmap)
    return icon


def app_icon() -> QIcon:
    return _multi_size_icon("app")


def tray_icon(severity: Severity) -> QIcon:
    """Green, amber or red app glyph for the tray."""
    return _multi_size_icon(f"tray-{severity_key(severity)}")
