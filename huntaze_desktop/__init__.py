"""Huntaze Desktop: your creator accounts on every platform, in one place."""

__version__ = "0.1.0"

__all__ = ["__version__"]
