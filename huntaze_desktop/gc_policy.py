"""Keep garbage collection pauses off the UI loop, during start-up and after it.

A full collection walks every object the interpreter tracks. After start-up
that is well over fifty thousand objects (modules, classes, Qt wrappers): one
collection took 40-80 ms, long enough to drop frames whenever it happened to
run during a refresh of many accounts.

:func:`pause_for_boot` turns automatic collection off while boot builds what
is meant to last: the enum classes PySide6 creates for Qt's types, the
window, the ~450 modules of the services and the pages. The collections those
allocations trigger find next to nothing, and cost the boot ~100 of them (a
few full ones among them: tens of ms before the app is ready).

:func:`freeze_so_far` does the same collection and freeze part-way, at a
moment the boot's thread would otherwise wait (the app calls it while the
vault key is derived on a worker thread): the long walk over the modules
happens then, and the one :func:`settle_boot_heap` does at the end only walks
what came after.

:func:`settle_boot_heap` is called once when boot is over: it drops the source
text PySide6's import hook left in ``linecache``, collects what boot left
behind, moves the survivors to the interpreter's permanent generation
(``gc.freeze``), so later collections only walk what the app allocates while
it runs, and turns automatic collection back on. Objects frozen so are never
collected as cycles: that is fine for what boot builds to last.

:func:`paused` keeps the collector off for the length of a block.
"""

from __future__ import annotations

import gc
import linecache
import logging
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["freeze_so_far", "pause_for_boot", "paused", "resume_after_boot", "settle_boot_heap"]

log = logging.getLogger("huntaze.boot")

_paused_for_boot = False


def pause_for_boot() -> None:
    """No automatic collection until :func:`settle_boot_heap` (or :func:`resume_after_boot`)."""
    global _paused_for_boot
    if gc.isenabled():
        gc.disable()
        _paused_for_boot = True


def resume_after_boot() -> None:
    """Turn automatic collection back on if :func:`pause_for_boot` turned it off."""
    global _paused_for_boot
    if _paused_for_boot:
        _paused_for_boot = False
        gc.enable()


def freeze_so_far() -> int:
    """Collect and freeze what boot has built until now; returns the frozen count."""
    linecache.clearcache()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def settle_boot_heap() -> int:
    """Freeze what boot built (see the module docstring); returns how many objects."""
    linecache.clearcache()
    gc.collect()
    gc.freeze()
    resume_after_boot()
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
