"""Shared bits of the benchmarks: Django setup, timing, percentiles, and writing results down."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
THRESHOLDS = json.loads((ROOT / "bench" / "thresholds.json").read_text())


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearground.settings")
    import django

    django.setup()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of a list of numbers."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
    }


def write_result(name: str, result: dict[str, Any]) -> Path:
    """Keep one JSON per benchmark run under bench/results/ (the history behind docs/benchmarks.md)."""
    RESULTS.mkdir(exist_ok=True)
    result = {
        "benchmark": name,
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        **result,
    }
    path = RESULTS / f"{name}-{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def check_thresholds(name: str, measured: dict[str, float]) -> list[str]:
    """The regression alarm: every measured figure above (or, for rates, below) its threshold."""
    alarms = []
    for key, limit in THRESHOLDS.get(name, {}).items():
        value = measured.get(key)
        if value is None:
            continue
        if key.endswith("_per_s") and value < limit or not key.endswith("_per_s") and value > limit:
            alarms.append(f"{name}.{key} = {value} (threshold {limit})")
    return alarms
