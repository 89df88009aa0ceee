"""`make bench`: every load and fault run, one after the other, each writing its section of
BENCHMARKS.md. A failing run is reported and the others still run; the exit status says
whether all passed."""

from __future__ import annotations

import subprocess
import sys

from bench.harness import ROOT, log

RUNS = [
    "registration_rush",
    "scan_throughput",
    "schedule_pages",
    "two_instances",
    "smtp_outage",
    "pg_restart",
    "scaling",
    "offline_scanner",
    "profiles",
]


def main() -> None:
    failed = []
    for name in RUNS:
        if not (ROOT / "bench" / f"{name}.py").exists():
            log(f"skipping {name}: not written yet")
            continue
        log(f"=== bench.{name}")
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT,
                                timeout=1800)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        log("failed: " + ", ".join(failed))
        raise SystemExit(1)
    log("all benchmarks passed")


if __name__ == "__main__":
    main()
