"""Run every benchmark and write its figures to benchmarks/results/<name>.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("bench_aggregate", "bench_refresh")


def main() -> int:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    failed = 0
    for name in BENCHMARKS:
        # Each in its own process: Qt and the event loop start clean every time.
        done = subprocess.run(
            [sys.executable, str(HERE / f"{name}.py")], capture_output=True, text=True
        )
        start = done.stdout.find("{")
        try:
            figures = json.loads(done.stdout[start:]) if start >= 0 else None
        except json.JSONDecodeError:
            figures = None
        if figures is None:
            failed += 1
            print(f"{name}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        (results / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
        print(f"{name}: {json.dumps(figures)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
