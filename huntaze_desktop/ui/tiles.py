"""Images drawn rather than loaded: initials on a coloured tile or disc, round crops.

An account without a picture (or while it loads) shows its initials; a
platform added without an icon file gets a lettered tile instead of a blank,
so no platform is hard-coded. A provider's icon is ``spec.icon`` (e.g.
``instagram.svg``) in ``resources/icons/``.
"""

from __future__ import annotations

import hashlib
import re

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPixmap

from huntaze_desktop.ui.icons import ICON_DIR, svg_pixmap

__all__ = ["circular_pixmap", "initials", "initials_pixmap", "provider_pixmap"]

_TILE_COLOURS = ("#5B5BF7", "#2E9E83", "#D9534F", "#E8A317", "#7B3FE4", "#0E7AC4")


def _colour_for(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return _TILE_COLOURS[digest[0] % len(_TILE_COLOURS)]


def initials(text: str) -> str:
    """Up to two capital initials of a name or @handle; "?" when it has no letters."""
    clean = text.lstrip("@").strip()
    # Words of letters only: symbols and digits ("Sunny ✶", "0101") make poor initials.
    parts = re.findall(r"[^\W\d_]+", clean)
    return "".join(w[0] for w in parts[:2]).upper() or "?"


def initials_pixmap(text: str, size: int, *, round_: bool = True, ratio: float = 2.0) -> QPixmap:
    """A coloured tile (or disc) with up to two initials: avatar and icon fallback."""
    clean = text.lstrip("@").strip() or "?"
    letters = initials(clean)
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
    painter.drawText(QRectF(0, 0, px, px), Qt.AlignmentFlag.AlignCenter, letters)
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
