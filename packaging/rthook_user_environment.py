"""PyInstaller run-time hook of Huntaze Desktop: remember the user's environment first.

Custom run-time hooks run before PyInstaller's own, and those point
``QT_PLUGIN_PATH`` and ``QML2_IMPORT_PATH`` (PySide6) and ``OPENSSL_MODULES``
(cryptography) into the bundle, overwriting whatever the user had. The user's
values are recorded here, so that the programs the app opens get them back
(``huntaze_desktop/outside.py``); the app itself keeps the bundle's.
"""


def _remember() -> None:
    from huntaze_desktop.outside import remember_user_values

    remember_user_values(("QT_PLUGIN_PATH", "QML2_IMPORT_PATH", "OPENSSL_MODULES"))


_remember()
del _remember
