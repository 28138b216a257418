"""Local stand-ins for the four platforms (see ``sandbox/server.py`` for the map).

Never used unless asked for (``--sandbox`` or tests); its data never mixes with real data.
"""
