"""Grow a demo register to national scale for the read benchmarks, by copying its hazards in SQL.

The demo builds every hazard through the report pipeline at about 10 hazards/s on this machine, so
100,000 hazards would take close to three hours. The read benchmarks measure the hazard list, not
the write path, so they need a register of that size, not 100,000 histories: this script copies the
current hazards (as the pipeline left them: classification, status, areas, organisation, admin
area) until there are `--to` of them, each copy shifted by a deterministic offset of up to ±0.4° so
that the density grows over the same country. Copies have no reports, versions or products: this
register is for reading only and is never a demo a person uses. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import time

from common import setup_django

# Copied verbatim; the code is made unique and the geometry and benchmark point are shifted.
SHIFTED = {"id", "code", "geom", "benchmark", "created_at", "updated_at"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--to", type=int, default=100_000, help="number of hazards wanted")
    args = parser.parse_args()
    setup_django()
    from django.db import connection, transaction
    from psycopg import sql

    from hazards.models import HazardousArea

    table = HazardousArea._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
            [table],
        )
        copied = [name for (name,) in cur.fetchall() if name not in SHIFTED]
    originals = HazardousArea.objects.count()
    if originals == 0:
        print("the register is empty: run `clearground demo` first")
        return 2
    started = time.monotonic()
    copy = 0
    while (total := HazardousArea.objects.count()) < args.to:
        copy += 1
        wanted = min(originals, args.to - total)
        columns = sql.SQL(", ").join(map(sql.Identifier, copied))
        # Offsets from the copy number and the hazard id: deterministic, spread in both directions.
        statement = sql.SQL(
            """
            INSERT INTO {table} ({columns}, code, geom, benchmark, created_at, updated_at)
            SELECT {columns}, code || '-R' || %(copy)s,
                   ST_Translate(geom, dx, dy), ST_Translate(benchmark, dx, dy), now(), now()
            FROM (
                SELECT *, (((id * 7919 + %(copy)s * 104729) %% 801) - 400) / 1000.0 AS dx,
                          (((id * 6271 + %(copy)s * 130363) %% 801) - 400) / 1000.0 AS dy
                FROM {table} WHERE code NOT LIKE '%%-R%%' ORDER BY id LIMIT %(wanted)s
            ) AS original
            """
        ).format(table=sql.Identifier(table), columns=columns)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(statement, {"copy": copy, "wanted": wanted})
        print(f"copy {copy}: {HazardousArea.objects.count()} hazards", flush=True)
    with connection.cursor() as cur:
        cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    print(f"register of {HazardousArea.objects.count()} hazards ({originals} built through the pipeline) "
          f"in {time.monotonic() - started:.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
