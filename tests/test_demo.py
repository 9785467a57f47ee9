"""The demo scenario: built through the report actions, it satisfies the register's invariants."""

import datetime as dt
import random
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, models, transaction
from django.test import override_settings

from demo.people import DEMO_LOGINS, DEMO_PASSWORD
from demo.scenario import Mix, StoryWriter
from demo.shapes import Frame
from hazards.models import AREA_TOLERANCE_M2, Find, HazardousArea, LandReleaseProduct, area_tolerance
from places.models import AdminArea
from reports.models import Report, ReportStatus


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One small demo (30 hazards) shared by this module's tests, rolled back at the end."""
    # Like conftest's fast_password_hashing, which is function-scoped and so not yet active here.
    # Tasking on, as a new install has it (decision 0050): every report of work must find its task.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                             CLEARGROUND_TASKING_REQUIRED=True)  # fmt: skip
    with django_db_blocker.unblock(), fast, transaction.atomic():
        out = StringIO()
        call_command("demo", scale=30, seed=1, workers=1, stdout=out, stderr=StringIO(), verbosity=0)
        yield out.getvalue()
        transaction.set_rollback(True)


def counts():
    return [m.objects.count() for m in (HazardousArea, Report, LandReleaseProduct, Find, User)]


def sql(query, params=()):
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def test_the_demo_registers_at_least_the_requested_number_of_hazards_from_approved_reports(demo, db):
    assert HazardousArea.objects.count() >= 30
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.APPROVED}
    assert "30 hazards" in demo and "reports/s" in demo
    kinds = set(Report.objects.values_list("kind", flat=True))
    assert {"nts", "ts_progress", "clearance_progress", "completion"} <= kinds


def test_every_demo_hazard_conserves_its_area(demo, db):
    for h in HazardousArea.objects.all():
        total = h.cancelled_m2 + h.reduced_m2 + h.cleared_m2 + h.remaining_area_m2
        assert abs(h.original_area_m2 - total) <= area_tolerance(h.original_area_m2), h.code


def test_every_closed_demo_hazard_has_nothing_remaining(demo, db):
    closed = HazardousArea.objects.filter(status="closed")
    assert closed.exists()
    assert all(h.remaining_area_m2 == 0 for h in closed)


def test_every_demo_product_lies_within_its_hazard(demo, db):
    outside = sql(
        """
        SELECT p.id FROM hazards_landreleaseproduct p JOIN hazards_hazardousarea h ON h.id = p.hazard_id
        WHERE NOT ST_Within(p.geom, ST_Buffer(h.geom::geography, 1)::geometry)
        """
    )
    assert LandReleaseProduct.objects.count() > 0
    assert outside == []


def test_the_products_of_a_demo_hazard_do_not_overlap(demo, db):
    overlaps = sql(
        """
        SELECT a.id, b.id FROM hazards_landreleaseproduct a
        JOIN hazards_landreleaseproduct b ON a.hazard_id = b.hazard_id AND a.id < b.id
        WHERE ST_Intersects(a.geom, b.geom) AND ST_Area(ST_Intersection(a.geom, b.geom)::geography) > %s
        """,
        [AREA_TOLERANCE_M2],  # shared edges, reprojected, may overlap by a few square centimetres
    )
    assert overlaps == []


def test_the_demo_puts_hazards_inside_the_provinces_of_the_country(demo, db):
    assert not HazardousArea.objects.filter(admin_area__isnull=True).exists()
    assert set(HazardousArea.objects.values_list("admin_area__level", flat=True)) == {1}
    assert AdminArea.objects.filter(country_iso3="UKR", level=0).count() == 1


def test_each_role_has_a_demo_login(demo, db):
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.memberships.filter(role=login.role, organisation__code=login.org).exists()
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_superuser == (login.username == "admin")


def test_demo_if_empty_adds_nothing_when_hazards_exist(demo, db):
    before = counts()
    out = StringIO()
    call_command("demo", scale=5, seed=2, if_empty=True, workers=1, stdout=out, verbosity=0)
    assert counts() == before
    assert "no demo data added" in out.getvalue()


def test_demo_logins_prints_the_url_and_only_the_logins_that_exist(demo, db):
    User.objects.filter(username="qa").delete()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    assert "imo" in text and "Information management officer" in text and DEMO_PASSWORD in text
    assert "\nqa " not in text and "QA officer" not in text


def test_the_same_seed_tells_the_same_story():
    def story(seed):
        rng = random.Random(seed)
        frame = Frame(32637, 300_000, 5_500_000, 0.3)
        writer = StoryWriter(
            rng, frame=frame, area_m2=40_000, org="alpha", scopes=("nts", "ts", "clearance"), mix=Mix()
        )
        return [(s.kind, s.on, s.payload) for s in writer.write(dt.date(2022, 7, 1))]

    assert story("1:7") == story("1:7")
    assert story("1:7") != story("1:8")


def test_loading_admin_areas_twice_creates_no_duplicates(db):
    call_command("load_admin_areas", country=["LBN"], stdout=StringIO(), verbosity=0)
    first = sorted(AdminArea.objects.filter(country_iso3="LBN").values_list("pcode", "level", "parent__pcode"))
    out = StringIO()
    call_command("load_admin_areas", country=["LBN"], stdout=out, verbosity=0)
    again = sorted(AdminArea.objects.filter(country_iso3="LBN").values_list("pcode", "level", "parent__pcode"))
    assert again == first
    assert "0 created" in out.getvalue()
    assert ("LB", 0, None) in first and ("LBBA", 1, "LB") in first
    assert all(AdminArea.objects.get(pcode=p).geom.valid for p, _, _ in first)


def test_its_reports_of_work_belong_to_tasks_issued_to_their_operators(demo):
    from operations.models import Task

    work = Report.objects.filter(kind__in=["ts_progress", "clearance_progress", "completion", "handover", "eod_spot"])
    assert work.count() > 10
    assert not work.filter(task__isnull=True).exists()
    assert not work.exclude(task__organisation=models.F("organisation")).exists()
    assert Task.objects.filter(call_out=False, status="completed").exists()
    assert set(Task.objects.values_list("status", flat=True)) <= {"started", "suspended", "completed"}
    assert not Task.objects.filter(call_out=False, team__isnull=True).exists()
