"""Prioritisation for tasking (decision 0054): scores by hand, a past ranking reproduced, who reads and who sets."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from accounts.models import AuditEntry
from clearground.test import Cast, point, square
from core.errors import NotAllowed, ValidationFailed
from hazards.models import HazardousArea
from operations.actions import issue_task, set_priority_weights
from operations.models import PriorityWeights
from operations.priorities import DEFAULT_WEIGHTS, Weights, ranking
from places.models import Place
from reports.actions import approve_report, create_report
from tests.helpers import activity, approved, register_hazard
from tests.tasks_helpers import ON, accredited_team, client_for

RANKED_ON = dt.date(2024, 2, 1)

# Version 1, set on 2024-01-20: the figures every hand computation below uses.
W1: dict[str, Any] = {
    "land_use": {"agriculture": 10, "residential": 30, "water": 20},
    "beneficiaries_per_100": 5,
    "blockages": 15,
    "accident": 10,
    "accident_distance_m": 1000,
    "settlement": 20,
    "settlement_distance_m": 5000,
    "settlement_population": 100000,
    "ap_mines": 20,
    "other_devices": 5,
}


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


def accident_near_alpha(cast: Cast) -> None:
    """A civilian accident on 2024-01-12, about 200 m east and 200 m north of Alpha's field."""
    payload = {"accident_kind": "civilian_accident", "occurred_at": "2024-01-12T10:30:00+00:00",
               "location": point(300, 300), "device_category": "ap_mine", "activity": "agriculture",
               "casualties": [{"sex": "male", "age": 40, "outcome": "injured", "category": "civilian",
                               "activity": "agriculture"}]}  # fmt: skip
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="accident",
                           date_of_information=dt.date(2024, 1, 12), payload=payload, submit=True)  # fmt: skip
    approve_report(report, acting_user=cast.imo)


def bravo_field(cast: Cast) -> HazardousArea:
    """Bravo's hazard 5 km east: homes and a well, 400 people, a blocked road, UXO only (not a mined area)."""
    payload = cast.nts_payload(square(100, x=5000), land_use=["residential", "water"], beneficiaries=400,
                               blockages="The road to the school", devices_suspected=["uxo"])  # fmt: skip
    report = create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="nts", date_of_information=ON,
                           payload=payload, submit=True)  # fmt: skip
    report = approve_report(report, acting_user=cast.imo)
    assert report.hazard is not None
    return report.hazard


@pytest.fixture
def world(cast: Cast) -> dict[str, HazardousArea]:
    """Alpha's field (AP mines, farmland, 120 people), Bravo's field, an accident, 50,000 in the oblast."""
    cast.area.population = 50000  # what `clearground load_population` would have found
    cast.area.save(update_fields=["population"])
    alpha = register_hazard(cast)
    bravo = bravo_field(cast)
    accident_near_alpha(cast)
    set_priority_weights(acting_user=cast.imo, weights=W1, reason="First weights of the programme",
                         at=at("2024-01-20"))  # fmt: skip
    return {"alpha": alpha, "bravo": bravo}


def terms(row: Any) -> dict[str, float]:
    items = row.terms if hasattr(row, "terms") else row["terms"]
    return {(t.criterion if hasattr(t, "criterion") else t["criterion"]): (t.points if hasattr(t, "points")
            else t["points"]) for t in items}  # fmt: skip


def test_each_score_is_the_sum_of_its_terms_computed_by_hand(cast: Cast, world: dict[str, HazardousArea]) -> None:
    force, rows = ranking(RANKED_ON)
    assert force.version == 1 and force.in_force_from == dt.date(2024, 1, 20)
    bravo, alpha = sorted(rows, key=lambda r: r.hazard != world["bravo"].pk)
    # Bravo: residential 30 + water 20; 400 × 5/100; blocked 15; no accident within 1 km; 50,000 of a
    # full 100,000 → 20 × 0.5 (no gazetteer loaded); UXO only: other devices 5.
    assert terms(bravo) == {"land_use": 50, "beneficiaries": 20, "blockages": 15, "accidents": 0, "settlement": 10,
                            "devices": 5}  # fmt: skip
    assert bravo.score == 100
    # Alpha: agriculture 10; 120 × 5/100; no blockage; one accident within 1 km × 10; 10; AP mines 20.
    assert terms(alpha) == {"land_use": 10, "beneficiaries": 6, "blockages": 0, "accidents": 10, "settlement": 10,
                            "devices": 20}  # fmt: skip
    assert alpha.score == 56
    assert [(r.hazard, r.rank) for r in rows] == [(world["bravo"].pk, 1), (world["alpha"].pk, 2)]
    shown = {t.criterion: (t.input, t.weight) for t in alpha.terms}
    assert shown["land_use"] == (["agriculture"], {"agriculture": 10.0})
    assert shown["accidents"] == ({"count": 1, "within_m": 1000.0}, 10.0)
    assert shown["settlement"] == ({"admin_area_population": 50000, "full_at": 100000.0}, 20.0)
    assert shown["devices"] == ({"devices": ["ap_mine"], "ap_mines": True}, 20.0)


def test_a_register_of_several_hazards_ranks_in_the_order_its_rules_give(
    cast: Cast, world: dict[str, HazardousArea]
) -> None:
    """Pins the whole order, ties included, so that a faster ranking (decision 0065) cannot change it."""

    def field(x: float, **hazard: Any) -> int:
        # Bravo's fields 10-16 km east: no accident within 1 km; the oblast's 50,000 give each 20 × 0.5.
        payload = cast.nts_payload(square(100, x=x), **hazard)
        report = create_report(acting_user=cast.outsider, organisation=cast.bravo, kind="nts",
                               date_of_information=ON, payload=payload, submit=True)  # fmt: skip
        hazard_id = approve_report(report, acting_user=cast.imo).hazard_id
        assert hazard_id is not None
        return hazard_id

    # water 20; no one; UXO 5; settlement 10: 35.
    water = field(10_000, land_use=["water"], beneficiaries=0, devices_suspected=["uxo"])
    # agriculture 10; 200 × 5/100 = 10; UXO 5; 10: 35 as well, and newer, so after it.
    farm = field(12_000, land_use=["agriculture"], beneficiaries=200, devices_suspected=["uxo"])
    # residential 30; 33 × 5/100 = 1.65; AP mines 20; 10: 61.65.
    homes = field(14_000, land_use=["residential"], beneficiaries=33, devices_suspected=["ap_mine"])
    # forest: not weighed by W1 (0); no one; UXO 5; 10: 15.
    forest = field(16_000, land_use=["forest"], beneficiaries=0, devices_suspected=["uxo"])
    _, rows = ranking(RANKED_ON)
    assert [(r.hazard, r.rank, r.score) for r in rows] == [
        (world["bravo"].pk, 1, 100), (homes, 2, 61.65), (world["alpha"].pk, 3, 56), (water, 4, 35), (farm, 5, 35),
        (forest, 6, 15),
    ]  # fmt: skip
    assert all(r.score == round(sum(t.points for t in r.terms), 2) for r in rows)


def test_the_nearest_gazetteer_place_scores_by_its_distance_once_places_are_loaded(
    cast: Cast, world: dict[str, HazardousArea]
) -> None:
    # A village 2 km north of Alpha's field (whose north edge is 100 m north of the origin).
    Place.objects.create(geonameid=1, name="Vilkhivka", country_iso3="UKR", population=3000,
                         location=_geos(point(50, 2100)), search_names="vilkhivka")  # fmt: skip
    _, rows = ranking(RANKED_ON)
    alpha = next(r for r in rows if r.hazard == world["alpha"].pk)
    settlement = next(t for t in alpha.terms if t.criterion == "settlement")
    assert settlement.input["nearest"] == "Vilkhivka"
    assert settlement.input["distance_m"] == pytest.approx(2000, abs=10)
    assert settlement.points == pytest.approx(20 * (1 - settlement.input["distance_m"] / 5000), abs=0.01)
    bravo = next(r for r in rows if r.hazard == world["bravo"].pk)
    # Bravo is about 5.4 km from the village: beyond the 5 km of the weights, no points.
    assert next(t for t in bravo.terms if t.criterion == "settlement").points == 0


def _geos(geojson: dict[str, Any]) -> Any:
    import json

    from django.contrib.gis.geos import GEOSGeometry

    return GEOSGeometry(json.dumps(geojson), srid=4326)


def test_a_past_ranking_is_reproduced_after_the_weights_and_the_hazard_change(
    cast: Cast, world: dict[str, HazardousArea]
) -> None:
    before = client_for(cast.imo).get("/api/v1/priorities/", {"on": RANKED_ON.isoformat()}).json()
    # In June the authority weighs accidents ten times more; in March a re-survey finds 1,000 people.
    set_priority_weights(acting_user=cast.imo, weights={**W1, "accident": 100}, reason="Accidents rising",
                         at=at("2024-06-01"))  # fmt: skip
    approved(cast, "nts", {"hazard": {"beneficiaries": 1000}, "activity": activity("2024-03-01")},
             hazard=world["alpha"], on=dt.date(2024, 3, 1))  # fmt: skip

    again = client_for(cast.imo).get("/api/v1/priorities/", {"on": RANKED_ON.isoformat()}).json()
    assert again == before
    assert again["weights"]["version"] == 1 and [r["score"] for r in again["results"]] == [100, 56]

    later = client_for(cast.imo).get("/api/v1/priorities/", {"on": "2024-07-01"}).json()
    assert later["weights"]["version"] == 2
    [first, second] = later["results"]
    # Alpha now: 10 + 1000 × 5/100 + 0 + 1 × 100 + 10 + 20 = 190, ahead of Bravo's 100.
    assert (first["hazard"], first["score"], second["score"]) == (world["alpha"].pk, 190, 100)
    assert first["version_sequence"] == 2
    # Before any weights were set, the defaults (version 0) applied.
    defaults = client_for(cast.imo).get("/api/v1/priorities/", {"on": "2024-01-19"}).json()["weights"]
    assert defaults == {"version": 0, "in_force_from": None, "weights": Weights.parse(DEFAULT_WEIGHTS).as_json()}


def test_a_hazard_not_yet_known_or_closed_on_the_day_is_not_ranked(cast: Cast, world: dict[str, HazardousArea]) -> None:
    _, rows = ranking(dt.date(2024, 1, 20))  # Bravo's field was registered on 1 February
    assert [r.hazard for r in rows] == [world["alpha"].pk]


def test_the_command_prints_the_ranking_and_its_csv(cast: Cast, world: dict[str, HazardousArea]) -> None:
    out = io.StringIO()
    call_command("priorities", "--on", "2024-02-01", "--csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("rank,hazard,code,score,weights_version,on,land_use_points")
    assert lines[1].startswith(f"1,{world['bravo'].pk},{world['bravo'].code},100.0,1,2024-02-01,50.0,20.0,15.0")
    assert lines[2].startswith(f"2,{world['alpha'].pk},{world['alpha'].code},56.0,1,")
    text = io.StringIO()
    call_command("priorities", "--on", "2024-02-01", stdout=text)
    assert "weights version 1: 2 open hazards" in text.getvalue()


def test_an_operator_reads_only_its_hazards_with_their_national_rank(
    cast: Cast, world: dict[str, HazardousArea]
) -> None:
    def seen(user: User) -> list[tuple[int, int]]:
        answer = client_for(user).get("/api/v1/priorities/", {"on": RANKED_ON.isoformat()})
        assert answer.status_code == 200
        return [(r["hazard"], r["rank"]) for r in answer.json()["results"]]

    assert seen(cast.clerk) == [(world["alpha"].pk, 2)]
    assert seen(cast.outsider) == [(world["bravo"].pk, 1)]
    assert seen(cast.viewer) == [(world["bravo"].pk, 1), (world["alpha"].pk, 2)]
    # Tasked with Bravo's field, Alpha sees it for the task's life.
    accredited_team(cast)
    issue_task(acting_user=cast.imo, organisation=cast.alpha, activity_kind="clearance", hazard=world["bravo"],
               start_on=ON)  # fmt: skip
    assert seen(cast.approver) == [(world["bravo"].pk, 1), (world["alpha"].pk, 2)]


def test_a_user_of_no_organisation_and_a_visitor_read_nothing(cast: Cast, world: dict[str, HazardousArea]) -> None:
    stranger = User.objects.create_user("stranger", password="test-password-1")
    assert client_for(stranger).get("/api/v1/priorities/").status_code == 403
    assert client_for(stranger).get("/api/v1/priority-weights/").status_code == 403
    assert client_for(stranger).post("/api/v1/priority-weights/", {"weights": W1, "reason": "x"},
                                     format="json").status_code == 403  # fmt: skip
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/priorities/").status_code in (401, 403)
    assert client_for(cast.clerk).get("/api/v1/priorities/", {"on": "1st of May"}).json()["errors"] == [
        {"field": "on", "code": "invalid", "message": "'1st of May' is not a date (YYYY-MM-DD)"}
    ]


@pytest.mark.parametrize("who", ["qa", "viewer", "approver", "clerk", "outsider"])
def test_only_the_authoritys_im_officers_and_admin_set_weights(cast: Cast, who: str) -> None:
    answer = client_for(getattr(cast, who)).post("/api/v1/priority-weights/",
                                                 {"weights": W1, "reason": "Mine now"}, format="json")  # fmt: skip
    assert answer.status_code == 403
    with pytest.raises(NotAllowed):
        set_priority_weights(acting_user=getattr(cast, who), weights=W1, reason="Mine now")
    assert not PriorityWeights.objects.exists()


def test_a_new_weights_version_is_numbered_audited_and_listed(cast: Cast) -> None:
    imo, admin = client_for(cast.imo), client_for(cast.admin)
    first = imo.post("/api/v1/priority-weights/", {"weights": W1, "reason": "Programme start"}, format="json")
    assert first.status_code == 201, first.json()
    second = admin.post("/api/v1/priority-weights/", {"weights": {**W1, "blockages": 40}, "reason": "Roads first",
                                                      "in_force_from": "2999-01-01"}, format="json")  # fmt: skip
    assert (second.json()["version"], second.json()["in_force_from"]) == (2, "2999-01-01")
    listed = client_for(cast.clerk).get("/api/v1/priority-weights/").json()["results"]
    assert [(r["version"], r["set_by"], r["reason"]) for r in listed] == [(2, "admin", "Roads first"),
                                                                          (1, "imo", "Programme start")]  # fmt: skip
    entry = AuditEntry.objects.filter(action="priority_weights.set").order_by("id").last()
    assert entry is not None and entry.reason == "Roads first"
    assert entry.old["blockages"] == 15 and entry.new["weights"]["blockages"] == 40


def test_bad_weights_are_refused_field_by_field_and_nothing_is_stored(cast: Cast) -> None:
    bad = {**W1, "land_use": {"agriculture": -1, "moon": 3}, "accident_distance_m": 0, "settlement": "lots"}
    del bad["ap_mines"]
    answer = client_for(cast.imo).post("/api/v1/priority-weights/", {"weights": {**bad, "colour": 1}, "reason": ""},
                                       format="json")  # fmt: skip
    assert answer.status_code == 400
    fields = {p["field"] for p in answer.json()["errors"]}
    assert fields == {"reason", "weights", "weights.land_use", "weights.land_use.agriculture",
                      "weights.accident_distance_m", "weights.settlement", "weights.ap_mines"}  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        set_priority_weights(acting_user=cast.imo, weights=W1, reason="Back-dated", in_force_from=dt.date(2020, 1, 1))
    assert refused.value.problems[0].field == "in_force_from"
    assert not PriorityWeights.objects.exists() and not AuditEntry.objects.filter(action="priority_weights.set")


def page_client(user: User) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_each_score_with_its_terms_and_the_authority_issues_a_task_from_it(
    cast: Cast, world: dict[str, HazardousArea]
) -> None:
    from operations.models import Task

    team = accredited_team(cast)
    imo = page_client(cast.imo)
    page = imo.get("/priorities/", {"on": "2024-02-01"})
    assert page.status_code == 200 and page.context["force"].version == 1
    html = page.content.decode()
    assert "Weights version 1, in force since 2024-01-20." in html
    assert "Accidents nearby: <strong>10.0</strong>" in html and "count: 1, within_m: 1000" in html
    assert html.count("Issue task</button>") == 2
    issued = imo.post("/priorities/issue/", {"hazard": world["bravo"].pk, "organisation": "alpha",
                                            "activity_kind": "clearance", "start_on": "2024-02-01",
                                            "priority": "high", "instructions": "Road first"})  # fmt: skip
    task = Task.objects.get()
    assert issued.status_code == 302 and issued["Location"] == f"/tasks/{task.pk}/"
    assert (task.hazard, task.organisation, task.priority, task.team) == (world["bravo"], cast.alpha, "high", None)
    assert team.organisation == cast.alpha


def test_issuing_from_the_page_refuses_bad_input_with_reasons_and_operators_may_not(
    cast: Cast, world: dict[str, HazardousArea]
) -> None:
    from operations.models import Task

    imo = page_client(cast.imo)
    answer = imo.post("/priorities/issue/", {"hazard": world["bravo"].pk, "organisation": "alpha",
                                            "activity_kind": "clearance", "start_on": "soon"}, follow=True)  # fmt: skip
    assert "start_on: &#x27;soon&#x27; is not a date (YYYY-MM-DD)" in answer.content.decode()
    # Alpha holds no accreditation for clearance: the action's reason comes back.
    body = {
        "hazard": world["bravo"].pk,
        "organisation": "alpha",
        "activity_kind": "clearance",
        "start_on": "2024-02-01",
    }
    refused = imo.post("/priorities/issue/", body, follow=True)
    assert "organisation: " in refused.content.decode() and "accredited" in refused.content.decode()
    clerk = page_client(cast.clerk)
    own = {**body, "hazard": world["alpha"].pk, "activity_kind": "nts"}
    assert clerk.post("/priorities/issue/", own).status_code == 403
    assert "Issue task</button>" not in clerk.get("/priorities/", {"on": "2024-02-01"}).content.decode()
    assert not Task.objects.exists()
    stranger = User.objects.create_user("stranger", password="test-password-1")
    assert page_client(stranger).get("/priorities/").status_code == 403


@pytest.mark.parametrize(("language", "words"), [("uk", "Пріоритети"), ("es", "Prioridades"), ("ar", "الأولويات"),
                                                 ("en", "Priorities")])  # fmt: skip
def test_the_priorities_page_reads_in_the_four_languages(
    cast: Cast, world: dict[str, HazardousArea], language: str, words: str
) -> None:
    client = page_client(cast.imo)
    client.cookies["clearground_language"] = language
    assert f"<h1>{words}</h1>" in client.get("/priorities/").content.decode()


def test_the_ranking_costs_the_same_queries_for_three_hazards_or_six(
    cast: Cast, world: dict[str, HazardousArea]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client = client_for(cast.clerk)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/priorities/", {"on": "2024-07-01"}).status_code == 200
        return len(captured)

    queries()  # warm: the first request of a connection looks up what later ones keep
    register_hazard(cast, 50, on=dt.date(2024, 5, 1))
    three = queries()  # a new hazard: the day's ranking is computed again, not the kept one
    for _ in range(3):
        register_hazard(cast, 50, on=dt.date(2024, 5, 1))
    assert queries() == three


def test_a_days_ranking_is_kept_until_one_of_its_inputs_changes(cast: Cast, world: dict[str, HazardousArea]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rank() -> tuple[int, dict[int, float]]:
        with CaptureQueriesContext(connection) as captured:
            _, rows = ranking(RANKED_ON)
        return len(captured), {r.hazard: next(t.points for t in r.terms if t.criterion == "accidents") for r in rows}

    rank()
    kept, before = rank()
    # Read again: the weights in force and the inputs' markers, not the ranking statement.
    assert kept == 2
    assert before[world["alpha"].pk] == 10
    # A second accident beside Alpha's field, approved: the same day's ranking counts it at once.
    accident_near_alpha(cast)
    queries, after = rank()
    assert queries > kept
    assert after[world["alpha"].pk] == 20 and after[world["bravo"].pk] == 0
    # An operator's narrowed list is its own: narrowing it leaves the national list whole.
    alpha_only = ranking(RANKED_ON, hazard_ids={world["alpha"].pk})[1]
    assert [r.hazard for r in alpha_only] == [world["alpha"].pk]
    assert len(ranking(RANKED_ON)[1]) == 2
