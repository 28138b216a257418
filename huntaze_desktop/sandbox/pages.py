"""The sandbox's HTML: sign-in + consent forms, error pages, the index page.

Plain forms (no JavaScript) so a person, QtWebEngine or a test script can submit
them. Stable ids: inputs ``username`` and ``password``, buttons ``allow`` and
``deny`` (both submit ``name="action"``). Allow is the first submit button of the
form, so Enter in a field (the browser's implicit submission uses the first one)
signs in; the row is laid out reversed, so Cancel still shows on the left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from huntaze_desktop.sandbox.state import SandboxState

__all__ = ["error_page", "index_page", "login_page"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:#f4f5f7;margin:0}
main{max-width:400px;margin:48px auto;background:#fff;border-radius:12px;padding:28px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 4px}
.brand{color:var(--brand);font-weight:700;letter-spacing:.5px}
.sandbox{font-size:12px;color:#8a5a00;background:#fff4d6;border-radius:6px;padding:4px 8px;
display:inline-block;margin-bottom:12px}
label{display:block;font-size:13px;margin:12px 0 4px;color:#333}
input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #ccd;border-radius:8px;
font-size:15px}
ul{padding-left:20px;color:#333;font-size:14px}
.error{color:#b00020;background:#fde8ec;padding:8px;border-radius:6px;font-size:14px}
.buttons{display:flex;flex-direction:row-reverse;gap:10px;margin-top:18px}
button{flex:1;padding:10px;border-radius:8px;font-size:15px;border:1px solid #ccd;
background:#fff;cursor:pointer}
button#allow{background:var(--brand);color:#fff;border-color:var(--brand)}
.hint{font-size:12px;color:#666;margin-top:18px;border-top:1px solid #eee;padding-top:10px}
code{background:#f0f0f3;padding:1px 4px;border-radius:4px}
"""


def _document(title: str, brand_color: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body style='--brand:{brand_color}'><main>{body}</main></body></html>"
    )


def login_page(
    *,
    platform: str,
    brand_color: str,
    app_name: str,
    scopes: Sequence[str],
    hidden: Mapping[str, str],
    users: Sequence[tuple[str, str]],
    error: str | None = None,
    username: str = "",
) -> str:
    """The sign-in + consent form; ``hidden`` carries the authorize parameters."""
    hidden_inputs = "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in hidden.items()
    )
    scope_items = "".join(f"<li>{escape(s)}</li>" for s in scopes) or "<li>basic profile</li>"
    hint = ", ".join(f"<code>{escape(u)}</code> / <code>{escape(p)}</code>" for u, p in users)
    error_html = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    body = f"""
<div class='sandbox'>Sandbox — not the real {escape(platform)}</div>
<h1><span class='brand'>{escape(platform)}</span></h1>
<p><strong>{escape(app_name)}</strong> wants to access your account.</p>
{error_html}
<form method='post' action=''>
{hidden_inputs}
<label for='username'>Username</label>
<input id='username' name='username' autocomplete='username' value='{escape(username)}' required>
<label for='password'>Password</label>
<input id='password' name='password' type='password' autocomplete='current-password' required>
<p>It will be able to:</p>
<ul>{scope_items}</ul>
<div class='buttons'>
<button type='submit' id='allow' name='action' value='allow'>Allow</button>
<button type='submit' id='deny' name='action' value='deny' formnovalidate>Cancel</button>
</div>
</form>
<p class='hint'>Demo accounts: {hint}</p>
"""
    return _document(f"Log in · {platform}", brand_color, body)


def error_page(platform: str, message: str, brand_color: str = "#555") -> str:
    body = (
        f"<div class='sandbox'>Sandbox — not the real {escape(platform)}</div>"
        f"<h1><span class='brand'>{escape(platform)}</span></h1>"
        f"<p class='error' role='alert'>{escape(message)}</p>"
    )
    return _document(f"Error · {platform}", brand_color, body)


def index_page(state: SandboxState, urls: Mapping[str, Mapping[str, str]]) -> str:
    rows = []
    for provider, roles in urls.items():
        users = ", ".join(escape(u.username) for u in state.users.get(provider, []))
        prefixes = "<br>".join(
            f"{escape(role)}: <code>{escape(url)}</code>" for role, url in roles.items()
        )
        client_id, _ = state.credentials[provider]
        rows.append(
            f"<h2>{escape(provider)}</h2><p>{prefixes}</p>"
            f"<p>client id <code>{escape(client_id)}</code>; demo users: {users}</p>"
        )
    return _document("Huntaze sandbox", "#5b3df5", "<h1>Huntaze sandbox</h1>" + "".join(rows))
