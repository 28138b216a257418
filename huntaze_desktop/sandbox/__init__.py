"""Local stand-ins for the platforms (see ``sandbox/server.py`` for the map).

Each platform's stand-in lives in its own package (``<package>.sandbox``, found
through the provider registry); this package holds what they share. Never used
unless asked for (``--sandbox`` or tests); its data never mixes with real data.
"""
