"""Icons: SVGs from ``resources/icons/``, drawn crisply at any size.

A provider's icon is ``spec.icon`` (e.g. ``instagram.svg``); a platform added later without an
icon gets a lettered tile instead of a blank, so no platform is hard-coded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPainterPath, QPixmap
from PySide6.QtSvg import QSvgRenderer

from huntaze_desktop.resources import resource_path

if TYPE_CHECKING:
    from huntaze_desktop.core.models import Severity

# This module is on the path to the first paint (the sidebar's icons): hashlib
# (OpenSSL) and the account models are imported by the functions that use them.

__all__ = [
    "ICON_DIR",
    "app_icon",
    "circular_pixmap",
    "initials_pixmap",
    "provider_pixmap",
    "severity_key",
    "svg_pixmap",
    "tray_icon",
]

ICON_DIR = resource_path("icons")

_TILE_COLOURS = ("#5B5BF7", "#2E9E83", "#D9534F", "#E8A317", "#7B3FE4", "#0E7AC4")


def severity_key(severity: Severity | None) -> str:
    """The stylesheet key for a severity (``ok``, ``warning``, ``problem``, ``none``)."""
    if severity is None:
        return "none"
    from huntaze_desktop.core.models import Severity

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
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, px, px))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def _colour_for(text: str) -> str:
    import hashlib

    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return _TILE_COLOURS[digest[0] % len(_TILE_COLOURS)]


def initials_pixmap(text: str, size: int, *, round_: bool = True, ratio: float = 2.0) -> QPixmap:
    """A coloured tile (or disc) with up to two initials: avatar and icon fallback."""
    clean = text.lstrip("@").strip() or "?"
    # Words of letters only: symbols and digits ("Sunny ✶", "0101") make poor initials.
    parts = re.findall(r"[^\W\d_]+", clean)
    initials = "".join(w[0] for w in parts[:2]).upper() or "?"
    px = int(size * ratio)
    pixmap = QPixmap(px, px)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor(_colour_for(clean))))
    if round_:
        painter.drawEllipse(0, 0, px, px)
    else:
        painter.drawRoundedRect(0, 0, px, px, px * 0.25, px * 0.25)
    font = QFont()
    font.setPixelSize(int(px * 0.4))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#FFFFFF"))
    painter.drawText(QRectF(0, 0, px, px), Qt.AlignmentFlag.AlignCenter, initials)
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def circular_pixmap(source: QPixmap, size: int, ratio: float = 2.0) -> QPixmap:
    """Crop ``source`` to a disc (avatars)."""
    px = int(size * ratio)
    scaled = source.scaled(
        px,
        px,
        Qt.AspectRatioMode.KeepAspectRatioByExpanding,
        Qt.TransformationMode.SmoothTransformation,
    )
    out = QPixmap(px, px)
    out.fill(Qt.GlobalColor.transparent)
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addEllipse(0, 0, px, px)
    painter.setClipPath(path)
    painter.drawPixmap((px - scaled.width()) // 2, (px - scaled.height()) // 2, scaled)
    painter.end()
    out.setDevicePixelRatio(ratio)
    return out


def provider_pixmap(icon: str | None, size: int, display_name: str) -> QPixmap:
    """The platform's icon file (``spec.icon``), or a lettered tile without one."""
    pixmap = svg_pixmap(ICON_DIR / icon, size) if icon else None
    if pixmap is None:
        pixmap = initials_pixmap(display_name, size, round_=False)
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
