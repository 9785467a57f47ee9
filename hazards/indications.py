"""The action that records hazard indications (suspected contamination to survey), with an audit row each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from accounts.access import AnyUser, signed_in
from accounts.chain import seal_after_commit
from accounts.models import AuditEntry, Organisation
from hazards.models import HazardIndication
from places.models import admin_area_at
from vocab.choices import IndicationKind


@dataclass(frozen=True)
class Indication:
    """One suspected-contamination point as a source states it."""

    source_key: str
    lon: float
    lat: float
    year: int | None
    place: str
    kind: str = IndicationKind.SUSPECTED  # or a lifted minefield (decision 0048)


def record_hazard_indications(
    indications: Sequence[Indication], *, acting_user: AnyUser, organisation: Organisation, source: str
) -> list[HazardIndication]:
    """Record new hazard indications "for survey", skipping keys already recorded; one audit row per new one."""
    with transaction.atomic():
        keys = [i.source_key for i in indications]
        known = set(
            HazardIndication.objects.filter(source=source, source_key__in=keys).values_list("source_key", flat=True)
        )
        now = timezone.now()
        recorder = signed_in(acting_user)
        created = HazardIndication.objects.bulk_create(
            [
                HazardIndication(
                    organisation=organisation,
                    source=source,
                    source_key=i.source_key,
                    location=Point(i.lon, i.lat, srid=4326),
                    year=i.year,
                    place=i.place,
                    kind=i.kind,
                    admin_area=admin_area_at(Point(i.lon, i.lat, srid=4326)),
                    recorded_by=recorder,
                    recorded_at=now,
                )
                for i in indications
                if i.source_key not in known
            ]
        )
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    actor=recorder,
                    action="hazard_indication.record",
                    object_type=HazardIndication._meta.label_lower,
                    object_id=str(h.pk),
                    new={
                        "source": source,
                        "source_key": h.source_key,
                        "year": h.year,
                        "status": h.status,
                        "kind": h.kind,
                    },
                )
                for h in created
            ]
        )
        seal_after_commit()
    return created
