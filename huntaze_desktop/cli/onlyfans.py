"""CLI commands for OnlyFans' signing rules: check a rules file or URL, sign a request.

Neither needs the vault or an account: they read rules (a file, or a URL through
the app's http client and its proxy settings) and print what the app would do
with them. Rules are public values; nothing here prints a session or a cookie,
and a URL is shown without its query.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

import msgspec

from huntaze_desktop.cli.common import EXIT_OK, UsageError

if TYPE_CHECKING:
    from huntaze_desktop.domain.paths import DataPaths
    from huntaze_desktop.providers.onlyfans.rules import Rules

__all__ = ["onlyfans_rules", "onlyfans_sign"]

# The request the self-check signs (any signed endpoint would do).
_CHECK_PATH = "/api2/v2/users/me"


async def _load_rules(location: str, paths: DataPaths) -> tuple[Rules, str]:
    """Rules from exactly ``location`` (no fallback, no cache), and its shown name."""
    from huntaze_desktop.domain.settings import load_settings
    from huntaze_desktop.net.client import create_http_client
    from huntaze_desktop.providers.onlyfans.rules import RulesSource, rules_origin

    settings = load_settings(paths.settings_file)
    async with create_http_client(proxy=settings.proxy_url) as http:
        rules = await RulesSource(location, http=http).get()
    return rules, rules_origin(location.strip())


def _rules_fields(rules: Rules) -> dict[str, Any]:
    from huntaze_desktop.providers.onlyfans.rules import WEB_APP_TOKEN

    fields: dict[str, Any] = msgspec.to_builtins(rules)
    fields["sign_format"] = rules.format or f"{rules.prefix}:{{}}:{{:x}}:{rules.suffix}"
    fields["app_token_is_published_default"] = rules.app_token == WEB_APP_TOKEN
    return fields


async def onlyfans_rules(args: argparse.Namespace, paths: DataPaths) -> int:
    """``onlyfans rules check FILE_OR_URL``: load, normalise, self-check and print."""
    from huntaze_desktop.providers.onlyfans.signing import sign

    rules, origin = await _load_rules(args.source, paths)
    # Loading ran the self-check; one signed request shows the result in use.
    example = sign(rules, _CHECK_PATH, "0", "0")["sign"]
    fields = _rules_fields(rules)
    if args.json:
        print(json.dumps({"source": origin, "rules": fields, "example_sign": example}, indent=2))
        return EXIT_OK
    token_note = (
        " (the web app's published token)" if fields["app_token_is_published_default"] else ""
    )
    removed = ", ".join(rules.remove_headers) or "none"
    print(f"OnlyFans rules from {origin}: valid.")
    print(f"  revision:          {rules.revision or '-'}")
    print(f"  static_param:      {rules.static_param}")
    print(f"  checksum_indexes:  {', '.join(str(i) for i in rules.checksum_indexes)}")
    print(f"  checksum_constant: {rules.checksum_constant}")
    print(f"  sign format:       {fields['sign_format']}")
    print(f"  app token:         {rules.app_token}{token_note}")
    print(f"  removed headers:   {removed}")
    print(f"Self-check passed: GET {_CHECK_PATH} for user 0 at time 0 is signed {example}")
    return EXIT_OK


async def onlyfans_sign(args: argparse.Namespace, paths: DataPaths) -> int:
    """``onlyfans sign``: the signing headers of one request under the given rules."""
    from huntaze_desktop.providers.onlyfans.signing import sign

    path: str = args.path
    if not path.startswith("/"):
        raise UsageError(
            "--path takes the request path with its query, e.g. /api2/v2/users/me?limit=10"
        )
    if not args.user_id.isdigit():
        raise UsageError("--user-id takes the account number (the auth_id cookie), e.g. 12345")
    if args.time < 0:
        raise UsageError("--time takes the request time in milliseconds since 1970")
    rules, _ = await _load_rules(args.rules, paths)
    headers = sign(rules, path, args.user_id, args.time)
    if args.json:
        print(json.dumps(headers, indent=2))
    else:
        for name, value in headers.items():
            print(f"{name}: {value}")
    return EXIT_OK
