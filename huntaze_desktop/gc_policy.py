"""Keep garbage collection pauses off the UI loop once the app has started.

A full collection walks every object the interpreter tracks. After start-up
that is well over a hundred thousand objects (modules, classes, Qt wrappers)
plus the source text of every module imported
after PySide6, which Shiboken's import hook reads through ``linecache``: one
collection took 40-80 ms, long enough to drop frames whenever it happened to
run during a refresh of many accounts.

:func:`settle_boot_heap` is called once when boot is over: it drops that source
text, collects what boot left behind and moves the survivors to the
interpreter's permanent generation (``gc.freeze``), so later collections only
walk what the app allocates while it runs. Objects frozen so are never
collected as cycles: that is fine for what boot builds to last.

:func:`paused` keeps the collector off while boot builds the first frame: the
enum classes PySide6 creates for Qt's types, the modules and the widgets are
tens of thousands of allocations that all survive, so the collections they
trigger find nothing and cost ~2 ms of the time to the first paint.
"""

from __future__ import annotations

import gc
import linecache
import logging
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused", "settle_boot_heap"]

log = logging.getLogger("huntaze.boot")


def settle_boot_heap() -> int:
    """Freeze what boot built (see the module docstring); returns how many objects."""
    linecache.clearcache()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("boot heap settled: %d objects frozen", frozen)
    return frozen


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside the block (restored as it was after it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
