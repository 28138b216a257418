"""An in-memory keyring backend for tests, and the ``memory_keyring`` fixture.

Register it once in the top-level conftest::

    pytest_plugins = ["tests.support.memory_keyring"]

Then any test asks for ``memory_keyring`` and gets a fresh, empty
:class:`MemoryKeyring` installed as *the* keyring for the test's duration; the
previous backend is restored afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.compat import properties

__all__ = ["MemoryKeyring", "memory_keyring"]


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps passwords in a dict.

    Its priority is negative so keyring's auto-detection never picks it (nor
    ``chainer``): it is only active where a test installs it explicitly.
    """

    @properties.classproperty
    def priority(cls) -> float:
        return -10

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.writes = 0

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password
        self.writes += 1

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("No such password!") from None


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """A fresh in-memory keyring installed for one test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
