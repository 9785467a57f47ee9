"""The hazard page's facts: its state (now or as known on a date), its history, products, tasks and finds.

A fixed number of queries whatever the hazard's history (pinned in tests/test_web_atlas.py): one each
for versions, status changes, products, activities and finds, plus `state_as_known_on`'s own when a
date is asked for.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from hazards.models import HazardousArea
from hazards.queries import state_as_known_on
from reports.models import ReportKind
from vocab.choices import Classification, HazardStatus, MarkingStatus

AREAS = ("original_area_m2", "remaining_area_m2", "cancelled_m2", "reduced_m2", "cleared_m2")


@dataclass
class Event:
    """One line of the history timeline."""

    on: dt.date
    at: dt.datetime | None
    title: str
    detail: str = ""


@dataclass
class Dossier:
    hazard: HazardousArea
    state: dict[str, Any]  # classification, status, name, areas, marking, date_of_information (labels resolved)
    on: dt.date | None
    timeline: list[Event] = field(default_factory=list)
    products: list[Any] = field(default_factory=list)
    activities: list[Any] = field(default_factory=list)
    finds: list[Any] = field(default_factory=list)
    geojson: dict[str, Any] = field(default_factory=dict)


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _state(raw: dict[str, Any]) -> dict[str, Any]:
    """A state dict (the hazard's or a HazardVersion's) with its choice values labelled for the reader."""
    doi = raw.get("date_of_information")
    return {
        "name": raw.get("name", ""),
        "classification": raw.get("classification", ""),
        "classification_label": _label(Classification, raw.get("classification", "")),
        "status": raw.get("status", ""),
        "status_label": _label(HazardStatus, raw.get("status", "")),
        "marking_label": _label(MarkingStatus, raw.get("marking_status", "")),
        "beneficiaries": raw.get("beneficiaries"),
        "date_of_information": dt.date.fromisoformat(doi) if isinstance(doi, str) else doi,
        **{k: float(raw.get(k) or 0.0) for k in AREAS},
    }


def current_state(hazard: HazardousArea) -> dict[str, Any]:
    """The hazard's state as the register holds it now."""
    raw = {k: getattr(hazard, k) for k in ("name", "classification", "status", "marking_status", "beneficiaries")}
    raw.update({k: getattr(hazard, k) for k in AREAS}, date_of_information=hazard.date_of_information)
    return _state(raw)


def known_state(hazard: HazardousArea, on: dt.date) -> dict[str, Any]:
    """The state as known on `on` (raises ValidationFailed when nothing was known of the hazard then)."""
    return _state(state_as_known_on(hazard, on)["state"])


def timeline(hazard: HazardousArea) -> list[Event]:
    """Approved reports that established a state, and every status change, oldest first."""
    events: list[Event] = []
    for v in hazard.versions.select_related("report").order_by("sequence"):
        title = _("%(kind)s #%(id)s approved") % {"kind": _label(ReportKind, v.report.kind), "id": v.report_id}
        detail = "" if v.applied else _("Older than the state it met: kept in history, the current state unchanged.")
        events.append(Event(v.valid_from, v.recorded_at, title, detail))
    for c in hazard.status_changes.order_by("on", "at"):
        if c.from_status:
            title = _("Status changed from %(old)s to %(new)s") % {
                "old": _label(HazardStatus, c.from_status),
                "new": _label(HazardStatus, c.to_status),
            }
        else:
            title = _("Registered as %(status)s") % {"status": _label(HazardStatus, c.to_status)}
        if c.from_classification and c.from_classification != c.to_classification:
            title += " · " + _("reclassified from %(old)s to %(new)s") % {
                "old": c.from_classification,
                "new": c.to_classification,
            }
        events.append(Event(c.on, c.at, title, c.reason))
    return sorted(events, key=lambda e: (e.on, e.at or dt.datetime.min.replace(tzinfo=dt.UTC)))


def dossier(hazard: HazardousArea, on: dt.date | None = None) -> Dossier:
    """Everything the hazard page shows; `on` re-reads the state as known on that date."""
    state = known_state(hazard, on) if on else current_state(hazard)
    products = list(hazard.products.order_by("on", "id"))
    activities = list(hazard.activities.order_by("start_date", "id"))
    finds = list(hazard.finds.order_by("on", "id"))
    features = [
        {
            "type": "Feature",
            "properties": {"role": "hazard", "classification": hazard.classification, "status": hazard.status},
            "geometry": json.loads(hazard.geom.geojson),
        }
    ]
    features += [
        {"type": "Feature", "properties": {"role": "product", "kind": p.kind}, "geometry": json.loads(p.geom.geojson)}
        for p in products
    ]
    return Dossier(
        hazard=hazard,
        state=state,
        on=on,
        timeline=timeline(hazard),
        products=products,
        activities=activities,
        finds=finds,
        geojson={"type": "FeatureCollection", "features": features, "bbox": list(hazard.geom.extent)},
    )
