"""The admin works without internet: every page the superuser opens loads scripts and styles from us.

GeoDjango's map widget pulls OpenLayers from a CDN; our admins show geometry as text instead. The
register (hazards, reports and their facts) is read-only here: writes go through reports/actions.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, Organisation
from accounts.tokens import issue_token
from hazards.models import Evidence, HazardousArea
from places.models import AdminArea
from reports.delegations import grant_approval_delegation
from reports.models import Report
from tests.test_role_matrix import World, build_world

EDITABLE = {"accounts.organisation", "accounts.membership", "places.adminarea", "auth.user", "auth.group"}
READ_ONLY = {
    "hazards.hazardousarea",
    "reports.report",
    "reports.reporttransition",
    "hazards.landreleaseproduct",
    "hazards.activity",
    "hazards.find",
    "hazards.evidence",
    "accounts.auditentry",
    "accounts.apitoken",
}
MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label_lower)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The role matrix's register plus a superuser, rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        root = User.objects.create_superuser("root", password="test-password-1")
        Group.objects.create(name="Field team")
        issue_token(root)
        grant_approval_delegation(acting_user=User.objects.get(username="admin"),
                                  organisation=Organisation.objects.get(code="alpha"), kind="eod_spot",
                                  reason="an admin page to show")  # fmt: skip
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def site(db: None, world: World) -> Client:
    client = Client()
    client.force_login(User.objects.get(username="root"))
    return client


class Assets(HTMLParser):
    """Collects every <script src> and <link href> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def assert_served_offline(html: str) -> None:
    parser = Assets()
    parser.feed(html)
    assert parser.urls, "expected the admin's own scripts and styles"
    outside = [u for u in parser.urls if "://" in u or u.startswith("//") or "cdn" in u.lower()]
    assert outside == []
    assert "ol.js" not in html and "OpenLayers" not in html


def url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_registered_models_are_the_ones_an_im_officer_needs() -> None:
    labels = {m._meta.label_lower for m in MODELS}
    assert EDITABLE | READ_ONLY <= labels


def test_the_admin_index_loads_nothing_from_outside(site: Client) -> None:
    response = site.get("/admin/")

    assert response.status_code == 200
    assert_served_offline(response.content.decode())


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
def test_each_changelist_and_object_page_loads_nothing_from_outside(site: Client, model: type[Model]) -> None:
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the fixture should hold a {model._meta.label}"

    for path in (url(model, "changelist"), url(model, "change", obj.pk)):
        response = site.get(path)
        assert response.status_code == 200, path
        assert_served_offline(response.content.decode())


@pytest.mark.parametrize(
    "model", [m for m in MODELS if m._meta.label_lower in EDITABLE], ids=lambda m: m._meta.label_lower
)
def test_each_add_page_of_an_editable_model_loads_nothing_from_outside(site: Client, model: type[Model]) -> None:
    response = site.get(url(model, "add"))

    assert response.status_code == 200
    assert_served_offline(response.content.decode())


@pytest.mark.parametrize("label", sorted(READ_ONLY))
def test_the_register_cannot_be_added_to_changed_or_deleted_in_the_admin(site: Client, label: str) -> None:
    model = next(m for m in MODELS if m._meta.label_lower == label)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None
    before = model._default_manager.count()

    add = site.get(url(model, "add"))
    change = site.post(url(model, "change", obj.pk), {})
    delete = site.post(url(model, "delete", obj.pk), {"post": "yes"})
    page = site.get(url(model, "change", obj.pk)).content.decode()

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert model._default_manager.count() == before
    assert 'name="_save"' not in page


def test_an_admin_area_boundary_is_edited_as_text_in_ewkt_or_geojson(site: Client, world: World) -> None:
    area = world.cast.area
    page = site.get(url(AdminArea, "change", area.pk)).content.decode()
    assert '<textarea name="geom"' in page
    assert "SRID=4326;MULTIPOLYGON" in page

    ewkt = "SRID=4326;MULTIPOLYGON(((36 49,37 49,37 50,36 50,36 49)))"
    geojson = '{"type": "MultiPolygon", "coordinates": [[[[36, 49], [38, 49], [38, 51], [36, 51], [36, 49]]]]}'
    for text, east in ((ewkt, 37), (geojson, 38)):
        response = site.post(
            url(AdminArea, "change", area.pk),
            {"pcode": area.pcode, "name": "Renamed Oblast", "level": 1, "parent": area.parent_id,
             "country_iso3": "UKR", "geom": text},
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:2000]
        saved = AdminArea.objects.get(pk=area.pk)
        assert saved.name == "Renamed Oblast" and saved.geom.srid == 4326
        assert saved.geom.extent == (36, 49, east, 49 + east - 36)


def test_geometry_is_shown_as_a_line_of_text_not_coordinates_or_a_map(site: Client, world: World) -> None:
    page = site.get(url(HazardousArea, "change", world.hazard)).content.decode()

    assert "MultiPolygon, 5 vertices, centre 36.2" in page
    assert "coordinates" not in page and "MULTIPOLYGON" not in page


def test_the_admin_never_shows_an_informant(site: Client, world: World) -> None:
    evidence = Evidence.objects.exclude(informant_name="").first()
    assert evidence is not None
    pages = [
        site.get(url(Evidence, "changelist")),
        site.get(url(Evidence, "change", evidence.pk)),
        site.get(url(Report, "change", world.ts_report)),
        site.get(url(Report, "change", world.nts_report)),
        site.get(url(AuditEntry, "changelist")),
        *[site.get(url(AuditEntry, "change", pk)) for pk in AuditEntry.objects.values_list("pk", flat=True)[:20]],
    ]

    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        assert "Petro S." not in text and "Olena K." not in text and "+380" not in text
    assert AuditEntry.objects.filter(action="personal_data.read").count() == 0
