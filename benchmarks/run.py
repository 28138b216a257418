"""Run every benchmark; each writes its figures to benchmarks/results/<name>.json.

    .venv/bin/python benchmarks/run.py [name ...]

Names: aggregate, refresh, startup, frozen, redact (default: all, in that order).
``frozen`` builds the frozen app first (``scripts/build --no-archive``; a no-op
when dist/ is up to date). Each benchmark runs in its own process, so Qt and the
event loop start clean every time, and prints the JSON it wrote; this script
checks that the file was written and reads it back for a one-line summary.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# name -> script; the script writes results/<name>.json itself.
BENCHMARKS = {
    "aggregate": "bench_aggregate.py",
    "refresh": "bench_refresh.py",
    "startup": "bench_startup.py",
    "frozen": "bench_frozen.py",
    "redact": "bench_redact.py",
}


def run(name: str) -> bool:
    result = HERE / "results" / f"{name}.json"
    started = time.time()
    done = subprocess.run(
        [sys.executable, str(HERE / BENCHMARKS[name])], capture_output=True, text=True
    )
    fresh = result.exists() and result.stat().st_mtime >= started
    if done.returncode != 0 or not fresh:
        print(f"{name}: failed (exit {done.returncode})\n{done.stderr[-2000:]}", file=sys.stderr)
        return False
    figures = json.loads(result.read_text())
    print(f"{name}: {result.relative_to(HERE.parent)} {json.dumps(figures)[:300]}")
    return True


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    (HERE / "results").mkdir(exist_ok=True)
    failed = [n for n in names if not run(n)]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
