"""OnlyFans: session-based and unofficial (no public API exists).

The session captured from a signed-in browser is stored in the vault; every
request is signed from a rules file the user can update without a release.
"""

from huntaze_desktop.providers.onlyfans.analytics import ANALYTICS
from huntaze_desktop.providers.onlyfans.client import Client
from huntaze_desktop.providers.onlyfans.rules import Rules, RulesSource
from huntaze_desktop.providers.onlyfans.session import (
    CapturedSession,
    IncompleteSessionError,
    InvalidSessionError,
)
from huntaze_desktop.providers.onlyfans.spec import SPEC, OnlyFansMetadata

__all__ = [
    "ANALYTICS",
    "SPEC",
    "CapturedSession",
    "Client",
    "IncompleteSessionError",
    "InvalidSessionError",
    "OnlyFansMetadata",
    "Rules",
    "RulesSource",
]
