"""The storage thread: one thread, calls in order, context and errors carried over."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from huntaze_desktop.storage.worker import offload

marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")


async def test_calls_run_on_one_thread_in_order() -> None:
    seen: list[tuple[int, int]] = []

    def work(i: int) -> int:
        seen.append((i, threading.get_ident()))
        return i * 2

    results = await asyncio.gather(*[offload(work, i) for i in range(50)])
    assert results == [i * 2 for i in range(50)]
    assert [i for i, _ in seen] == list(range(50))
    threads = {t for _, t in seen}
    assert len(threads) == 1 and threading.get_ident() not in threads


async def test_context_and_exceptions_cross_over() -> None:
    marker.set("from the loop")
    assert await offload(marker.get) == "from the loop"

    def boom(*, why: str) -> None:
        raise ValueError(why)

    with pytest.raises(ValueError, match="kept"):
        await offload(boom, why="kept")
