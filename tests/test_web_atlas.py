"""The map page and the hazard page (web.atlas): access, the start view, "as known on", query counts."""

import datetime as dt
import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from clearground.test import LON0, rect
from tests.helpers import activity, approved, register_hazard


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def config_of(response) -> dict:
    match = re.search(r'<script id="atlas-config" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the map page embeds its configuration"
    return json.loads(match.group(1))


def reduce(cast, hazard, on: dt.date, x1: float = 40):
    payload = {"activity": activity(on.isoformat()), "reduced": [{"geometry": rect(0, 0, x1, 100)}]}
    return approved(cast, "ts_progress", payload, hazard=hazard, on=on)


# ---- /map/


def test_the_map_page_asks_anonymous_visitors_to_sign_in_since_its_layers_are_not_published(cast):
    # Decision 0037: the public gets the released-land summary (the home page) and published collections.
    response = client_for().get("/map/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client_for(cast.viewer).get("/map/")
    assert response.status_code == 200
    assert 'class="fullmap"' in response.content.decode()  # the map fills the window (decision 0052)


def test_the_map_page_asks_for_sign_in_when_the_register_is_not_published_anonymously(cast, settings):
    settings.CLEARGROUND_PUBLISH_ANONYMOUS = False
    response = client_for().get("/map/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client_for(cast.viewer).get("/map/").status_code == 200


def test_the_map_starts_at_the_bounds_of_the_hazards_in_the_users_scope(cast):
    register_hazard(cast, 100)
    bounds = config_of(client_for(cast.clerk).get("/map/"))["bounds"]
    west, south, east, north = bounds
    assert west < LON0 + 0.0001 < east and south < north
    assert east - west < 0.1  # fitted to the small hazard, not the world


def test_the_map_starts_at_a_sane_default_when_the_user_has_no_hazards(cast):
    register_hazard(cast, 100)  # alpha's: the outsider's scope (bravo) is empty
    bounds = config_of(client_for(cast.outsider).get("/map/"))["bounds"]
    assert bounds[2] - bounds[0] > 100


def test_the_map_embeds_no_hazard_geometry_only_tile_templates(cast):
    register_hazard(cast, 100)
    response = client_for(cast.viewer).get("/map/")
    config = config_of(response)
    assert config["tiles"]["hazardous_areas"].endswith("/tiles/hazardous_areas/{z}/{x}/{y}")
    assert '"coordinates":' not in response.content.decode()  # no GeoJSON (the page now says "coordinates" in words)


@pytest.mark.parametrize(("who", "has_accidents"), [("viewer", True), ("clerk", True), ("outsider", True)])
def test_the_accidents_layer_is_offered_only_to_those_the_tiles_would_serve(cast, who, has_accidents):
    response = client_for(getattr(cast, who)).get("/map/")
    assert ("accidents" in config_of(response)["tiles"]) is has_accidents
    assert ('value="accidents"' in response.content.decode()) is has_accidents


def test_the_popup_links_only_hazards_whose_page_the_user_may_open(cast):
    assert config_of(client_for(cast.viewer).get("/map/"))["linkable"] is None
    assert config_of(client_for(cast.clerk).get("/map/"))["linkable"] == [cast.alpha.pk]
    stranger = User.objects.create_user("stranger", password="test-password-1")  # signed in, no membership
    assert config_of(client_for(stranger).get("/map/"))["linkable"] == []


def test_the_organisation_filter_offers_organisations_responsible_for_hazards(cast):
    register_hazard(cast, 100)
    page = client_for(cast.viewer).get("/map/").content.decode()
    assert f'<option value="{cast.alpha.pk}">Operator Alpha</option>' in page
    assert "Operator Bravo" not in page


# ---- /map/hazards/<pk>/


def test_an_outsider_gets_404_for_another_operators_hazard_and_learns_nothing(cast):
    hazard = register_hazard(cast, 100)
    response = client_for(cast.outsider).get(f"/map/hazards/{hazard.pk}/")
    assert response.status_code == 404
    assert hazard.code not in response.content.decode()
    missing = client_for(cast.outsider).get("/map/hazards/999999/")
    assert missing.status_code == 404


def test_an_anonymous_visitor_gets_404_for_a_hazard_page(cast):
    hazard = register_hazard(cast, 100)
    assert client_for().get(f"/map/hazards/{hazard.pk}/").status_code == 404


def test_the_clerk_sees_their_own_organisations_hazard(cast):
    hazard = register_hazard(cast, 100)
    reduce(cast, hazard, dt.date(2024, 2, 5))
    response = client_for(cast.clerk).get(f"/map/hazards/{hazard.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert hazard.code in page and "Field north of the school" in page
    assert "Operator Alpha" in page and "Test Oblast" in page
    assert "Reduced" in page  # the product's row
    assert "Technical survey progress #" in page  # the timeline names the approved report
    geojson = json.loads(re.search(r'<script id="hazard-geojson" type="application/json">(.*?)</script>',
                                   page, re.S).group(1))  # fmt: skip
    assert [f["properties"]["role"] for f in geojson["features"]] == ["hazard", "product"]


def area_cell(page: str, name: str) -> str:
    return re.search(rf'data-area="{name}">([^<]*)<', page).group(1)


def test_the_as_known_on_date_changes_what_is_shown(cast):
    hazard = register_hazard(cast, 100, on=dt.date(2024, 1, 15))
    reduce(cast, hazard, dt.date(2024, 2, 5))
    client = client_for(cast.imo)
    now = client.get(f"/map/hazards/{hazard.pk}/").content.decode()
    before = client.get(f"/map/hazards/{hazard.pk}/?on=2024-01-31").content.decode()
    assert area_cell(before, "reduced") == "0"
    assert area_cell(now, "reduced") != "0"
    assert area_cell(before, "remaining") != area_cell(now, "remaining")
    assert "State as known on" in before and "Current state" in now


def test_a_date_before_anything_was_known_is_explained_next_to_the_field(cast):
    hazard = register_hazard(cast, 100, on=dt.date(2024, 1, 15))
    response = client_for(cast.imo).get(f"/map/hazards/{hazard.pk}/?on=2023-01-01")
    assert response.status_code == 400
    assert "Nothing was known of" in response.content.decode()
    bad = client_for(cast.imo).get(f"/map/hazards/{hazard.pk}/?on=yesterday")
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()


@pytest.mark.parametrize(
    ("code", "words"), [("uk", ["Поточний стан", "У роботі"]), ("ar", ["الحالة الحالية", "قيد العمل"])]
)
def test_the_hazard_page_is_translated_with_its_vocabulary(cast, settings, code, words):
    hazard = register_hazard(cast, 100)
    reduce(cast, hazard, dt.date(2024, 2, 5))  # a technical survey: the hazard is now worked on
    client = client_for(cast.imo)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    page = client.get(f"/map/hazards/{hazard.pk}/").content.decode()
    for word in words:
        assert word in page


def history(cast, hazard, n: int) -> None:
    for i in range(n):
        payload = {"activity": activity((dt.date(2024, 2, 1) + dt.timedelta(days=i)).isoformat()),
                   "reduced": [{"geometry": rect(10 * i, 0, 10 * (i + 1), 100)}]}  # fmt: skip
        approved(cast, "ts_progress", payload, hazard=hazard, on=dt.date(2024, 2, 1) + dt.timedelta(days=i))


@pytest.mark.parametrize("on", ["", "?on=2024-03-01"])
def test_the_hazard_page_costs_the_same_few_queries_however_long_its_history(cast, django_assert_num_queries, on):
    small = register_hazard(cast, 100)
    history(cast, small, 1)
    large = register_hazard(cast, 100)
    history(cast, large, 4)
    client = client_for(cast.imo)
    client.get(f"/map/hazards/{small.pk}/{on}")  # warm: content types, translations
    # session, user, memberships, hazard, versions, status changes, products, activities, finds, task orders,
    # the bell's unread notifications (decision 0053) (+ the version in force and three sums for "as known on")
    expected = 11 + (4 if on else 0)
    for hazard in (small, large):
        with django_assert_num_queries(expected):
            assert client.get(f"/map/hazards/{hazard.pk}/{on}").status_code == 200


def test_the_map_page_costs_six_queries_however_many_hazards(cast, django_assert_num_queries):
    register_hazard(cast, 100)
    client = client_for(cast.imo)
    client.get("/map/")  # warm
    for size in (200, 300):
        register_hazard(cast, size)
        # session, user, memberships, the start extent, the organisations with hazards, the bell (decision 0053)
        with django_assert_num_queries(6):
            assert client.get("/map/").status_code == 200
