"""Map first render, two versions of the code side by side: alternating runs of bench/map_render.py.

On a shared machine the load drifts by the minute, so a "before" measured at one time and an "after" at
another compare the load, not the code. This starts one gunicorn per code tree (3 workers × 4 threads as
`make run`, the tile cache of decision 0062 on for both, each its own folder) on the same database, then
alternates one cold render of each, --runs times, each render by that tree's own bench/map_render.py
(one warm-up, then one measured run) and notes the 1-minute load average beside it. Prints one JSON object
with the runs and medians. Run inside a cluster with a register, e.g. after bench/replicate_register.py:

    .venv/bin/python bench/map_render_ab.py --before /tmp/before --after . --runs 7

A tree is a checkout with `.venv` and `node_modules` beside it; its static files are collected first. Build the
demo basemap in each (`clearground basemap build --out var/basemap/demo.pmtiles`, as scripts/run.sh does): the map
a user opens draws it, and decision 0066 found the first render measured without it 0.6–0.8 s too kind. The
summary says for each tree whether its basemap was there.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import setup_django  # noqa: E402
from public_map import BBOX, free_port, server_env, wait_for  # noqa: E402


def tree_env(tree: Path, **extra: str) -> dict[str, str]:
    env = server_env(**extra)
    env["PYTHONPATH"] = str(tree)
    env.pop("CLEARGROUND_VAR_DIR", None)  # each tree's own var/ (its collected static files)
    return env


@contextmanager
def server(tree: Path, cache_dir: str) -> Iterator[int]:
    venv = tree / ".venv" / "bin"
    subprocess.run([str(venv / "clearground"), "collectstatic", "--noinput", "-v", "0"], check=True,  # noqa: S603
                   env=tree_env(tree), cwd=tree)  # fmt: skip
    port = free_port()
    argv = [str(venv / "gunicorn"), "clearground.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3", "--threads",
            "4", "--timeout", "120", "--no-control-socket", "--log-level", "warning", "--chdir", str(tree)]  # fmt: skip
    # Started in its own tree: gunicorn reads ./gunicorn.conf.py, which imports clearground from the cwd.
    child = subprocess.Popen(argv, env=tree_env(tree, CLEARGROUND_TILE_CACHE_DIR=cache_dir), cwd=tree,  # noqa: S603
                             start_new_session=True)  # fmt: skip
    try:
        wait_for(port, "/login/")
        yield port
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(30)


def render(tree: Path, port: int, password: str) -> dict[str, Any]:
    done = subprocess.run([str(tree / ".venv" / "bin" / "python"), "bench/map_render.py", "--url",  # noqa: S603
                           f"http://127.0.0.1:{port}", "--username", "imo", "--password", password, "--bbox", BBOX,
                           "--runs", "1"], capture_output=True, text=True, cwd=tree, env=tree_env(tree))  # fmt: skip
    if done.returncode not in (0, 2):
        raise SystemExit(f"map_render failed in {tree}: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout[done.stdout.index("{") :]))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--before", type=Path, required=True)
    p.add_argument("--after", type=Path, default=ROOT)
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    setup_django()
    from django.contrib.auth.models import User

    password = "bench-password"  # noqa: S105 - a throwaway cluster's bench user
    user = User.objects.get(username="imo")
    user.set_password(password)
    user.save()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in trees}
    with ExitStack() as stack:
        ports = {
            label: stack.enter_context(server(tree, tempfile.mkdtemp(prefix=f"bench-tiles-{label}-")))
            for label, tree in trees.items()
        }
        for _ in range(args.runs):
            for label, tree in trees.items():
                result = render(tree, ports[label], password)
                runs[label].append({"ms": result["ms"][0], "visible": result["hazards_visible"],
                                    "drawn": result.get("canvas_share_drawn"),
                                    "load_1m": round(os.getloadavg()[0], 2)})  # fmt: skip
                print(label, runs[label][-1], file=sys.stderr, flush=True)
    summary: dict[str, Any] = {"benchmark": "map_render_ab", "bbox": BBOX, "runs": runs}
    summary["basemap"] = {label: (tree / "var" / "basemap" / "demo.pmtiles").is_file() for label, tree in trees.items()}
    for label in trees:
        summary[f"{label}_median_ms"] = statistics.median(r["ms"] for r in runs[label])
    summary["load_1m_median"] = statistics.median(r["load_1m"] for rs in runs.values() for r in rs)
    summary["after_over_before"] = round(summary["after_median_ms"] / summary["before_median_ms"], 2)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
