"""Sustained OpenRosa submissions per second, a photo attached to each (issue 17; target ≥ 50/s).

Setup (not timed): the test cast (clearground.test.make_cast) in the database DATABASE_URL names, and
gunicorn as scripts/run.sh starts it (tests/processes.Gunicorn). Then `--devices` threads each send NTS
submissions, as Collect does (multipart: the instance XML and a 20 kB JPEG of its own; the bodies are
encoded before the clock starts, as the device's work is not ours), for `--seconds`; every answer must
be 201. `--auth basic` (the default: what Collect sends, the clerk's password with every request) or
`--auth token` (an API token). Reported: submissions/s over the
whole run and the median of the per-second counts (the machine is noisy), latency percentiles.
Run inside a throwaway cluster:
    .venv/bin/python -m clearground.dbcluster test -- bash -c \
      '.venv/bin/clearground migrate -v 0 && .venv/bin/python bench/openrosa_submissions.py'
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from common import ROOT, check_thresholds, setup_django, summary_ms, write_result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--auth", choices=["basic", "token"], default="basic")
    args = parser.parse_args()
    setup_django()
    sys.path.insert(0, str(ROOT))
    import requests
    from django.db import connection
    from PIL import Image
    from urllib3 import encode_multipart_formdata

    from accounts.tokens import issue_token
    from clearground.test import make_cast, square
    from reports.models import Report
    from tests.openrosa_helpers import PASSWORD, instance
    from tests.processes import Gunicorn

    cast = make_cast()
    if args.auth == "token":
        authorization = f"Token {issue_token(cast.clerk).key}"
    else:
        authorization = "Basic " + base64.b64encode(f"{cast.clerk.username}:{PASSWORD}".encode()).decode()
    headers = {"Authorization": authorization, "X-OpenRosa-Version": "1.0", "X-Forwarded-Proto": "https"}
    photo = io.BytesIO()
    Image.effect_noise((160, 120), 60).convert("RGB").save(photo, "JPEG", quality=95)  # noise: ~20 kB
    jpeg = photo.getvalue()
    # Instances are written before the clock starts: the form is read once, the device's work is not ours.
    # Enough for 15/s per device; the first is checked against the published XForm, the rest are like it.
    per_device = int(args.seconds * 15)
    xmls = [[instance("nts", cast.nts_payload(square(30, x=100 * (i % 100), y=100 * (i // 100) + 20000 * d)),
                      instance_id=f"uuid:{uuid.uuid4()}", photos=("photo.jpg",), check=i + d == 0)
             for i in range(per_device)] for d in range(args.devices)]  # fmt: skip
    bodies = [[encode_multipart_formdata({"xml_submission_file": ("submission.xml", xml, "text/xml"),
                                          "photo.jpg": ("photo.jpg", jpeg, "image/jpeg")})
               for xml in mine] for mine in xmls]  # fmt: skip
    before = Report.objects.count()
    connection.close()

    media = Path(tempfile.mkdtemp(prefix="bench-media-"))
    log = media / "gunicorn.log"
    server = Gunicorn(log, {"MEDIA_ROOT": str(media), "CLEARGROUND_BEHIND_PROXY": "1"}, workers=args.workers)
    url = f"{server.url}/openrosa/submission"
    done_at: list[float] = []
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds

    def device(d: int) -> None:
        session = requests.Session()
        for body, content_type in bodies[d]:
            if time.monotonic() >= stop:
                return
            t0 = time.monotonic()
            r = session.post(url, data=body, headers={**headers, "Content-Type": content_type}, timeout=60)
            t1 = time.monotonic()
            with lock:
                if r.status_code == 201:
                    done_at.append(t1)
                    latencies.append(t1 - t0)
                else:
                    failures.append(f"{r.status_code} {r.text[:200]}")

    start = time.monotonic()
    threads = [threading.Thread(target=device, args=(d,)) for d in range(args.devices)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    elapsed = max(done_at) - start if done_at else args.seconds
    per_second = [0] * (int(elapsed) + 1)
    for t in done_at:
        per_second[int(t - start)] += 1
    steady = per_second[2:-1] or per_second  # the first seconds warm gunicorn's workers up; the last is partial
    stored = Report.objects.count() - before
    measured = {
        "devices": args.devices,
        "auth": args.auth,
        "gunicorn_workers": args.workers,
        "photo_bytes": len(jpeg),
        "submissions": len(done_at),
        "stored_reports": stored,
        "failures": len(failures),
        "seconds": round(elapsed, 1),
        "submissions_per_s": round(len(done_at) / elapsed, 1),
        "median_submissions_per_s": statistics.median(steady),
        **summary_ms(latencies),
    }
    path = write_result("openrosa_submissions", measured)
    print(measured, f"\n-> {path}")
    if failures:
        print("failures:", failures[:5])
    alarms = check_thresholds("openrosa_submissions", measured)
    for alarm in alarms:
        print("ALARM", alarm)
    return 1 if failures or alarms or stored != len(done_at) else 0


if __name__ == "__main__":
    sys.exit(main())
