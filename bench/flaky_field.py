"""Flaky field at scale: devices submit through a bad link to a server that is killed, nothing lost (issue 17).

The suite's tests/test_openrosa_flaky.py at the issue's scale, as a script: `--devices` (50) threads
send `--each` (200) NTS submissions each, every one with its own JPEG, to gunicorn as scripts/run.sh
starts it, through tests/flaky_field.FlakyLink, which cuts `--cut` of the exchanges half way through the
upload and drops `--drop` of the answers after the server committed. `--kills` (1) times, evenly spread
over the run, the server is killed with -9 (master and workers) and another started on the same
database and files. Each device resends an instance until it is answered, as Collect does, with its
user's Basic credentials (what Collect sends; decision 0059).

Afterwards, from the database and the files: exactly devices × each reports, no instanceID twice,
none flagged for review, one attachment each whose row hash and stored bytes equal what was sent, and
every answer a device got, first or resend, a success (201 or 202). Figures into bench/results/ and
docs/reliability.md. Run inside a throwaway cluster:
    .venv/bin/python -m clearground.dbcluster test -- bash -c \
      '.venv/bin/clearground migrate -v 0 && .venv/bin/python bench/flaky_field.py --devices 50 --each 200'
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from common import ROOT, setup_django, write_result


def jpeg(n: int) -> bytes:
    """A small JPEG whose bytes are this submission's alone: n in its comment (near colours compress alike)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (24, 24), (n % 256, (n // 256) % 256, 90)).save(out, "JPEG", quality=90, comment=f"n={n}")
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--each", type=int, default=200, help="submissions per device")
    parser.add_argument("--kills", type=int, default=1, help="kill -9 of the server, evenly spread")
    parser.add_argument("--cut", type=float, default=0.15, help="share of uploads cut half way")
    parser.add_argument("--drop", type=float, default=0.15, help="share of answers dropped after the commit")
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    sys.path.insert(0, str(ROOT))
    from django.conf import settings
    from django.db import connection

    from clearground.test import make_cast, square
    from reports.models import Report, ReportAttachment
    from tests.flaky_field import CUT, DROP, FlakyLink, Sent, send_until_answered
    from tests.openrosa_helpers import PASSWORD, instance
    from tests.processes import Gunicorn

    total = args.devices * args.each
    cast = make_cast()
    basic = base64.b64encode(f"{cast.clerk.username}:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}", "X-OpenRosa-Version": "1.0", "X-Forwarded-Proto": "https"}
    # Every instance and photo is written before the clock starts (the form is read from the database once).
    work: list[list[tuple[bytes, Sent]]] = []
    for d in range(args.devices):
        mine = []
        for m in range(args.each):
            n = d * args.each + m
            sent = Sent(f"uuid:{uuid.uuid4()}", f"photo-{n}.jpg", jpeg(n))
            area = square(30, x=200 * (n % 100), y=200 * (n // 100))
            xml = instance("nts", cast.nts_payload(area, name=f"Field {n}"), instance_id=sent.instance_id,
                           photos=(sent.photo_name,), check=n == 0)  # fmt: skip
            mine.append((xml, sent))
        work.append(mine)
    connection.close()

    media = Path(tempfile.mkdtemp(prefix="bench-flaky-"))
    settings.MEDIA_ROOT = media
    env = {"MEDIA_ROOT": str(media), "CLEARGROUND_BEHIND_PROXY": "1"}
    server = Gunicorn(media / "gunicorn-0.log", env, workers=args.workers)
    link = FlakyLink(server.port, cut=args.cut, drop=args.drop)
    url = f"http://127.0.0.1:{link.port}/openrosa/submission"
    done = threading.Semaphore(0)
    errors: list[BaseException] = []

    def device(mine: list[tuple[bytes, Sent]]) -> None:
        try:
            for xml, sent in mine:
                send_until_answered(url, headers, xml, sent, give_up=600)
                done.release()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    started = time.monotonic()
    kills: list[float] = []
    threads = [threading.Thread(target=device, args=(mine,), daemon=True) for mine in work]
    try:
        for t in threads:
            t.start()
        answered = 0
        for k in range(1, args.kills + 1):  # kill -9 at k/(kills+1) of the way, start another on the same files
            while answered < total * k // (args.kills + 1):
                if not done.acquire(timeout=600):
                    raise RuntimeError(f"no submission answered for 600 s: {errors[:3]}")
                answered += 1
            server.kill9()
            kills.append(round(time.monotonic() - started, 1))
            time.sleep(1.0)  # the devices meanwhile find no server, and retry
            server = Gunicorn(media / f"gunicorn-{k}.log", env, workers=args.workers)
            link.upstream = server.port
            print(f"killed -9 at {kills[-1]} s after {answered} answered; restarted", flush=True)
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        link.close()
        server.stop()

    sent = [s for mine in work for _xml, s in mine]
    ids = {s.instance_id for s in sent}
    reports = list(Report.objects.filter(client_id__isnull=False).values_list("client_id", "review_flag"))
    stored = {a.name: a for a in ReportAttachment.objects.select_related("report")}
    mismatches = 0
    for s in sent:
        row = stored.get(s.photo_name)
        digest = hashlib.sha256(s.photo).hexdigest()
        if (row is None or row.report.client_id != s.instance_id or row.sha256 != digest
                or not row.path.exists() or hashlib.sha256(row.path.read_bytes()).hexdigest() != digest):  # fmt: skip
            mismatches += 1
    answers = [status for s in sent for status in s.statuses if status]
    measured = {
        "devices": args.devices,
        "each": args.each,
        "submissions": total,
        "reports": len(reports),
        "distinct_instance_ids": len({c for c, _f in reports}),
        "duplicates": len(reports) - len({c for c, _f in reports}),
        "missing": len(ids - {c for c, _f in reports}),
        "flagged_for_review": sum(1 for _c, f in reports if f),
        "attachments": len(stored),
        "distinct_photos": len({hashlib.sha256(s.photo).digest() for s in sent}),
        "hash_mismatches": mismatches,
        "posts": sum(len(s.statuses) for s in sent),
        "instances_resent": sum(1 for s in sent if len(s.statuses) > 1),
        "no_answer": sum(1 for s in sent for status in s.statuses if not status),
        "answered_201": answers.count(201),
        "answered_202": answers.count(202),
        "answered_otherwise": sum(1 for a in answers if a not in (201, 202)),
        "link": dict(link.counts),
        "kills": len(kills),
        "killed_at_s": kills,
        "seconds": round(elapsed, 1),
        "submissions_per_s": round(total / elapsed, 1),
        "errors": [repr(e)[:200] for e in errors[:5]],
    }
    path = write_result("flaky_field", measured)
    print(measured, f"\n-> {path}")
    ok = (not errors and len(reports) == total and measured["duplicates"] == 0 and measured["missing"] == 0
          and measured["flagged_for_review"] == 0 and len(stored) == total and mismatches == 0
          and measured["answered_otherwise"] == 0 and link.counts[CUT] > 0 and link.counts[DROP] > 0)  # fmt: skip
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
