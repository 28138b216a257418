"""Render the app icon (resources/icons/app.svg) to PNG, Windows .ico and macOS .icns.

Run once when app.svg changes; the outputs are committed next to it:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py

``app.png`` (512 px) is what the Linux archive and AppImage ship; ``logo-56.png``
is the sidebar's logo (28 px at twice the pixel density), read as a plain PNG so
that the first frame needs no SVG renderer; ``app.ico`` holds
16-256 px images for the Windows executable; ``app.icns`` 128-1024 px for the macOS
bundle. Both containers store PNG images, which every supported OS version reads,
so no image library beyond Qt is needed.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types that hold PNG data, by pixel size.
ICNS_TYPES = {128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}
LOGO_PX = 56  # ui.main_window.LOGO_SIZE at a device pixel ratio of 2


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"could not encode a {size} px PNG")
    return bytes(data.data())


def ico(images: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG images (Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def icns(images: dict[int, bytes]) -> bytes:
    body = b"".join(
        ICNS_TYPES[size] + struct.pack(">I", 8 + len(png)) + png
        for size, png in sorted(images.items())
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "app.svg"))
    if not renderer.isValid():
        print("app.svg is not a valid SVG", file=sys.stderr)
        return 1
    sizes = sorted(set(ICO_SIZES) | set(ICNS_TYPES) | {512, LOGO_PX})
    pngs = {size: render_png(renderer, size) for size in sizes}
    (ICONS / "app.png").write_bytes(pngs[512])
    (ICONS / f"logo-{LOGO_PX}.png").write_bytes(pngs[LOGO_PX])
    (ICONS / "app.ico").write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    (ICONS / "app.icns").write_bytes(icns({s: pngs[s] for s in ICNS_TYPES}))
    del app
    print(f"wrote app.png, logo-{LOGO_PX}.png, app.ico and app.icns in {ICONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
