"""gc_policy: the collector paused while the app boots, boot's heap frozen after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from huntaze_desktop import gc_policy


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_paused_turns_the_collector_off_and_back_on(collector_enabled: None) -> None:
    with gc_policy.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_restores_the_collector_when_the_block_fails(collector_enabled: None) -> None:
    with pytest.raises(RuntimeError), gc_policy.paused():
        raise RuntimeError("boot failed")
    assert gc.isenabled()


def test_paused_leaves_a_disabled_collector_disabled(collector_enabled: None) -> None:
    gc.disable()
    with gc_policy.paused():
        pass
    assert not gc.isenabled()


def test_settle_boot_heap_freezes_what_survives() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: what a collection would free

    kept = [Node() for _ in range(100)]
    try:
        frozen = gc_policy.settle_boot_heap()
        # Not equal to a later get_freeze_count(): a frozen object that another
        # thread of the test process frees meanwhile leaves the frozen set.
        assert frozen > 0 and gc.get_freeze_count() > 0
        # Frozen objects are no longer in any generation a collection walks.
        assert not any(gc.is_tracked(n) and n in gc.get_objects() for n in kept[:3])
    finally:
        gc.unfreeze()


def test_pause_for_boot_lasts_until_the_boot_heap_is_settled(collector_enabled: None) -> None:
    gc_policy.pause_for_boot()
    try:
        assert not gc.isenabled()
        gc_policy.settle_boot_heap()
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc_policy.resume_after_boot()


def test_resume_after_boot_turns_on_only_what_the_boot_turned_off(
    collector_enabled: None,
) -> None:
    gc_policy.pause_for_boot()
    gc_policy.resume_after_boot()
    assert gc.isenabled()
    gc.disable()  # off by someone else: not the boot's to turn on
    gc_policy.pause_for_boot()
    gc_policy.resume_after_boot()
    assert not gc.isenabled()


def test_freeze_so_far_freezes_what_exists_and_not_what_comes_after() -> None:
    before = [[i] for i in range(10)]
    try:
        assert gc_policy.freeze_so_far() > 0
        after = [[i] for i in range(10)]
        walked = {id(o) for o in gc.get_objects()}
        assert id(before[0]) not in walked  # frozen: no later collection walks it
        assert id(after[0]) in walked  # what the final settle_boot_heap walks
    finally:
        gc.unfreeze()
