"""Start-up time and peak memory of the frozen app beside the source run.

    .venv/bin/python benchmarks/bench_frozen.py [--runs 5] [--no-build]

Builds dist/huntaze-desktop/ with ``scripts/build --no-archive`` first (a no-op when
it is up to date), then starts each variant ``--runs`` times, interleaved, in
sandbox mode with a passphrase vault and ``QT_QPA_PLATFORM=offscreen``:

- start-up: from spawning the process to its ``app.ready`` log line (main window
  shown, services ready);
- peak RSS: the process's high-water mark (``ru_maxrss`` from ``wait4``), after it
  was asked to quit with SIGTERM right after ``app.ready``.

The first run of each variant is reported apart (cold caches); the medians are over
the rest. Figures go to benchmarks/results/frozen.json and to stdout as JSON (so
``benchmarks/run.py`` can collect them). Runnable alone; Linux only (``wait4``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
APP_DIR = REPO / "dist" / "huntaze-desktop"
PASSPHRASE = "benchmark passphrase"
READY_TIMEOUT_S = 120.0


def _env(frozen: bool) -> dict[str, str]:
    env = dict(os.environ)
    if frozen:  # the bundle must not lean on the development environment
        for name in [n for n in env if n.startswith("PYTHON") or n == "VIRTUAL_ENV"]:
            del env[name]
    flags = "--no-sandbox --disable-gpu --disable-dev-shm-usage"
    env.update(
        QT_QPA_PLATFORM="offscreen",
        QTWEBENGINE_CHROMIUM_FLAGS=flags,
        HUNTAZE_VAULT_PASSPHRASE=PASSPHRASE,
        # A private sandbox on a free port: never another run's (or a developer's) on 8787.
        HUNTAZE_SANDBOX_PORT="0",
    )
    return env


def _command(frozen: bool) -> list[str | Path]:
    if frozen:
        return [str(APP_DIR / "huntaze-desktop")]
    return [sys.executable, "-m", "huntaze_desktop"]


def _vault_init(frozen: bool, data_dir: Path) -> None:
    subprocess.run(
        [*_command(frozen), "vault", "init", "--passphrase", "--sandbox", "--data-dir", data_dir],
        env=_env(frozen),
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _one_run(frozen: bool, data_dir: Path) -> dict[str, float]:
    """Start the app, wait for ``app.ready``, quit it; seconds to ready and peak RSS."""
    options: list[str | Path] = ["--sandbox", "--data-dir", data_dir, "--no-err-windows"]
    options.append("--json-logging")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*_command(frozen), *options],
        env=_env(frozen),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=data_dir,
    )
    assert proc.stderr is not None
    ready_s: float | None = None
    try:
        deadline = started + READY_TIMEOUT_S
        while ready_s is None and time.perf_counter() < deadline:
            line = proc.stderr.readline()
            if not line:
                break  # the process ended without becoming ready
            if '"app.ready"' in line and json.loads(line).get("event") == "app.ready":
                ready_s = time.perf_counter() - started
        proc.send_signal(signal.SIGTERM)
        rest = proc.stderr.read()  # drain to EOF so the app never blocks on its pipe
    except BaseException:
        proc.kill()
        raise
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if ready_s is None or proc.returncode != 0:
        raise RuntimeError(f"run failed (exit {proc.returncode}): {rest[-2000:]}")
    # ru_maxrss is in KiB on Linux.
    return {"startup_s": ready_s, "peak_rss_mib": usage.ru_maxrss / 1024}


def _summary(samples: list[dict[str, float]]) -> dict[str, Any]:
    cold, warm = samples[0], samples[1:] or samples
    startup = [s["startup_s"] for s in warm]
    rss = [s["peak_rss_mib"] for s in warm]
    return {
        "cold_startup_s": round(cold["startup_s"], 3),
        "startup_s": {
            "median": round(statistics.median(startup), 3),
            "min": round(min(startup), 3),
            "max": round(max(startup), 3),
        },
        "peak_rss_mib": {
            "median": round(statistics.median(rss), 1),
            "min": round(min(rss), 1),
            "max": round(max(rss), 1),
        },
        "samples": [{k: round(v, 3) for k, v in s.items()} for s in samples],
    }


def _dir_size_mib(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return round(total / 2**20, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per variant (default 5)")
    parser.add_argument("--no-build", action="store_true", help="use dist/ as it is")
    args = parser.parse_args(argv)
    if args.runs < 2:
        parser.error("--runs must be at least 2 (the first run is reported as cold)")
    if not args.no_build:
        done = subprocess.run(
            ["bash", str(REPO / "scripts" / "build"), "--no-archive"],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=sys.stderr,  # stdout carries only the JSON
        )
        if done.returncode != 0:
            print("bench_frozen: the build failed", file=sys.stderr)
            return 1
    if not (APP_DIR / "huntaze-desktop").exists():
        print(f"bench_frozen: no frozen app in {APP_DIR}", file=sys.stderr)
        return 1

    samples: dict[str, list[dict[str, float]]] = {"source": [], "frozen": []}
    with tempfile.TemporaryDirectory(prefix="huntaze-bench-frozen-") as tmp:
        dirs = {name: Path(tmp) / name for name in samples}
        for name, data_dir in dirs.items():
            data_dir.mkdir()
            _vault_init(name == "frozen", data_dir)
        for _ in range(args.runs):
            # Interleaved, so a slow moment of the machine hits both alike.
            for name in samples:
                samples[name].append(_one_run(name == "frozen", dirs[name]))

    source, frozen = _summary(samples["source"]), _summary(samples["frozen"])
    figures = {
        "benchmark": "frozen",
        "runs_per_variant": args.runs,
        "what": "spawn to app.ready (sandbox, offscreen); peak RSS of the app process",
        "source": source,
        "frozen": frozen,
        "ratios_frozen_to_source": {
            "startup_median": round(
                frozen["startup_s"]["median"] / source["startup_s"]["median"], 3
            ),
            "cold_startup": round(frozen["cold_startup_s"] / source["cold_startup_s"], 3),
            "peak_rss_median": round(
                frozen["peak_rss_mib"]["median"] / source["peak_rss_mib"]["median"], 3
            ),
        },
        "bundle_size_mib": _dir_size_mib(APP_DIR),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "frozen.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
