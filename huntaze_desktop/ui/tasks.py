"""Run a coroutine from a Qt slot on the running asyncio (qasync) loop.

Slots are synchronous; the services are async. ``run_task`` schedules the
coroutine, keeps a reference so it is not garbage-collected mid-flight, and
turns a failure into a user-safe message for ``on_error`` (usually
``ToastHost.error``). Details go to the log, never to the user.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import shiboken6

from huntaze_desktop.domain.errors import HuntazeError

__all__ = ["UNEXPECTED_ERROR", "pending_tasks", "run_task", "user_message_for"]

log = logging.getLogger("huntaze.ui.tasks")

T = TypeVar("T")

UNEXPECTED_ERROR = "Something went wrong. The details are in the log."

# Tasks in flight: asyncio only keeps weak references to tasks.
_live: set[asyncio.Task[Any]] = set()


def pending_tasks() -> list[asyncio.Task[Any]]:
    """Tasks started by ``run_task`` that have not finished (shutdown, tests)."""
    return [t for t in _live if not t.done()]


def user_message_for(exc: BaseException) -> str:
    """What the user may read about ``exc``."""
    if isinstance(exc, HuntazeError):
        return exc.user_message
    return UNEXPECTED_ERROR


def _alive(callback: Callable[..., Any]) -> bool:
    """False when ``callback`` is a method of a Qt object that was deleted."""
    owner = getattr(callback, "__self__", None)
    return (
        owner is None
        or not isinstance(owner, shiboken6.Shiboken.Object)
        or (shiboken6.isValid(owner))
    )


def _loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        # A slot called from Qt's event dispatch while qasync's loop is the
        # current (but not "running" from Python's point of view) loop.
        return asyncio.get_event_loop_policy().get_event_loop()


def run_task(
    coro: Coroutine[Any, Any, T],
    *,
    on_error: Callable[[str], object] | None = None,
    on_done: Callable[[T], object] | None = None,
) -> asyncio.Task[T]:
    """Schedule ``coro``; ``on_done(result)`` on success, ``on_error(message)`` on failure.

    Cancellation is silent. Callbacks bound to a deleted widget are skipped.
    """
    task = _loop().create_task(coro)
    _live.add(task)

    def finished(t: asyncio.Task[T]) -> None:
        _live.discard(t)
        if t.cancelled():
            return
        exc = t.exception()
        if exc is None:
            if on_done is not None and _alive(on_done):
                on_done(t.result())
            return
        if isinstance(exc, HuntazeError):
            log.warning("Background task failed: %s", exc.user_message)
        else:
            log.error("Background task failed unexpectedly", exc_info=exc)
        if on_error is not None and _alive(on_error):
            on_error(user_message_for(exc))

    task.add_done_callback(finished)
    return task
