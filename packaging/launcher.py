"""Entry script of the frozen app (PyInstaller): the same ``main`` as ``python -m``."""

from __future__ import annotations

import multiprocessing
import sys

from huntaze_desktop.__main__ import main

if __name__ == "__main__":
    # A frozen executable started as a multiprocessing child must act as one.
    multiprocessing.freeze_support()
    sys.exit(main())
