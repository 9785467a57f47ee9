"""How fast the audit chain seals and verifies, and what sealing adds to one write (decision 0032).

Run on a throwaway cluster, never on a real register (it fills the audit log with made-up rows):

    python -m clearground.dbcluster test -- sh -c \
        '.venv/bin/clearground migrate -v0 && .venv/bin/python bench/audit_chain.py --rows 200000'
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearground.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402

from accounts import chain  # noqa: E402
from accounts.audit import record  # noqa: E402
from accounts.models import AuditEntry, Organisation  # noqa: E402


def fill(rows: int) -> None:
    """`rows` unsealed entries shaped like real ones: a report's old and new values, a reason."""
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO accounts_auditentry (at, actor_id, action, object_type, object_id, old, new, reason)
            SELECT now() - make_interval(secs => %(rows)s - n), NULL, 'report.approve', 'reports.report', n::text,
                   jsonb_build_object('status', 'validated', 'version', 2),
                   jsonb_build_object('status', 'approved', 'reconcile', 'new', 'hazard', n, 'hazard_version', 1,
                                      'name', 'Field north of the school ' || n),
                   CASE WHEN n %% 10 = 0 THEN 'checked on site with the operator' ELSE '' END
            FROM generate_series(1, %(rows)s) AS n
            """,
            {"rows": rows},
        )


def per_write_ms(org: Organisation, writes: int) -> tuple[float, float]:
    """Median milliseconds of one audited write transaction without and with the after-commit seal,
    interleaved so that the machine's other load falls on both alike."""
    plain, sealed = [], []
    for i in range(writes):
        for times in (plain, sealed):
            start = time.perf_counter()
            with transaction.atomic():
                if times is sealed:
                    record(None, "organisation.update", org, new={"i": i})
                else:
                    AuditEntry.objects.create(action="organisation.update", object_type="accounts.organisation",
                                              object_id=str(org.pk), new={"i": i})  # fmt: skip
            times.append(time.perf_counter() - start)
    return statistics.median(plain) * 1000, statistics.median(sealed) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--writes", type=int, default=300)
    args = parser.parse_args()

    start = time.perf_counter()
    fill(args.rows)
    print(f"inserted {args.rows} unsealed entries in {time.perf_counter() - start:.1f} s", flush=True)

    start = time.perf_counter()
    sealed = chain.seal(wait=True) or 0
    took = time.perf_counter() - start
    print(f"sealed {sealed} entries in {took:.1f} s: {sealed / took:,.0f} entries/s", flush=True)

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE accounts_auditentry")
    start = time.perf_counter()
    with transaction.atomic(), connection.chunked_cursor() as cur:
        cur.execute(f"SELECT seq, id, prev_hash, hash, {chain.CANONICAL} FROM accounts_auditentry a ORDER BY seq")
        fetched = sum(len(rows) for rows in iter(lambda: cur.fetchmany(10_000), []))
    took = time.perf_counter() - start
    print(f"(reading alone: {fetched} rows in {took:.1f} s)", flush=True)
    start = time.perf_counter()
    walk = chain.verify()
    took = time.perf_counter() - start
    assert walk.intact and walk.entries == sealed, walk.problems[:5]
    print(f"verified {walk.entries} entries in {took:.1f} s: {walk.entries / took:,.0f} entries/s", flush=True)

    org = Organisation.objects.create(code="bench-audit", name="Bench", kind="ngo")
    plain, with_seal = per_write_ms(org, args.writes)
    print(
        f"one audited write transaction (median of {args.writes}, interleaved): {plain:.2f} ms without sealing, "
        f"{with_seal:.2f} ms with the after-commit seal ({with_seal - plain:+.2f} ms)",
        flush=True,
    )


if __name__ == "__main__":
    main()
