"""The named test cast: the same people and places in every test (like healthchecks' alice/bob/charlie).

- `authority`: the national mine action authority, with `admin` (authority admin), `imo` (its IM
  officer, approves anything), `qa` (QA officer) and `viewer`.
- `alpha`: operator A (an NGO) with `clerk` (data clerk) and `approver` (its own IM officer).
- `bravo`: operator B with `outsider` (a data clerk who must never see alpha's work).
- `area`: a test province near Kharkiv, and `square()`/`strip()` to draw polygons inside it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from accounts.models import Membership, Organisation
from places.models import AdminArea
from vocab.choices import OrganisationKind, Role

LON0, LAT0 = 36.20, 49.95  # near Kharkiv, UTM zone 37N
M_PER_DEG_LAT = 111_320.0


def m_to_deg(dx: float, dy: float, lat: float = LAT0) -> tuple[float, float]:
    """Metres east/north to degrees near `lat` (good enough for drawing test polygons)."""
    return dx / (M_PER_DEG_LAT * math.cos(math.radians(lat))), dy / M_PER_DEG_LAT


def rect(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """A GeoJSON rectangle given in metres east/north of the test origin."""
    (ax, ay), (bx, by) = m_to_deg(x0, y0), m_to_deg(x1, y1)
    ring = [
        [LON0 + ax, LAT0 + ay],
        [LON0 + bx, LAT0 + ay],
        [LON0 + bx, LAT0 + by],
        [LON0 + ax, LAT0 + by],
        [LON0 + ax, LAT0 + ay],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def square(size_m: float = 100.0, x: float = 0.0, y: float = 0.0) -> dict[str, Any]:
    """A GeoJSON square of `size_m` metres with its south-west corner at (x, y) metres from the origin."""
    return rect(x, y, x + size_m, y + size_m)


def point(x: float = 0.0, y: float = 0.0) -> dict[str, Any]:
    """A GeoJSON point at (x, y) metres from the origin."""
    dx, dy = m_to_deg(x, y)
    return {"type": "Point", "coordinates": [LON0 + dx, LAT0 + dy]}


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[LON0, LAT0], [LON0 + 0.002, LAT0 + 0.002], [LON0 + 0.002, LAT0], [LON0, LAT0 + 0.002], [LON0, LAT0]]
    ],
}


@dataclass
class Cast:
    authority: Organisation
    alpha: Organisation
    bravo: Organisation
    admin: User
    imo: User
    qa: User
    viewer: User
    clerk: User
    approver: User
    outsider: User
    area: AdminArea

    def nts_payload(self, geometry: dict[str, Any] | None = None, **hazard: Any) -> dict[str, Any]:
        """A complete NTS payload registering a new SHA."""
        return {
            "hazard": {
                "name": "Field north of the school",
                "classification": "SHA",
                "geometry": geometry or square(100),
                "devices_suspected": ["ap_mine"],
                "land_use": ["agriculture"],
                "beneficiaries": 120,
                **hazard,
            },
            "evidence": [
                {
                    "kind": "indirect",
                    "source": "verbal",
                    "reliability": "medium",
                    "description": "Farmer saw a tripwire",
                    "informant": {"name": "Olena K.", "contact": "+380 00 000"},
                }
            ],
            "activity": {"start_date": "2024-01-10", "person_days": 2},
        }


DAY0 = dt.date(2024, 1, 15)


def make_cast() -> Cast:
    """Create the cast in the test database."""
    from django.contrib.gis.geos import GEOSGeometry

    authority = Organisation.objects.create(
        code="nmaa", name="National Mine Action Authority", kind=OrganisationKind.NATIONAL_AUTHORITY, country_iso3="UKR"
    )
    alpha = Organisation.objects.create(
        code="alpha", name="Operator Alpha", kind=OrganisationKind.NGO, country_iso3="UKR"
    )
    bravo = Organisation.objects.create(
        code="bravo", name="Operator Bravo", kind=OrganisationKind.COMMERCIAL, country_iso3="UKR"
    )

    def user(name: str, org: Organisation, role: str) -> User:
        u = User.objects.create_user(name, password="test-password-1")
        Membership.objects.create(user=u, organisation=org, role=role)
        return u

    box: Any = GEOSGeometry(
        f"SRID=4326;MULTIPOLYGON((({LON0 - 1} {LAT0 - 1},{LON0 + 1} {LAT0 - 1},{LON0 + 1} {LAT0 + 1},"
        f"{LON0 - 1} {LAT0 + 1},{LON0 - 1} {LAT0 - 1})))"
    )
    country = AdminArea.objects.create(pcode="UA", name="Ukraine", level=0, country_iso3="UKR", geom=box)
    area = AdminArea.objects.create(
        pcode="UA63", name="Test Oblast", level=1, parent=country, country_iso3="UKR", geom=box
    )
    return Cast(
        authority=authority,
        alpha=alpha,
        bravo=bravo,
        admin=user("admin", authority, Role.AUTHORITY_ADMIN),
        imo=user("imo", authority, Role.IM_OFFICER),
        qa=user("qa", authority, Role.QA_OFFICER),
        viewer=user("viewer", authority, Role.VIEWER),
        clerk=user("clerk", alpha, Role.DATA_CLERK),
        approver=user("approver", alpha, Role.IM_OFFICER),
        outsider=user("outsider", bravo, Role.DATA_CLERK),
        area=area,
    )
