"""``QDesktopServices.openUrl`` opens the user's programs with the user's environment.

Qt starts ``xdg-open`` with the app's own environment, which in the frozen app
points into the bundle (see ``huntaze_desktop/outside.py``). The app's call sites
keep calling ``QDesktopServices.openUrl``; :func:`route_links_to_user_programs`
(at start, Linux and other X11/Wayland systems) registers a handler for web
addresses and local folders that hands them to ``outside.open_url`` /
``outside.open_folder`` instead. Windows and macOS keep Qt's own opener.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from huntaze_desktop import outside

__all__ = ["LinkOpener", "route_links_to_user_programs"]

log = logging.getLogger("huntaze.ui.links")

SCHEMES = ("http", "https", "file")


class LinkOpener(QObject):
    """The handler ``QDesktopServices`` calls for the schemes in :data:`SCHEMES`."""

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        if url.isLocalFile():
            started = outside.open_folder(Path(url.toLocalFile()))
        else:
            started = outside.open_url(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
        if not started:
            log.warning("No program could be started to open a %s address", url.scheme())


def route_links_to_user_programs(parent: QObject) -> LinkOpener | None:
    """Register the handler (owned by ``parent``); None where Qt's own opener is kept."""
    if sys.platform in ("win32", "darwin"):
        return None
    opener = LinkOpener(parent)
    for scheme in SCHEMES:
        # PySide6's stub says bytes; at run time it takes the method name as str.
        QDesktopServices.setUrlHandler(scheme, opener, "open")  # type: ignore[arg-type]
    return opener
