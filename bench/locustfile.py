"""The load test's clients (issue 7): mixed reads and writes against the REST API, OGC API and tiles.

bench/load.sh runs it headless: 200 clients for 60 s on loopback. Readers (3 in 4) page the hazard
register, open hazards, ask OGC API for items in a box and fetch vector tiles, as different roles.
Writers (1 in 4) do what a field office does: a clerk drafts an NTS report, reads it back, edits it
with its version (If-Match), submits it, and the operator's IM officer approves it into the
register. Every answer other than the expected one counts as an error, 409/412 included: each writer
edits only its own reports, so a conflict would be a bug.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())  # written by bench/load_prepare.py
TOKENS: dict[str, str] = PLAN["tokens"]
READER_ROLES = ("imo", "viewer", "clerk", "outsider", "admin")
_serial = itertools.count()


def square(lon: float, lat: float, size_deg: float = 0.0012) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size_deg, lat], [lon + size_deg, lat + size_deg * 0.65],
            [lon, lat + size_deg * 0.65], [lon, lat]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


class Reader(HttpUser):
    weight = 3
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.role = random.choice(READER_ROLES)
        self.client.headers["Authorization"] = f"Token {TOKENS[self.role]}"
        self.hazards = PLAN["hazards"][self.role] or PLAN["hazards"]["imo"]

    @task(3)
    def hazard_page(self) -> None:
        self.client.get("/api/v1/hazards/?limit=50", name="GET /api/v1/hazards/")

    @task(3)
    def hazard(self) -> None:
        self.client.get(f"/api/v1/hazards/{random.choice(self.hazards)}/", name="GET /api/v1/hazards/{id}/")

    @task(2)
    def ogc_items(self) -> None:
        w, s, e, n = PLAN["bbox"]
        self.client.get(f"/ogc/collections/hazardous_areas/items?f=json&limit=100&bbox={w},{s},{e},{n}",
                        name="GET /ogc/collections/hazardous_areas/items")  # fmt: skip

    @task(2)
    def tile(self) -> None:
        z, x, y = random.choice(PLAN["tiles"])
        with self.client.get(f"/tiles/hazardous_areas/{z}/{x}/{y}", name="GET /tiles/hazardous_areas/{z}/{x}/{y}",
                             catch_response=True) as r:  # fmt: skip
            if r.status_code in (200, 204):
                r.success()

    @task(1)
    def reports(self) -> None:
        self.client.get("/api/v1/reports/?limit=20", name="GET /api/v1/reports/")


class FieldOffice(HttpUser):
    """A clerk of operator alpha and the authority's IM officer (who approves into the register, decision 0036),
    one report at a time, each its own."""

    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.clerk = {"Authorization": f"Token {TOKENS['clerk']}"}
        self.approver = {"Authorization": f"Token {TOKENS['imo']}"}

    def _expect(self, response: Any, status: int) -> dict[str, Any] | None:
        if response.status_code != status:
            response.failure(f"{response.status_code} instead of {status}: {response.text[:300]}")
            return None
        response.success()
        return response.json()

    @task
    def draft_edit_submit_approve(self) -> None:
        n = next(_serial) + os.getpid() * 100_000
        lon0, lat0 = PLAN["geometry_origin"]
        # Spread the new hazards on a grid east of the demo's first hazard, 200 m apart, none overlapping.
        lon, lat = lon0 + 0.5 + (n % 300) * 0.003, lat0 + 0.2 + (n // 300 % 300) * 0.002
        payload = {
            "hazard": {"name": f"Load test field {n}", "classification": "SHA", "geometry": square(lon, lat),
                       "devices_suspected": ["ap_mine"], "land_use": ["agriculture"], "beneficiaries": 10},
            "evidence": [{"kind": "indirect", "source": "verbal", "reliability": "medium",
                          "description": "Shepherd saw a tripwire"}],
            "activity": {"start_date": "2026-11-20", "person_days": 1},
        }  # fmt: skip
        body = {"kind": "nts", "date_of_information": "2026-11-25", "payload": payload}
        with self.client.post("/api/v1/reports/", json=body, headers=self.clerk, name="POST /api/v1/reports/",
                              catch_response=True) as r:  # fmt: skip
            created = self._expect(r, 201)
        if not created:
            return
        url = f"/api/v1/reports/{created['id']}/"
        with self.client.get(url, headers=self.clerk, name="GET /api/v1/reports/{id}/", catch_response=True) as r:
            read = self._expect(r, 200)
            etag = r.headers.get("ETag") or f'"{(read or {}).get("version", 1)}"'
        if not read:
            return
        payload["hazard"]["beneficiaries"] = 25
        with self.client.patch(url, json={"payload": payload}, headers={**self.clerk, "If-Match": etag},
                               name="PATCH /api/v1/reports/{id}/", catch_response=True) as r:  # fmt: skip
            edited = self._expect(r, 200)
        if not edited:
            return
        version = {"If-Match": f'"{edited.get("version", 2)}"'} if "version" in edited else {}
        with self.client.post(f"{url}submit/", headers={**self.clerk, **version},
                              name="POST /api/v1/reports/{id}/submit/", catch_response=True) as r:  # fmt: skip
            if not self._expect(r, 200):
                return
        with self.client.post(f"{url}approve/", json={}, headers=self.approver,
                              name="POST /api/v1/reports/{id}/approve/", catch_response=True) as r:  # fmt: skip
            self._expect(r, 200)
