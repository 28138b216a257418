"""Reddit: the spec (data) and the client (what data cannot say)."""

from huntaze_desktop.providers.reddit.analytics import ANALYTICS
from huntaze_desktop.providers.reddit.client import Client
from huntaze_desktop.providers.reddit.spec import SPEC

__all__ = ["ANALYTICS", "SPEC", "Client"]
