"""OGC API – Features read by real clients: GDAL's OAPIF driver (through pyogrio) and OWSLib.

The API runs in gunicorn in a subprocess pointed at the test database, as it would in production.
(pytest-django's in-process `live_server` deadlocks with pyogrio, which keeps Python's lock while GDAL
waits for the server thread.) Every answer is compared with a direct SQL query of the publish view.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pyogrio
import pytest
import requests
from django.db import connection
from owslib.ogcapi.features import Features
from pyogrio import raw

from accounts.tokens import issue_token
from clearground.test import Cast, point, rect
from hazards.indications import Indication, record_hazard_indications
from interop.collections import COLLECTIONS
from reports.actions import approve_report, create_report
from tests.helpers import activity, approved, register_hazard
from tests.test_casualties_recording import accident_payload
from tests.test_risk_education import session_payload

pytestmark = pytest.mark.django_db(transaction=True)
PUBLIC = [cid for cid, c in COLLECTIONS.items() if not c.restricted]


def _database_url() -> str:
    db = connection.settings_dict
    user, password = quote(db["USER"] or ""), quote(db["PASSWORD"] or "")
    host = db["HOST"] or ""
    if host.startswith("/"):  # the throwaway cluster listens on a Unix socket only
        return f"postgres://{user}:{password}@/{db['NAME']}?host={quote(host)}"
    return f"postgres://{user}:{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The base URL of a gunicorn serving Clearground on the test database."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "CLEARGROUND_CONN_MAX_AGE": "0"}
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "clearground.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", "--log-level", "warning"],
        cwd=root, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def world(cast: Cast) -> Cast:
    """Alpha's two hazards (one partly cleared, with finds), a risk education session, accidents of Alpha and Bravo."""
    hazard = register_hazard(cast, 100, name="Поле біля школи")
    register_hazard(cast, 60, name="Orchard, east side", beneficiaries=None)
    approved(cast, "clearance_progress", {
        "activity": activity(),
        "cleared": [{"geometry": rect(0, 0, 40, 100), "depth_cm": 20}],
        "finds": [{"category": "ap_mine", "quantity": 2, "model": "PMN-2"}, {"category": "uxo", "quantity": 1}],
    }, hazard=hazard)  # fmt: skip
    approved(cast, "risk_education", session_payload())
    approved(cast, "accident", accident_payload())
    payload = accident_payload(location=point(900, 900), occurred_at="2024-01-30T08:00:00Z")
    bravo = create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="accident",
                          date_of_information=dt.date(2024, 2, 1), submit=True, payload=payload)  # fmt: skip
    approve_report(bravo, acting_user=cast.imo)
    lifted = point(700, 700)["coordinates"]  # a lifted minefield: a hazard indication, not a hazard (decision 0048)
    record_hazard_indications([Indication("W-1", lifted[0], lifted[1], 2021, "Near the old road", "lifted_minefield")],
                              acting_user=cast.imo, organisation=cast.alpha, source="test")  # fmt: skip
    return cast


@pytest.fixture(autouse=True)
def no_gdal_headers() -> Iterator[None]:
    yield
    pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": None})


def as_token(user: Any, tmp_path: Path) -> None:
    """GDAL sends this user's DRF token with every request (as QGIS does with a custom header).

    GDAL_HTTP_HEADER_FILE, not GDAL_HTTP_HEADERS: GDAL 3.12's OAPIF driver sets its own Accept header
    per request, and then GDAL_HTTP_HEADERS is not sent at all (seen with CPL_CURL_VERBOSE).
    """
    key = issue_token(user).key
    headers = tmp_path / f"headers-{user.username}.txt"
    headers.write_text(f"Authorization: Token {key}\n")
    pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": str(headers)})


def member_key() -> str:
    """The token of a signed-in user of no organisation: the register is not published anonymously (0037)."""
    from django.contrib.auth.models import User

    reader = User.objects.get_or_create(username="reader")[0]
    return issue_token(reader).key


def as_member(tmp_path: Path) -> dict[str, str]:
    """GDAL reads as a signed-in member from now on; the header for requests and OWSLib."""
    from django.contrib.auth.models import User

    member_key()
    as_token(User.objects.get(username="reader"), tmp_path)
    return {"Authorization": f"Token {member_key()}"}


def sql_rows(cid: str, where: str = "", params: list[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM publish.{cid} {where} ORDER BY id", params or [])  # test-only SQL, our names
        return [d.name for d in cur.description], cur.fetchall()


def same(a: Any, b: Any) -> bool:
    """A value from GDAL equals the one from SQL (dates and times come back as numpy datetimes)."""
    if b is None:
        return a is None or (isinstance(a, float) and math.isnan(a)) or (isinstance(a, np.datetime64) and np.isnat(a))
    if isinstance(b, dt.datetime):
        gap = np.datetime64(b.astimezone(dt.UTC).replace(tzinfo=None), "us") - np.datetime64(a, "us")
        return bool(abs(gap) <= np.timedelta64(1, "ms"))  # GDAL keeps milliseconds, rounded
    if isinstance(b, dt.date):
        return str(a)[:10] == b.isoformat()
    if isinstance(b, float | int) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    return str(a) == str(b)


def test_gdal_reads_every_public_collection_exactly_as_sql_reads_the_view(
    server: str, world: Cast, tmp_path: Path
) -> None:
    source = f"OAPIF:{server}/ogc/"
    assert [str(name) for name, _ in pyogrio.list_layers(source)] == ["released_land"]  # anonymous: published only
    as_member(tmp_path)
    assert sorted(str(name) for name, _ in pyogrio.list_layers(source)) == sorted(PUBLIC)
    for cid in PUBLIC:
        names, rows = sql_rows(cid)
        assert rows, f"the world should put rows in {cid}"
        info = pyogrio.read_info(source, layer=cid)
        assert info["features"] == len(rows), cid
        meta, fids, geoms, data = raw.read(source, layer=cid, return_fids=True)
        fields = list(meta["fields"])
        assert set(fields) == set(names) - {"id", "geom"}, cid
        assert list(fids) == [r[names.index("id")] for r in rows], cid
        for field, values in zip(fields, data, strict=True):
            expected = [r[names.index(field)] for r in rows]
            assert all(same(a, b) for a, b in zip(values, expected, strict=True)), (cid, field, values, expected)


def test_anonymous_gdal_sees_no_accidents_the_im_officer_sees_all_and_bravos_clerk_only_bravos(
    server: str, world: Cast, tmp_path: Path
) -> None:
    source = f"OAPIF:{server}/ogc/"
    assert "accidents" not in [str(name) for name, _ in pyogrio.list_layers(source)]
    assert requests.get(f"{server}/ogc/collections/accidents/items", timeout=10).status_code == 404

    _, everyone = sql_rows("accidents")
    _, bravos = sql_rows("accidents", "WHERE organisation_id = %s", [world.bravo.pk])
    as_token(world.imo, tmp_path)
    assert pyogrio.read_info(source, layer="accidents")["features"] == len(everyone) == 2
    as_token(world.outsider, tmp_path)
    assert pyogrio.read_info(source, layer="accidents")["features"] == len(bravos) == 1
    meta, fids, _, data = raw.read(source, layer="accidents", return_fids=True)
    assert list(fids) == [bravos[0][0]]
    assert set(data[list(meta["fields"]).index("organisation")]) == {"Operator Bravo"}


def test_a_wrong_token_is_refused_not_ignored(server: str, world: Cast) -> None:
    answer = requests.get(f"{server}/ogc/collections/hazardous_areas/items",
                          headers={"Authorization": "Token not-a-token"}, timeout=10)  # fmt: skip
    assert answer.status_code == 401
    assert answer.json()["code"] == "Unauthorized"


def test_owslib_lists_the_collections_and_pages_through_the_items(server: str, world: Cast, tmp_path: Path) -> None:
    for i in range(3):  # five hazards in all: three pages of two
        register_hazard(world, 30, name=f"Extra {i}")
    api = Features(f"{server}/ogc/", headers=as_member(tmp_path))
    assert sorted(c["id"] for c in api.collections()["collections"]) == sorted(PUBLIC)
    _, rows = sql_rows("hazardous_areas")
    seen: list[int] = []
    offset = 0
    while True:
        page = api.collection_items("hazardous_areas", limit=2, offset=offset)
        assert page["numberMatched"] == len(rows) == 5
        assert page["numberReturned"] == len(page["features"]) <= 2
        seen += [f["id"] for f in page["features"]]
        rels = {link["rel"]: link["href"] for link in page["links"]}
        assert ("prev" in rels) == (offset > 0)
        if "next" not in rels:
            break
        assert f"offset={offset + 2}" in rels["next"]
        offset += 2
    assert seen == [r[0] for r in rows]


def test_a_cql2_filter_returns_the_rows_the_same_condition_returns_in_sql(
    server: str, world: Cast, tmp_path: Path
) -> None:
    register_hazard(world, 30, name="Small one", beneficiaries=5)
    api = Features(f"{server}/ogc/", headers=as_member(tmp_path))
    cql = "beneficiaries > 50 AND name LIKE '%school%' OR remaining_area_m2 < 2000"
    page = api.collection_items("hazardous_areas", filter=cql, limit=100)
    _, rows = sql_rows(
        "hazardous_areas", "WHERE beneficiaries > 50 AND name LIKE %s OR remaining_area_m2 < 2000", ["%school%"]
    )
    assert rows and len(rows) < 4
    assert [f["id"] for f in page["features"]] == [r[0] for r in rows]
    spatial = api.collection_items("finds", filter="S_INTERSECTS(geom, BBOX(36.19, 49.94, 36.21, 49.96))")
    assert spatial["numberMatched"] == len(sql_rows("finds")[1]) == 2


def test_coordinates_in_web_mercator_equal_st_transform_in_sql(server: str, world: Cast) -> None:
    answer = requests.get(f"{server}/ogc/collections/hazardous_areas/items",
                          params={"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"},
                          headers={"Authorization": f"Token {member_key()}"}, timeout=10)  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/3857>"
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, ST_X(d.geom), ST_Y(d.geom) FROM publish.hazardous_areas, "
            "ST_DumpPoints(ST_Transform(geom, 3857)) AS d ORDER BY id, d.path"
        )
        expected: dict[int, list[tuple[float, float]]] = {}
        for pk, x, y in cur.fetchall():
            expected.setdefault(pk, []).append((x, y))
    for feature in answer.json()["features"]:
        got = [tuple(xy) for poly in feature["geometry"]["coordinates"] for ring in poly for xy in ring]
        assert len(got) == len(expected[feature["id"]])
        for (x, y), (ex, ey) in zip(got, expected[feature["id"]], strict=True):
            assert abs(x - ex) <= 0.0005 and abs(y - ey) <= 0.0005  # three decimals: 1 mm
        assert 4_000_000 < got[0][0] < 4_100_000  # metres east, not degrees


def test_a_bad_bbox_is_a_400_that_names_the_parameter(server: str, world: Cast) -> None:
    answer = requests.get(f"{server}/ogc/collections/hazardous_areas/items", params={"bbox": "36,49,east"},
                          headers={"Authorization": f"Token {member_key()}"}, timeout=10)  # fmt: skip
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/json"
    assert [e["field"] for e in answer.json()["errors"]] == ["bbox"]
