"""The static public map against the dynamic tiles (issue 18), side by side in one run.

    .venv/bin/python bench/public_map.py --out /tmp/public [--dynamic http://127.0.0.1:8000] \
        [--static http://127.0.0.1:8080] [--seconds 15] [--clients 16]

1. **Folder build**: `clearground publish` into --out, three times, on the database of the settings
   (hazard warnings are published for the run, so the archive holds every open hazard): median seconds.
2. **Tile throughput**, when the URLs are given: the same tiles (every tile of the archive at zoom 10-12
   over the register) fetched for --seconds by --clients threads, from the dynamic `/tiles/hazard_warnings/`
   endpoint of a running Clearground and from a static server (nginx) serving --out, as pmtiles.js reads a
   tile: one range request for its bytes (the directories are read once and cached by the client, so they
   are not counted). wrk is the better client when installed; this one is plain Python threads, so it
   measures the servers only as far as it can drive them: compare the ratio, not the absolute numbers.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from common import percentile, setup_django


def build_times(out: Path, runs: int) -> tuple[list[float], dict[str, int]]:
    from django.conf import settings

    from interop.public_map.build import publish

    settings.CLEARGROUND_PUBLISHED = dict(settings.CLEARGROUND_PUBLISHED) | {
        "hazard_warnings": ["classification", "status", "admin_pcode", "admin_area", "date_of_information"]
    }
    times, layers = [], {}
    for _ in range(runs):
        result = publish(out)
        times.append(result.seconds)
        layers = result.layers
    return times, layers


def tiles_of(archive: Path, zooms: range) -> list[tuple[int, int, int, int, int]]:
    """(z, x, y, byte offset, length) of every tile of the archive at these zooms: the range pmtiles.js asks."""
    from pmtiles.reader import MmapSource, all_tiles

    found = []
    with archive.open("rb") as fh:
        source = MmapSource(fh)
        asked: list[tuple[int, int]] = []

        def recording(offset: int, length: int) -> bytes:
            asked.append((offset, length))
            return bytes(source(offset, length))

        for (z, x, y), _data in all_tiles(recording):  # type: ignore[no-untyped-call]
            if z in zooms:
                found.append((z, x, y, *asked[-1]))  # the last read is the tile's own bytes
    return found


def hammer(base: str, paths: list[tuple[str, dict[str, str]]], seconds: float, clients: int) -> dict[str, float]:
    """Requests per second and latency percentiles (ms) of `clients` threads cycling through `paths`."""
    parts = urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(start: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
        i, mine = start, []
        while time.monotonic() < stop:
            path, headers = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status not in (200, 206, 204):
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n * 7919,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ms = [v * 1000 for v in latencies]
    return {
        "requests_per_s": round(len(ms) / seconds, 1),
        "p50_ms": round(statistics.median(ms), 2) if ms else 0.0,
        "p95_ms": round(percentile(ms, 95), 2) if ms else 0.0,
        "errors": errors[0],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--out", type=Path, required=True, help="the folder to publish into")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--dynamic", help="a running Clearground's base URL (its /tiles/)")
    p.add_argument("--static", help="a static server's base URL serving --out (nginx)")
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--clients", type=int, default=16)
    args = p.parse_args()
    setup_django()
    times, layers = build_times(args.out, args.runs)
    report: dict[str, object] = {"build_s_median": round(statistics.median(times), 2), "build_s": times,
                                 "layers": layers}  # fmt: skip
    if args.dynamic or args.static:
        tiles = tiles_of(args.out / "published.pmtiles", range(10, 13))
        report["tiles"] = len(tiles)
        if args.dynamic:
            paths = [(f"/tiles/hazard_warnings/{z}/{x}/{y}", {}) for z, x, y, _, _ in tiles]
            report["dynamic"] = hammer(args.dynamic, paths, args.seconds, args.clients)
        if args.static:
            ranges = [("/published.pmtiles", {"Range": f"bytes={o}-{o + n - 1}"}) for _, _, _, o, n in tiles]
            report["static"] = hammer(args.static, ranges, args.seconds, args.clients)
        if "dynamic" in report and "static" in report:
            d, s = report["dynamic"], report["static"]
            assert isinstance(d, dict) and isinstance(s, dict)
            report["static_over_dynamic"] = round(s["requests_per_s"] / max(d["requests_per_s"], 0.1), 1)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
