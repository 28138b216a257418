"""Cost of scrubbing registered secrets from log text (issue #15, item 6).

    .venv/bin/python benchmarks/bench_redact.py [--runs 7]

Every secret the vault opens is registered (``net.redact.register_secret``) and
scrubbed from every log line, crash file and toast. This measures ``redact()``
over a corpus of realistic log lines (short INFO lines, URLs, token answers,
a 4 kB JSON body, a traceback; a few hold a registered secret):

* ``baseline``: no secret registered (the named patterns only);
* ``registry_1000``: 1,000 secrets registered (random 40-180 character tokens,
  each with its URL-encoded and base64 forms: about 2,000 distinct forms, as
  URL-encoding leaves such tokens unchanged);
* ``alternation_1000``: the previous design for reference, one regex
  alternation of the same forms (longest first) applied after the patterns;
  its compile time is reported apart (``alternation_compile_ms``), since it was
  paid again after every newly registered secret.

Passes interleave the three, so a load on a shared machine weighs on all alike.
Also the churn of start-up: 200 accounts' tokens opened one after the other,
each followed by a log line (``churn_*``: registry vs alternation recompiled
each time, as before). Figures are medians of ``--runs`` passes, in
microseconds per line (or per step); ratios against the baseline. Writes
``benchmarks/results/redact.json`` and prints it.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from huntaze_desktop.net import redact as redact_module  # noqa: E402
from huntaze_desktop.net.redact import (  # noqa: E402
    REDACTED,
    clear_registered_secrets,
    redact,
    register_secret,
    registered_secret_count,
)

SECRETS = 1000
CHURN_ACCOUNTS = 200
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def make_secrets(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choices(_ALPHABET, k=rng.randint(40, 180))) for _ in range(count)]


def corpus(rng: random.Random, secrets: list[str]) -> list[str]:
    body = json.dumps(
        {
            "data": [
                {"id": f"1784140{i:010d}", "caption": "sunset " * 8, "like_count": i}
                for i in range(40)
            ],
            "paging": {"cursors": {"after": "QVFIUm" + "x" * 60}},
        }
    )
    lines = [
        "2026-12-08 03:15:00,123 INFO     huntaze.core: Refreshing 200 accounts",
        "2026-12-08 03:15:00,124 INFO     huntaze.net: GET https://graph.instagram.com/v21.0/"
        "17841400000000001?fields=id,username,followers_count 200 (84 ms)",
        "2026-12-08 03:15:00,125 DEBUG    huntaze.providers: rate budget 4821/5000, reset 3117 s",
        "2026-12-08 03:15:00,126 WARNING  huntaze.core: tiktok account -000sbxSunnyOpenId0001 "
        "rate limited; retrying at 2026-12-08T03:20:00+00:00",
        f"2026-12-08 03:15:00,127 DEBUG    huntaze.net: answer {body}",
        "Traceback (most recent call last):\n"
        '  File "/app/huntaze_desktop/services/tokens.py", line 212, in ensure_valid\n'
        "    tokens = await self._refresh(account)\n"
        "huntaze_desktop.domain.errors.NetworkError: Could not reach the platform.",
        "2026-12-08 03:15:00,128 INFO     huntaze.security: token refreshed for reddit 1a2b3c "
        "(generation 14)",
    ]
    # A few lines hold a registered secret, bare and encoded.
    for secret in rng.sample(secrets, 3):
        lines.append(f"2026-12-08 03:15:00,129 DEBUG    huntaze.net: grant {secret} ok")
        lines.append(
            "2026-12-08 03:15:00,130 DEBUG    huntaze.net: redirect https://127.0.0.1:5000/cb"
            f"?state=abc&v={quote(secret, safe='')}"
        )
    return lines


def _forms(secret: str) -> set[str]:
    raw = secret.encode()
    return {
        form.rstrip("=")
        for form in (
            secret,
            quote(secret, safe=""),
            quote_plus(secret, safe=""),
            base64.b64encode(raw).decode(),
            base64.urlsafe_b64encode(raw).decode(),
        )
    }


def alternation(secrets: list[str]) -> re.Pattern[str]:
    forms = sorted({f for s in secrets for f in _forms(s)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, forms)))


def one_pass_us(lines: list[str], scrub: Callable[[str], str]) -> float:
    started = time.perf_counter()
    for _ in range(20):
        for line in lines:
            scrub(line)
    return (time.perf_counter() - started) / (20 * len(lines)) * 1e6


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(15)
    secrets = make_secrets(rng, SECRETS)
    lines = corpus(rng, secrets)

    compile_started = time.perf_counter()
    pattern = alternation(secrets)
    compile_ms = (time.perf_counter() - compile_started) * 1e3

    # Interleaved, so that a load on the shared machine weighs on all three alike.
    baselines, registries, alternations, registering = [], [], [], []
    for _ in range(args.runs):
        clear_registered_secrets()
        baselines.append(one_pass_us(lines, redact))
        alternations.append(one_pass_us(lines, lambda line: pattern.sub(REDACTED, redact(line))))
        started = time.perf_counter()
        for secret in secrets:
            register_secret(secret)
        registering.append((time.perf_counter() - started) / SECRETS * 1e6)
        registries.append(one_pass_us(lines, redact))
    forms = registered_secret_count()
    scrubbed = [redact(line) for line in lines]
    assert not any(s in out for s in secrets for out in scrubbed), "a secret survived"
    assert sum(out.count(REDACTED) for out in scrubbed) >= 6
    baseline, registry = statistics.median(baselines), statistics.median(registries)
    old = statistics.median(alternations)
    register_us = statistics.median(registering)

    # Start-up churn: each account's tokens opened, then one log line.
    churn_secrets = make_secrets(rng, CHURN_ACCOUNTS * 2)
    line = lines[1]
    clear_registered_secrets()
    started = time.perf_counter()
    for i in range(0, len(churn_secrets), 2):
        register_secret(churn_secrets[i])
        register_secret(churn_secrets[i + 1])
        redact(line)
    churn_registry_us = (time.perf_counter() - started) / CHURN_ACCOUNTS * 1e6
    clear_registered_secrets()
    started = time.perf_counter()
    for i in range(0, len(churn_secrets), 2):
        churn_pattern = alternation(churn_secrets[: i + 2])  # recompiled after each new secret
        churn_pattern.sub(REDACTED, redact(line))
    churn_alternation_us = (time.perf_counter() - started) / CHURN_ACCOUNTS * 1e6
    clear_registered_secrets()

    figures = {
        "secrets": SECRETS,
        "forms_registered": forms,
        "max_forms": redact_module._MAX_FORMS,
        "corpus_lines": len(lines),
        "corpus_chars": sum(len(line) for line in lines),
        "runs": args.runs,
        "baseline_us_per_line": round(baseline, 2),
        "registry_1000_us_per_line": round(registry, 2),
        "registry_ratio": round(registry / baseline, 2),
        "alternation_1000_us_per_line": round(old, 2),
        "alternation_ratio": round(old / baseline, 2),
        "alternation_compile_ms": round(compile_ms, 1),
        "register_us_per_secret": round(register_us, 2),
        "churn_accounts": CHURN_ACCOUNTS,
        "churn_registry_us_per_account": round(churn_registry_us, 1),
        "churn_alternation_us_per_account": round(churn_alternation_us, 1),
    }
    out = HERE / "results" / "redact.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
