"""A bad settings file gets a sentence and exit code 1 from the real CLI, and stays as it was."""

from __future__ import annotations

from support.cli_runner import Cli


def test_a_malformed_proxy_url_is_refused_when_settings_load(cli: Cli) -> None:
    path = cli.data_dir / "settings.json"
    raw = b'{"proxy_url": "http://me:hunter2@proxy.example.com:99999"}'
    path.write_bytes(raw)
    done = cli.run("accounts", "list", rc=1)
    assert "proxy" in done.stderr and str(path) in done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    assert path.read_bytes() == raw
