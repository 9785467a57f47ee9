"""Issue 15, points 9 and 10: Article 7 and the Article 5 forecast count what the Convention counts.

A small register is built through reports, as a clerk and the authority's IM officer would, and the
report's figures and the forecast's inputs are compared with values worked out by hand below:

    hazard                      polygon      devices            what happens in 2024
    A  AP-mine CHA (fenced)     20,000 m²    ap_mine            cleared 2,000 (Mar) + 1,000 (Jun);
                                                                3 PMN-2 destroyed in situ, 1 PFM-1 removed
                                                                (not yet destroyed), 2 PMN-2 destroyed at a
                                                                demolition site, 1 UXO destroyed in situ
    B  UXO-only SHA             10,000 m²    uxo                battle area clearance of 5,000 (Apr);
                                                                4 UXO destroyed, 2 UXO handed over
    C  improvised-AP SHA        10,000 m²    ap_improvised      TS reduces 4,000 (May); 1 improvised AP mine
                                                                destroyed in situ
    D  AP-mine SHA              10,000 m²    ap_mine            re-survey redraws it to 6,000 (Jul): the
                                                                4,000 left out are cancelled (decision 0047)
    E  AP-mine SHA (parcel)      5,000 m²    ap_mine            cancelled 3,000 (Aug), cleared 2,000 (Aug),
                                                                handed over to the village (Sep): closed

Mined areas on 31 December 2024 (areas known or suspected to contain anti-personnel mines, Art. 2
and 5(2) of the Convention): A (CHA, 17,000), C (SHA, 6,000), D (SHA, 6,000). B holds no AP mine and
is reported apart; E is closed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from clearground.test import Cast, rect
from obligations import article5, exports
from obligations.actions import generate_article7
from obligations.models import Article7Report
from reports.actions import approve_report
from tests.helpers import activity, approved, submitted

DIRECT = [{"kind": "direct", "source": "observed", "reliability": "high", "description": "Mine seen"}]
TODAY = dt.date(2025, 1, 15)  # the forecast's history: January 2022 to December 2024


def close(value: float) -> Any:
    """Areas are measured in the hazard's UTM zone; the test draws in approximate metres (±0.5 %)."""
    return pytest.approx(value, rel=5e-3)


def on(month: int, day: int = 5) -> dt.date:
    return dt.date(2024, month, day)


def new_hazard(cast: Cast, x: float, width: float, **hazard: Any) -> Any:
    payload = cast.nts_payload(rect(x, 0, x + width, 100), **hazard)
    if hazard.get("classification") == "CHA":
        payload["evidence"] = DIRECT
    return approved(cast, "nts", payload, on=dt.date(2024, 1, 10)).hazard


@pytest.fixture
def scenario(cast: Cast) -> dict[str, Any]:
    a = new_hazard(
        cast, 0, 200, classification="CHA", devices_suspected=["ap_mine"], devices_confirmed=["ap_mine"],
        marking_status="fenced",
    )  # fmt: skip
    b = new_hazard(cast, 1000, 100, devices_suspected=["uxo"])
    c = new_hazard(cast, 2000, 100, devices_suspected=["ap_improvised"])
    d = new_hazard(cast, 3000, 100, devices_suspected=["ap_mine"])
    e = new_hazard(cast, 4000, 50, devices_suspected=["ap_mine"])

    approved(cast, "clearance_progress", {
        "activity": activity("2024-03-01"),
        "cleared": [{"geometry": rect(0, 0, 20, 100), "depth_cm": 20}],
        "finds": [
            {"category": "ap_mine", "model": "PMN-2", "quantity": 3, "disposal": "destroyed_in_situ"},
            {"category": "ap_mine", "model": "PFM-1", "quantity": 1, "disposal": "removed"},
        ],
    }, hazard=a, on=on(3))  # fmt: skip
    approved(cast, "clearance_progress", {
        "activity": activity("2024-06-01"),
        "cleared": [{"geometry": rect(20, 0, 30, 100), "depth_cm": 20}],
        "finds": [
            {"category": "ap_mine", "model": "PMN-2", "quantity": 2, "disposal": "destroyed_off_site"},
            {"category": "uxo", "quantity": 1, "disposal": "destroyed_in_situ"},
        ],
    }, hazard=a, on=on(6))  # fmt: skip
    # Battle area clearance of the UXO-only area: recorded as clearance of that hazard.
    approved(cast, "clearance_progress", {
        "activity": activity("2024-04-01"),
        "cleared": [{"geometry": rect(1000, 0, 1050, 100), "depth_cm": 20}],
        "finds": [
            {"category": "uxo", "quantity": 4, "disposal": "destroyed_in_situ"},
            {"category": "uxo", "quantity": 2, "disposal": "handed_over"},
        ],
    }, hazard=b, on=on(4))  # fmt: skip
    approved(cast, "ts_progress", {
        "activity": activity("2024-05-01"),
        "reduced": [{"geometry": rect(2000, 0, 2040, 100)}],
        "finds": [{"category": "ap_improvised", "quantity": 1, "disposal": "destroyed_in_situ"}],
    }, hazard=c, on=on(5))  # fmt: skip
    # A re-survey redraws D smaller: 10,000 m² → 6,000 m², the 4,000 left out cancelled by it (decision 0047).
    resurvey = submitted(
        cast, "nts",
        {"hazard": {"geometry": rect(3000, 0, 3100, 60)}, "activity": {"start_date": "2024-07-01"}},
        hazard=d, on=on(7),
    )  # fmt: skip
    approve_report(resurvey, acting_user=cast.imo, reconcile="replace")
    approved(cast, "cancellation", {
        "reason": "No evidence on the eastern fields",
        "activity": {"start_date": "2024-08-01"},
        "cancelled": [{"geometry": rect(4000, 0, 4030, 100)}],
    }, hazard=e, on=on(8))  # fmt: skip
    approved(cast, "clearance_progress", {
        "activity": activity("2024-08-10"),
        "cleared": [{"geometry": rect(4030, 0, 4050, 100), "depth_cm": 20}],
    }, hazard=e, on=on(8, 20))  # fmt: skip
    approved(cast, "handover", {"handed_to": "Village council of Pivdenne"}, hazard=e, on=on(9, 1))
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def figures(cast: Cast) -> dict[str, Any]:
    return generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2024).figures


def test_the_scenario_article7_figures_equal_the_hand_computed_values(cast, scenario):
    forms = figures(cast)["forms"]

    # Form C: three mined areas remain (A, C, D); B (UXO only) is reported apart; E is closed.
    c = forms["C"]
    assert c["totals"]["sha_areas"] == 2 and c["totals"]["cha_areas"] == 1
    assert c["totals"]["sha_remaining_m2"] == close(6_000 + 6_000)
    assert c["totals"]["cha_remaining_m2"] == close(17_000)
    [row] = c["rows"]
    assert row["admin_area"] == "UA63"
    assert row["devices_suspected"] == ["ap_mine", "ap_improvised"] and row["devices_confirmed"] == ["ap_mine"]
    assert c["other_hazardous_areas"]["areas"] == 1
    assert c["other_hazardous_areas"]["remaining_m2"] == close(5_000)

    # Form F: land released in mined areas in 2024; B's battle area clearance apart.
    f = forms["F"]
    released = {r["kind"]: r for r in f["rows"]}
    # E's 3,000 and the 4,000 D's re-survey left out (decision 0047: a shrink is a cancellation).
    assert released["cancelled"]["area_m2"] == close(3_000 + 4_000) and released["cancelled"]["areas"] == 2
    assert released["reduced"]["area_m2"] == close(4_000) and released["reduced"]["areas"] == 1
    assert released["cleared"]["area_m2"] == close(2_000 + 1_000 + 2_000)
    assert (released["cleared"]["areas"], released["cleared"]["products"]) == (2, 3)
    other = {r["kind"]: r["area_m2"] for r in f["other_hazardous_areas"]["rows"] if r["products"]}
    assert other == {"cleared": close(5_000)}
    # No mined area leaves the register unrecorded any more; the figure stays for registers kept before 0047.
    assert f["resurvey"]["areas"] == 0 and f["resurvey"]["area_m2"] == 0

    # Form G: AP mines destroyed by type (incl. the improvised one); other items and undestroyed finds apart.
    g = forms["G"]
    assert [(r["category"], r["model"], r["quantity"]) for r in g["ap_mines_destroyed"]["rows"]] == [
        ("ap_mine", "PMN-2", 5),
        ("ap_improvised", "", 1),
    ]
    assert g["ap_mines_destroyed"]["total"] == 6
    assert [(r["category"], r["quantity"]) for r in g["other_items_destroyed"]["rows"]] == [("uxo", 5)]
    assert sorted((r["category"], r["model"], r["disposal"], r["quantity"]) for r in g["not_destroyed"]["rows"]) == [
        ("ap_mine", "PFM-1", "removed", 1),
        ("uxo", "", "handed_over", 2),
    ]

    # Form I: how the three mined areas are marked.
    marking = {r["marking_status"]: r["areas"] for r in forms["I"]["rows"]}
    assert marking == {"fenced": 1, "unmarked": 2}

    for code in "ABDEH":
        assert forms[code]["source"] == "authority"
    for code in "CFGIJ":
        assert forms[code]["source"] == "register"


def test_the_scenario_forecast_inputs_equal_the_hand_computed_values(cast, scenario):
    result = article5.forecast("UKR", deadline=dt.date(2033, 12, 1), today=TODAY, runs=400, seed=2)

    # Remaining mined area: A 17,000 CHA; C 6,000 + D 6,000 SHA. B (UXO only) is not a mined area.
    assert result["remaining_by_classification_m2"] == {"CHA": close(17_000), "SHA": close(12_000)}
    assert result["remaining_m2"] == close(29_000)

    # Release per process in mined areas, 36 months to December 2024 (B's 5,000 m² left out).
    history = result["history"]["by_process"]
    months = {k: {i: m for i, m in enumerate(v["monthly_m2"]) if m} for k, v in history.items()}
    # January 2022 is month 0: March 2024 is 26, May 28, June 29, August 31.
    assert months["cancelled"] == {30: close(4_000), 31: close(3_000)}
    assert months["reduced"] == {28: close(4_000)}
    assert months["cleared"] == {26: close(2_000), 29: close(1_000), 31: close(2_000)}

    # What the land was when released: SHA land (C, D, E) went 7,000 cancelled (D's re-survey 4,000, E
    # 3,000) / 4,000 reduced / 2,000 cleared; CHA land (A) was all cleared. The remaining land is shared
    # out accordingly.
    shares = result["shares"]
    assert shares["SHA"] == {"cancelled": close(7 / 13), "reduced": close(4 / 13), "cleared": close(2 / 13)}
    assert shares["CHA"] == {"cancelled": 0.0, "reduced": 0.0, "cleared": 1.0}
    processes = result["processes"]
    assert processes["cancelled"]["demand_m2"] == close(12_000 * 7 / 13)
    assert processes["reduced"]["demand_m2"] == close(12_000 * 4 / 13)
    assert processes["cleared"]["demand_m2"] == close(12_000 * 2 / 13 + 17_000)
    assert processes["cleared"]["mean_monthly_m2"] == close(5_000 / 36)
    assert processes["cancelled"]["sd_monthly_m2"] == close(((4_000**2 + 3_000**2) / 36 - (7_000 / 36) ** 2) ** 0.5)
    # Clearance needs ~136 months at its own pace (18,846 m² at 139 m² a month), survey ~33: it drives the date.
    assert result["driver"] == "cleared"


# ----------------------------------------------------------------------------------------------
# One test per point of the issue
# ----------------------------------------------------------------------------------------------


def test_point_9_mined_areas_count_only_ap_areas(cast, scenario):
    from hazards.models import HazardousArea
    from hazards.queries import mined_areas

    assert set(mined_areas().values_list("pk", flat=True)) == {h.pk for h in scenario.values()} - {scenario["b"].pk}
    assert HazardousArea.objects.get(pk=scenario["c"].pk).is_mined_area()
    assert not HazardousArea.objects.get(pk=scenario["b"].pk).is_mined_area()
    c = figures(cast)["forms"]["C"]
    assert c["totals"]["sha_areas"] + c["totals"]["cha_areas"] == 3


def test_point_9_destroyed_counts_only_destroyed_finds(cast, scenario):
    g = figures(cast)["forms"]["G"]
    destroyed = g["ap_mines_destroyed"]["total"] + g["other_items_destroyed"]["total"]
    # 3 + 2 PMN-2, 1 improvised, 1 + 4 UXO destroyed; the removed PFM-1 and the 2 UXO handed over are not.
    assert destroyed == 11
    assert g["not_destroyed"]["total"] == 3
    assert all(r["disposal"] in ("removed", "handed_over") for r in g["not_destroyed"]["rows"])


def test_point_9_report_follows_forms_a_to_j_with_labels_in_the_readers_language(cast, scenario):
    frozen = generate_article7(acting_user=cast.imo, country_iso3="UKR", year=2024)
    assert list(frozen.figures["forms"]) == list("ABCDEFGHIJ")

    client = APIClient()
    client.force_authenticate(cast.imo)
    base = f"/api/v1/article7-reports/{frozen.pk}"

    book = load_workbook(io.BytesIO(client.get(f"{base}/xlsx/", {"language": "uk"}).content))
    form_sheets = [name for name in book.sheetnames if name.startswith("Форма")]
    assert form_sheets == [f"Форма {code}" for code in "ABCDEFGHIJ"]
    text = "\n".join(str(c) for row in book["Форма G"].iter_rows(values_only=True) for c in row if c is not None)
    assert "Протипіхотна міна" in text and "Саморобна протипіхотна міна" in text and "ap_mine" not in text
    assert "Заповнює національний орган" in "\n".join(
        str(c) for row in book["Форма A"].iter_rows(values_only=True) for c in row if c is not None
    )

    pdf = client.get(f"{base}/pdf/", {"language": "es"})
    pages = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Formulario C" in pages and "Mina antipersonal" in pages and "destroyed_in_situ" not in pages

    as_json = json.loads(client.get(f"{base}/json/", {"language": "ar"}).content)
    g = as_json["forms"]["G"]
    assert g["code"] == "G" and g["title"]
    first = g["ap_mines_destroyed"]["rows"][0]
    assert first["category"] == "ap_mine" and first["category_label"] == "لغم مضاد للأفراد"

    # The language follows the reader on the pages too.
    assert exports.render(frozen.figures, "xlsx", "en")[:2] == b"PK"


def test_point_10_forecast_models_cancellation_reduction_and_clearance_apart(cast, scenario):
    result = article5.forecast("UKR", deadline=dt.date(2033, 12, 1), today=TODAY, runs=400, seed=2)
    processes = result["processes"]
    assert set(processes) == {"cancelled", "reduced", "cleared"}
    for process in processes.values():
        assert process["p10"] <= process["p50"] <= process["p90"]
    # The date is the latest process's: clearance's.
    assert result["driver"] == "cleared" and result["p50"] >= processes["cleared"]["p50"]
    assert processes["cancelled"]["p50"] < processes["cleared"]["p50"]
    # Pooled, 29,000 m² at 16,000 m² per 36 months would be done in 65 months (mid 2030, before the
    # deadline); clearance alone needs 18,846 m² at 139 m² a month, about 136 months (2036).
    assert result["p50"] > "2034-01-01" and result["probability_on_time"] < 0.5


def test_point_9_the_command_and_the_pages_give_the_forms_in_the_readers_language(cast, scenario, tmp_path):
    out = tmp_path / "a7.xlsx"
    call_command("article7", country="UKR", year=2024, format="xlsx", language="es", out=str(out), user="imo")
    book = load_workbook(out)
    assert "Formulario C" in book.sheetnames and "Origen" in book.sheetnames

    frozen = Article7Report.objects.get()
    page = Client()
    page.force_login(cast.imo)
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    labelled = json.loads(page.get(f"/treaty/article7/{frozen.pk}/json/").content)
    assert labelled["language"] == "uk" and labelled["forms"]["C"]["title"] == "Розташування замінованих районів"
    asked = json.loads(page.get(f"/treaty/article7/{frozen.pk}/json/", {"language": "ar"}).content)
    assert asked["language"] == "ar"

    api = APIClient()
    api.force_authenticate(cast.imo)
    assert api.get(f"/api/v1/article7-reports/{frozen.pk}/pdf/", {"language": "xx"}).status_code == 400


def test_point_10_the_command_and_the_state_page_name_the_process_that_sets_the_date(cast, scenario):
    out = io.StringIO()
    call_command("article5_forecast", country="UKR", runs=200, stdout=out)
    assert "the date is set by: cleared" in out.getvalue()

    page = Client()
    page.force_login(cast.imo)
    html = page.get("/treaty/UKR/").content.decode()
    assert 'id="forecast-driver">Clearance<' in html


def test_point_10_a_process_that_released_nothing_stops_the_projection_and_is_named(cast):
    # Confirmed land, but in three years only cancellation: clearance, which must release it, has no pace.
    sha = new_hazard(cast, 0, 100, devices_suspected=["ap_mine"])
    new_hazard(cast, 1000, 100, classification="CHA", devices_suspected=["ap_mine"])
    approved(cast, "cancellation", {
        "reason": "No evidence", "activity": {"start_date": "2024-08-01"},
        "cancelled": [{"geometry": rect(0, 0, 50, 100)}],
    }, hazard=sha, on=on(8))  # fmt: skip

    result = article5.forecast("UKR", deadline=dt.date(2033, 12, 1), today=TODAY, runs=200)

    assert result["p50"] is None and result["driver"] == "cleared" and "cleared" in result["note"]
    assert result["processes"]["cleared"]["demand_m2"] == close(10_000)
    page = Client()
    page.force_login(cast.imo)
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert 'id="forecast-stalled">Despeje: no liberó nada' in page.get("/treaty/UKR/").content.decode()
