"""What the map page needs from the server: the start view, which layers the user may see, the filters.

The map draws everything from Clearground's vector tiles (interop/tiles), so the page itself carries
no hazard geometry: only the bounds to start at and the tile URL templates. Whether the accidents
layer exists is decided with the same rule the tiles apply (interop.publish_access), so a user who
may not read accidents never has a layer that would only fetch 404s.
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.db.models import Extent
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import AnyUser, hazards_for, scope_of
from accounts.models import Organisation
from core.errors import CleargroundError
from hazards.models import HazardIndication, HazardousArea
from interop.basemaps import config as basemaps
from interop.collections import COLLECTIONS
from interop.publish_access import readable_org_ids
from vocab.choices import Classification, DeviceCategory, HazardStatus, IndicationKind, ProductKind

# The map's start when there is nothing to fit to: the whole inhabited world.
DEFAULT_BOUNDS = [-170.0, -58.0, 180.0, 75.0]
# A single small hazard would otherwise zoom to street level; pad the box by at least this much.
MIN_SPAN_DEG = 0.02

LAYERS = ("hazardous_areas", "land_release_products", "finds", "hazard_indications", "accidents")


def may_see(user: AnyUser, collection_id: str) -> bool:
    """May the user read this collection's tiles? (The tiles' own rule; False instead of 401/404.)"""
    try:
        readable_org_ids(user, COLLECTIONS[collection_id])
    except CleargroundError:
        return False
    return True


def start_bounds(user: AnyUser) -> list[float]:
    """West, south, east, north of the hazards in the user's scope (all published hazards for a
    non-member, who sees the public register); DEFAULT_BOUNDS when there are none."""
    qs = hazards_for(user) if scope_of(user).is_member() else HazardousArea.objects.all()
    extent = qs.aggregate(e=Extent("geom"))["e"]
    if not extent:
        return list(DEFAULT_BOUNDS)
    west, south, east, north = extent
    pad_x = max(0.0, (MIN_SPAN_DEG - (east - west)) / 2)
    pad_y = max(0.0, (MIN_SPAN_DEG - (north - south)) / 2)
    return [west - pad_x, south - pad_y, east + pad_x, north + pad_y]


def linkable_org_ids(user: AnyUser) -> list[int] | None:
    """Organisations whose hazards have a page this user may open (None = all): the popup links only
    those, since `access_hazard` answers 404 for the rest."""
    scope = scope_of(user)
    if scope.everything:
        return None
    return scope.org_ids()


def tile_template(request: HttpRequest, collection_id: str) -> str:
    """The absolute {z}/{x}/{y} URL of a collection (MapLibre's worker cannot resolve relative ones)."""
    url = request.build_absolute_uri(reverse("tiles:tile", args=[collection_id, 0, 0, 0]))
    return url.removesuffix("0/0/0") + "{z}/{x}/{y}"


def labels() -> dict[str, Any]:
    """Every word the map's script shows, in the reader's language."""
    return {
        "classification": {c.value: str(c.label) for c in Classification},
        "status": {s.value: str(s.label) for s in HazardStatus},
        "kind": {k.value: str(k.label) for k in ProductKind},
        "device": {d.value: str(d.label) for d in DeviceCategory},
        "hazard": _("Hazardous area"),
        "product": _("Land release product"),
        "find": _("Find"),
        "accident": _("Accident"),
        "indication": _("Hazard indication"),
        "indication_kind": {k.value: str(k.label) for k in IndicationKind},
        "indication_status": {s.value: str(s.label) for s in HazardIndication.Status},
        "year": _("Year"),
        "place": _("Place"),
        "code": _("Code"),
        "name": _("Name"),
        "classification_label": _("Classification"),
        "status_label": _("Status"),
        "organisation": _("Organisation"),
        "admin_area": _("Administrative area"),
        "original": _("Original area (m²)"),
        "remaining": _("Remaining area (m²)"),
        "cancelled": _("Cancelled (m²)"),
        "reduced": _("Reduced (m²)"),
        "cleared": _("Cleared (m²)"),
        "area": _("Area (m²)"),
        "date": _("Date"),
        "category": _("Category"),
        "quantity": _("Quantity"),
        "killed": _("Killed"),
        "injured": _("Injured"),
    }


def map_config(request: HttpRequest) -> dict[str, Any]:
    """The JSON the map's script starts from (embedded with json_script)."""
    user = request.user
    layers = [c for c in LAYERS if c not in ("accidents", "hazard_indications") or may_see(user, c)]
    return {
        "bounds": start_bounds(user),
        "tiles": {c: tile_template(request, c) for c in layers},
        "hazard_url": reverse("atlas:hazard", args=[0]).removesuffix("0/") + "{id}/",
        # A dot's details (the dots' tiles carry five attributes): the same published row, by id.
        "hazard_item_url": reverse("ogc:feature", args=["hazardous_areas", "0"]).removesuffix("0") + "{id}?f=json",
        "linkable": linkable_org_ids(user),
        "labels": labels(),
        "basemaps": basemaps.for_pages(),
    }


def organisations() -> list[Organisation]:
    """The organisations offered in the filter: every one that is responsible for a hazard."""
    # EXISTS walks hazard_org_status_idx once per organisation, not every hazard (100,000 of them).
    has_hazards = Exists(HazardousArea.objects.filter(organisation=OuterRef("pk")))
    return list(Organisation.objects.filter(has_hazards).order_by("name"))
