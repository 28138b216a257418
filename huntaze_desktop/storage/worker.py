"""One worker thread for the storage calls of the refresh path.

``asyncio.to_thread`` hands work to the loop's default executor, which starts
up to ``cpu_count + 4`` threads. A refresh of hundreds of accounts kept all of
them busy with SQLAlchemy and vault work, and every one of them competed with
the UI loop for the GIL: the loop, which releases the GIL at each socket call,
waited for one switch interval per busy thread before it ran again (a 30-50 ms
stall of the UI on a two-core machine). SQLite takes one writer at a time
anyway (``Database.immediate``), so extra threads bought no throughput.

:func:`offload` runs a blocking call on a single dedicated thread instead: the
loop then shares the GIL with that one thread only. Calls run in submission
order; none of them may wait for another (they never do: each is one short
unit of storage work).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["offload"]

P = ParamSpec("P")
R = TypeVar("R")

# Threads start on first use, not at import.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="huntaze-storage")


async def offload(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``await asyncio.to_thread(fn, ...)``, on the storage thread (context copied)."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    call = functools.partial(context.run, fn, *args, **kwargs)
    return await loop.run_in_executor(_EXECUTOR, call)
