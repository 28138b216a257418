"""OnlyFans' sandbox stand-in, as data (the web app is ``app.py``, loaded only to serve).

One host, ``site`` (onlyfans.com): the sign-in page, the signing rules and the
signed web API. The client id is a placeholder: OnlyFans has no developer apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from huntaze_desktop.sandbox.platform import SandboxPlatform
from huntaze_desktop.sandbox.users import DemoUser

__all__ = ["SANDBOX", "OnlyFansFlags"]


@dataclass(slots=True)
class OnlyFansFlags:
    """Quirks on demand (``/_admin/flags``: ``onlyfans_<name>``).

    ``currency``: what ``/payouts/balances`` names as the currency; ``""`` leaves
    the field out (an answer without a currency, to test that such earnings are
    refused rather than stored without a unit).
    """

    currency: str = "USD"


# fmt: off
SANDBOX = SandboxPlatform(
    provider="onlyfans",
    hosts={"site": "site"},
    credentials=("sandbox-onlyfans", None),
    users=(
        DemoUser("onlyfans", "sunnycreates", "sunny-pass", "280001",
                 "Sunny", 1_450, date(2021, 5, 5)),
        DemoUser("onlyfans", "moonlightstudio", "moon-pass", "280002",
                 "Moonlight", 620, date(2022, 8, 30)),
    ),
    app="huntaze_desktop.providers.onlyfans.sandbox.app:APP",
    flags=OnlyFansFlags,
)
# fmt: on
