"""Drawn images: initials, lettered tiles for platforms without an icon, round crops."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPixmap

from huntaze_desktop.ui.tiles import circular_pixmap, initials, initials_pixmap, provider_pixmap


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@sunny.creates", "SC"),
        ("moonlight studio", "MS"),
        ("Sunny ✶", "S"),
        ("0101", "?"),
        ("@", "?"),
        ("élodie durand extra", "ÉD"),
        ("night_owl", "NO"),
    ],
)
def test_initials(text: str, expected: str) -> None:
    assert initials(text) == expected


def test_initials_tile_is_sized_for_the_screen_and_coloured_by_name(qapp) -> None:
    a = initials_pixmap("@sunny.creates", 32)
    assert (a.width(), a.height(), a.devicePixelRatio()) == (64, 64, 2.0)
    again = initials_pixmap("@sunny.creates", 32).toImage()
    centre_left = (8, 32)  # inside the disc, clear of the letters
    assert a.toImage().pixelColor(*centre_left) == again.pixelColor(*centre_left)
    assert a.toImage().pixelColor(0, 0).alpha() == 0  # a disc: transparent corners
    square = initials_pixmap("Newplatform", 32, round_=False).toImage()
    assert square.pixelColor(32, 2).alpha() == 255  # a tile: filled to its top edge


def test_platform_without_an_icon_gets_a_lettered_tile(qapp) -> None:
    with_icon = provider_pixmap("instagram.svg", 40, "Instagram")
    without = provider_pixmap(None, 40, "Newplatform")
    missing = provider_pixmap("no-such-file.svg", 40, "Newplatform")
    for pixmap in (with_icon, without, missing):
        assert not pixmap.isNull() and pixmap.width() == 80
    assert without.toImage() == missing.toImage()
    assert with_icon.toImage() != without.toImage()


def test_circular_crop_clears_the_corners(qapp) -> None:
    source = QPixmap(100, 50)
    source.fill(QColor("#336699"))
    disc = circular_pixmap(source, 20).toImage()
    assert disc.pixelColor(0, 0).alpha() == 0
    assert disc.pixelColor(20, 20) == QColor("#336699")
