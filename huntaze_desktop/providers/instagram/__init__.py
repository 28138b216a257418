"""Instagram: the spec (data) and the client (what data cannot say)."""

from huntaze_desktop.providers.instagram.analytics import ANALYTICS
from huntaze_desktop.providers.instagram.client import Client
from huntaze_desktop.providers.instagram.spec import SPEC

__all__ = ["ANALYTICS", "SPEC", "Client"]
