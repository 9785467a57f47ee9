"""Place hazards in admin areas loaded after them: the action `place_hazards_in_admin_areas`.

A hazard approved before its country's boundaries were loaded has no admin area, and its code was
numbered `XXX-HA-…` (or, since decision 0041, with its organisation's country). Once the areas are
loaded this action gives each such hazard the deepest area containing a point on its surface (as a
new hazard gets at approval, projections._new_hazard) and gives its code the area's country (an `XXX`
code outside every area takes its organisation's). The number is kept:
it is the national sequence, so the code stays unique and a reader of an old list still finds it.
One audit row per hazard, with old and new values. Decision 0041.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q

from accounts import audit
from accounts.access import AnyUser
from hazards.models import DataVersion, HazardousArea
from hazards.projections import hazard_country
from places.models import admin_area_at

UNKNOWN_COUNTRY = "XXX-"


@dataclass
class Placement:
    """What the action changed: hazards given an area, codes renumbered (old → new), and those left as they were."""

    placed: list[str] = field(default_factory=list)
    recoded: dict[str, str] = field(default_factory=dict)
    outside: list[str] = field(default_factory=list)


def place_hazards_in_admin_areas(
    *, acting_user: AnyUser | None, reason: str, country_iso3: str | None = None
) -> Placement:
    """Give every hazard without an admin area the area it lies in, and its code its country; audit each.

    `country_iso3` limits the work to hazards that land in that country's areas (or whose organisation
    is of that country). Hazards outside every loaded area keep no area and are listed as outside.
    """
    result = Placement()
    with transaction.atomic():
        todo = (
            HazardousArea.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(Q(admin_area__isnull=True) | Q(code__startswith=UNKNOWN_COUNTRY))
            .order_by("pk")
        )
        for hazard in todo:
            area = hazard.admin_area or admin_area_at(hazard.geom.point_on_surface)
            if country_iso3 and hazard_country(area, hazard.organisation) != country_iso3.upper():
                continue
            old = {"admin_area": hazard.admin_area_id, "code": hazard.code}
            placed_now = area is not None and hazard.admin_area_id is None
            if placed_now:
                hazard.admin_area = area
                result.placed.append(hazard.code)
            elif area is None:
                result.outside.append(hazard.code)
            country = hazard_country(area, hazard.organisation)
            prefix, _, rest = hazard.code.partition("-")
            # A code numbered before the hazard had an area took its country from the operator (or none: XXX);
            # the area's country is the one the code states from now on. The number is kept.
            if country and rest and prefix != country and (prefix == "XXX" or placed_now):
                new_code = f"{country}-{rest}"
                result.recoded[hazard.code] = new_code
                hazard.code = new_code
            new = {"admin_area": hazard.admin_area_id, "code": hazard.code}
            if new == old:
                continue
            hazard.save(update_fields=["admin_area", "code", "updated_at"])
            audit.record(acting_user, "hazard.place", hazard, old=old, new=new, reason=reason)
        if result.placed or result.recoded:
            transaction.on_commit(lambda: DataVersion.objects.filter(pk=1).update(value=F("value") + 1))
    return result
