"""Prepare the load test (bench/load.sh): API tokens for the demo logins and sample ids/places to ask for.

Writes one JSON file (--out) that bench/locustfile.py reads: {"tokens": {username: key}, "hazards":
{username: [ids that user may see]}, "bbox": [w, s, e, n], "tiles": [[z, x, y], ...],
"geometry_origin": [lon, lat]}. Needs a register with hazards (`clearground demo`).
"""

from __future__ import annotations

import argparse
import json
import math
import random

from common import setup_django

USERS = ("clerk", "approver", "imo", "viewer", "outsider", "admin")


def tile_of(lon: float, lat: float, z: int) -> list[int]:
    """The web-mercator tile (z, x, y) holding a point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return [z, x, y]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth.models import User

    from accounts.access import hazards_for
    from accounts.tokens import issue_token
    from hazards.models import HazardousArea

    rng = random.Random(1)
    tokens, visible = {}, {}
    for username in USERS:
        user = User.objects.get(username=username)
        tokens[username] = issue_token(user).key  # valid for CLEARGROUND_TOKEN_TTL_HOURS (decision 0038)
        ids = list(hazards_for(user).order_by("id").values_list("id", flat=True)[:2000])
        visible[username] = rng.sample(ids, min(200, len(ids)))
    if not visible["imo"]:
        raise SystemExit("The register is empty: run `clearground demo` first.")
    points = [h.geom.point_on_surface for h in HazardousArea.objects.filter(id__in=visible["imo"][:40])]
    first = points[0]
    bbox = [first.x - 0.25, first.y - 0.15, first.x + 0.25, first.y + 0.15]
    tiles = sorted({tuple(tile_of(p.x, p.y, z)) for p in points for z in (8, 11, 13)})
    with open(args.out, "w") as f:
        json.dump({"tokens": tokens, "hazards": visible, "bbox": bbox, "tiles": [list(t) for t in tiles],
                   "geometry_origin": [first.x, first.y]}, f)  # fmt: skip
    print(f"[load] {len(tokens)} tokens, {sum(map(len, visible.values()))} hazard ids, {len(tiles)} tiles → {args.out}")


if __name__ == "__main__":
    main()
