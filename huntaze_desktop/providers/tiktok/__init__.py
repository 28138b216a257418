"""TikTok: the spec (data) and the client (what data cannot say)."""

from huntaze_desktop.providers.tiktok.analytics import ANALYTICS
from huntaze_desktop.providers.tiktok.client import Client
from huntaze_desktop.providers.tiktok.spec import SPEC

__all__ = ["ANALYTICS", "SPEC", "Client"]
