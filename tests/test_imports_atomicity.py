"""An import is all or nothing, never enters a row twice, and an IM officer approves it in one step."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import numpy as np
import pytest
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from pyogrio.raw import write

from clearground.test import LAT0, LON0, m_to_deg, make_cast
from core.errors import NotAllowed
from hazards.models import HazardousArea
from interop.imports import service
from interop.models import Import, ImportedRecord
from reports.models import Report
from tests.imports_helpers import SOLE, media_in_tmp, new_import

__all__ = ["media_in_tmp"]


def squares(n: int, start: int = 0) -> list[str]:
    d = m_to_deg(50, 50)[0]
    return [
        f"POLYGON(({LON0 + i * 2 * d} {LAT0},{LON0 + (i * 2 + 1) * d} {LAT0},{LON0 + (i * 2 + 1) * d} "
        f"{LAT0 + d},{LON0 + i * 2 * d} {LAT0 + d},{LON0 + i * 2 * d} {LAT0}))"
        for i in range(start, start + n)
    ]


def gpkg(path: Path, wkts: list[str], ids: list[str]) -> Path:
    geoms = np.array([bytes(GEOSGeometry(w).wkb) for w in wkts], dtype=object)
    write(str(path), geoms, [np.array(ids, dtype=object)], ["ref"], driver="GPKG", crs="EPSG:4326",
          geometry_type="Polygon")  # fmt: skip
    return path


MAPPING = {"id_column": "ref", "fields": {"hazard.name": {"template": "Area {ref}"}}}


def test_re_importing_the_same_or_an_overlapping_file_creates_no_duplicates(cast, tmp_path):
    first = gpkg(tmp_path / "a.gpkg", squares(3), ["1", "2", "3"])
    service.run_import(
        new_import(cast, first, "nts", mapping=MAPPING), acting_user=cast.imo, approve=True, sole_approval=SOLE
    )
    again = service.run_import(
        new_import(cast, first, "nts", mapping=MAPPING), acting_user=cast.imo, approve=True, sole_approval=SOLE
    )
    assert again.counts == {"read": 3, "imported": 0, "repaired": 0, "rejected": 0, "duplicates": 3}
    assert "already imported (report" in again.report_csv

    overlapping = gpkg(tmp_path / "b.gpkg", squares(3, start=2), ["3", "4", "5"])
    more = service.run_import(new_import(cast, overlapping, "nts", mapping=MAPPING), acting_user=cast.imo,
                              approve=True, sole_approval=SOLE)  # fmt: skip
    assert more.counts == {"read": 3, "imported": 2, "repaired": 0, "rejected": 0, "duplicates": 1}
    assert HazardousArea.objects.count() == 5 and ImportedRecord.objects.filter(source="import:nts").count() == 5


def test_a_file_without_an_id_column_is_keyed_by_fingerprint_and_not_entered_twice(cast, tmp_path):
    path = gpkg(tmp_path / "a.gpkg", squares(2), ["x", "y"])
    service.run_import(new_import(cast, path, "nts"), acting_user=cast.imo)
    again = service.run_import(new_import(cast, path, "nts"), acting_user=cast.imo)
    assert again.counts["duplicates"] == 2 and Report.objects.count() == 2


def test_an_im_officer_approves_the_whole_import_in_one_step(cast, tmp_path):
    path = gpkg(tmp_path / "a.gpkg", squares(4), ["1", "2", "3", "4"])
    imp = service.run_import(new_import(cast, path, "nts", mapping=MAPPING, organisation=cast.alpha,
                                        user=cast.clerk), acting_user=cast.clerk)  # fmt: skip
    assert imp.status == "done"
    assert set(Report.objects.values_list("status", flat=True)) == {"submitted"}
    with pytest.raises(NotAllowed):
        service.approve_import(imp, acting_user=cast.clerk)

    with pytest.raises(NotAllowed):  # alpha's own IM officer validates; the authority approves (decision 0036)
        service.approve_import(imp, acting_user=cast.approver)
    imp = service.approve_import(imp, acting_user=cast.imo)

    assert imp.status == "approved"
    assert set(Report.objects.values_list("status", flat=True)) == {"approved"}
    assert HazardousArea.objects.filter(organisation=cast.alpha).count() == 4
    assert not Report.objects.filter(created_by=cast.imo).exists()  # four eyes: authored by the import clerk


def test_an_import_is_visible_only_within_its_organisation(cast, tmp_path):
    from accounts.access import access_import
    from core.errors import NotFoundOrNoAccess

    imp = new_import(cast, gpkg(tmp_path / "a.gpkg", squares(1), ["1"]), "nts", organisation=cast.alpha,
                     user=cast.clerk)  # fmt: skip
    assert access_import(cast.approver, imp.pk, write=True) == imp
    assert access_import(cast.imo, imp.pk) == imp  # the authority sees every import
    with pytest.raises(NotFoundOrNoAccess):
        access_import(cast.outsider, imp.pk)


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_mid_way_leaves_no_record(tmp_path):
    cast = make_cast()
    path = gpkg(tmp_path / "many.gpkg", squares(400), [str(i) for i in range(400)])
    # The same server as the test run, the test database (committed data: transaction=True).
    base = urlparse(os.environ["DATABASE_URL"])
    url = urlunparse(base._replace(path="/" + settings.DATABASES["default"]["NAME"]))
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(tmp_path / "media"), "PYTHONUNBUFFERED": "1"}
    cmd = [str(Path(sys.executable).with_name("clearground")), "import", str(path), "--kind", "nts",
           "--organisation", cast.authority.code, "--approve", "--sole-approver", SOLE]  # fmt: skip
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    seen, deadline = b"", time.monotonic() + 120
    try:
        # Wait until the progress bar shows rows entered (inside the one transaction), then kill it.
        while time.monotonic() < deadline and child.poll() is None:
            ready, _, _ = select.select([child.stderr], [], [], 1)
            if ready:
                seen += os.read(child.stderr.fileno(), 4096)  # type: ignore[union-attr]
                done = [int(part.split(b"/")[0].split()[-1]) for part in seen.replace(b"\r", b"\n").split(b"\n")
                        if b"/400" in part and part.split(b"/")[0].split()[-1].isdigit()]  # fmt: skip
                if done and max(done) >= 20:
                    break
        assert child.poll() is None, f"the import ended before it could be killed: {seen[-500:]!r}"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert Report.objects.count() == 0
    assert ImportedRecord.objects.count() == 0 and HazardousArea.objects.count() == 0
    assert Import.objects.get().status == "running"  # the Import says it never finished


def test_previewing_a_finished_import_shows_a_re_run_and_keeps_its_status(cast, tmp_path):
    imp = new_import(cast, gpkg(tmp_path / "a.gpkg", squares(2), ["1", "2"]), "nts", mapping=MAPPING)
    imp = service.run_import(imp, acting_user=cast.imo, approve=True, sole_approval=SOLE)

    preview = service.preview_import(imp)

    assert preview["counts"]["duplicates"] == 2
    imp.refresh_from_db()
    assert imp.status == "approved" and imp.counts["imported"] == 2
