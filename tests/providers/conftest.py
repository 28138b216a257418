"""Fixtures for provider tests."""

from __future__ import annotations

from typing import Any

import pytest
from recorded import provider_client


@pytest.fixture
def make_provider() -> Any:
    """``make_provider(name, handler, now=NOW) -> ProviderClient`` over a MockTransport."""
    return provider_client
