"""Summarise a locust run (bench/load.sh): requests, errors and p50/p95/p99 per request and overall."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from common import write_result


def _row(row: dict[str, str]) -> dict[str, object]:
    return {
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 1),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
        "max_ms": round(float(row["Max Response Time"]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", required=True, help="the --csv prefix given to locust")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--seconds", type=int, required=True)
    args = parser.parse_args()
    with open(f"{args.csv}_stats.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    per_request = {f"{r['Type']} {r['Name']}".replace("GET GET", "GET").replace("POST POST", "POST")
                   .replace("PATCH PATCH", "PATCH"): _row(r) for r in rows if r["Name"] != "Aggregated"}  # fmt: skip
    total = _row(next(r for r in rows if r["Name"] == "Aggregated"))
    failures_file = Path(f"{args.csv}_failures.csv")
    failures = list(csv.DictReader(failures_file.open())) if failures_file.exists() else []
    kept = ("Method", "Name", "Error", "Occurrences")
    result = {"clients": args.users, "seconds": args.seconds, "total": total, "per_request": per_request,
              "failures": [{k: f[k] for k in kept} for f in failures][:20]}  # fmt: skip
    path = write_result("load", result)
    print(json.dumps(result, indent=2))
    print(f"[load] {total['requests']} requests, {total['errors']} errors, p50 {total['p50_ms']} ms, "
          f"p95 {total['p95_ms']} ms, p99 {total['p99_ms']} ms → {path}")  # fmt: skip


if __name__ == "__main__":
    main()
