"""Validation problems in the reader's language, with stable codes beside them (issue 17, decision 0055).

The same bad report sent in English and in Ukrainian is refused with the same fields and codes; only
the words change. An upload refused for its type names it the same way.
"""

from __future__ import annotations

import io
from typing import Any

from rest_framework.test import APIClient

from clearground.test import DAY0, Cast, square
from reports.actions import create_report
from reports.models import Report


def refusal(cast: Cast, language: str) -> list[dict[str, str]]:
    client = APIClient()
    client.force_authenticate(cast.clerk)
    payload: dict[str, Any] = cast.nts_payload(square(60))
    payload["hazard"]["land_use"] = ["orbit"]  # not in the vocabulary
    payload["colour"] = "green"  # not a field of an NTS
    body = {"kind": "nts", "date_of_information": str(DAY0), "payload": payload, "submit": True}
    response = client.post("/api/v1/reports/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400, response.content
    assert not Report.objects.exists()
    return list(response.json()["errors"])


def test_a_ukrainian_request_gets_ukrainian_messages_with_the_same_codes_as_an_english_one(cast: Cast) -> None:
    english, ukrainian = refusal(cast, "en"), refusal(cast, "uk")
    assert [(e["field"], e["code"]) for e in english] == [(u["field"], u["code"]) for u in ukrainian]
    codes = {e["field"]: e["code"] for e in english}
    assert codes["payload.colour"] == "unknown_field"
    assert codes["payload.hazard.land_use"] == "not_a_choice"
    by_field = {e["field"]: e["message"] for e in english}
    assert by_field["payload.colour"].startswith("is not a field of a")
    uk = {u["field"]: u["message"] for u in ukrainian}
    assert uk["payload.colour"].startswith("не є полем звіту")
    assert uk["payload.hazard.land_use"].startswith("orbit немає серед:")
    assert all(uk[f] != by_field[f] for f in by_field)


def test_an_upload_refused_for_its_type_is_in_spanish_and_arabic_with_one_code(
    cast: Cast, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    report = create_report(acting_user=cast.clerk, organisation=cast.alpha, kind="nts", date_of_information=DAY0,
                           payload=cast.nts_payload(square(60)), submit=False)  # fmt: skip
    client = APIClient()
    client.force_authenticate(cast.clerk)
    answers = {}
    for language in ("es", "ar"):
        f = io.BytesIO(b"hello")
        f.name = "notes.txt"
        response = client.post(f"/api/v1/reports/{report.pk}/attachments/", {"file": [f]}, format="multipart",
                               HTTP_ACCEPT_LANGUAGE=language)  # fmt: skip
        assert response.status_code == 400
        [answers[language]] = response.json()["errors"]
    assert answers["es"]["code"] == answers["ar"]["code"] == "unsupported_type"
    assert answers["es"]["message"] == "no es un archivo JPEG, PNG o PDF (.jpg, .png, .pdf)"
    assert answers["ar"]["message"].startswith("ليس ملف JPEG")
