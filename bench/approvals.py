"""Approving 10,000 clearance-progress reports in sequence: reports/s and p95 approval latency.

Setup (not timed): 1,000 hazards of 100 m × 100 m registered through approved NTS reports, and ten
submitted clearance-progress reports per hazard, each clearing a 10 m strip. Then each report is
approved in turn through `reports.actions.approve_report`, as an IM officer would, one transaction
each. Run with `make bench` (a throwaway PostGIS cluster) or against DATABASE_URL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from common import check_thresholds, setup_django, summary_ms, write_result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hazards", type=int, default=1000)
    parser.add_argument("--strips", type=int, default=10)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from tqdm import tqdm

    from clearground.test import make_cast, rect, square
    from reports.actions import approve_report, create_report

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The approval path of a register kept without task orders, as measured before tasking (decision 0050).
    settings.CLEARGROUND_TASKING_REQUIRED = False
    cast = make_cast()
    on = dt.date(2024, 1, 15)
    width = 100 / args.strips
    pending = []
    for i in tqdm(range(args.hazards), desc="setup: hazards and submitted reports", unit="hazard"):
        x = (i % 100) * 150.0
        y = (i // 100) * 150.0
        nts = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=on,
                            payload=cast.nts_payload(square(100, x, y)), submit=True)  # fmt: skip
        hazard = approve_report(nts, acting_user=cast.imo).hazard
        for k in range(args.strips):
            payload = {
                "activity": {"method": "manual", "start_date": "2024-02-01", "person_days": 3},
                "cleared": [{"geometry": rect(x + k * width, y, x + (k + 1) * width, y + 100), "depth_cm": 20}],
            }
            pending.append(create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="clearance_progress",
                                         date_of_information=on + dt.timedelta(days=20 + k), hazard=hazard,
                                         payload=payload, submit=True))  # fmt: skip
    random.Random(7).shuffle(pending)  # approvals arrive in no particular hazard order
    latencies = []
    start = time.perf_counter()
    for report in tqdm(pending, desc="approving", unit="report"):
        t0 = time.perf_counter()
        approve_report(report, acting_user=cast.imo)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    measured = {"reports": len(pending), "seconds": round(elapsed, 1),
                "reports_per_s": round(len(pending) / elapsed, 1), **summary_ms(latencies)}  # fmt: skip
    path = write_result("approvals", measured)
    print(f"approvals: {measured}\n-> {path}")
    alarms = check_thresholds("approvals", measured)
    for alarm in alarms:
        print("REGRESSION:", alarm)
    return 1 if alarms else 0


if __name__ == "__main__":
    raise SystemExit(main())
