"""The register: hazardous areas (a projection of approved reports) and the facts recorded on them.

A HazardousArea row is the *current* state, derived from approved field reports by
hazards/projections.py; HazardVersion keeps every earlier state. Nothing here is written except
through reports/actions.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from places.models import AdminArea
from vocab.choices import (
    AP_MINE_CATEGORIES,
    ActivityKind,
    ActivityStatus,
    Classification,
    DeviceCategory,
    Disposal,
    EvidenceKind,
    EvidenceSource,
    FindCondition,
    HazardStatus,
    IndicationKind,
    InspectedElement,
    InspectionCondition,
    LandUse,
    MarkingStatus,
    Method,
    OverlapResolution,
    ProductKind,
    RecordSource,
    Reliability,
)

# Invariant 1's tolerance: 1 m² or 0.01 % of the original area, whichever is larger.
AREA_TOLERANCE_M2 = 1.0
AREA_TOLERANCE_RATIO = 0.0001


def area_tolerance(original_m2: float) -> float:
    """How far Σ products + remaining may drift from the original area (floating point, reprojection)."""
    return max(AREA_TOLERANCE_M2, AREA_TOLERANCE_RATIO * original_m2)


def is_mined_area(devices_suspected: Iterable[str] | None, devices_confirmed: Iterable[str] | None) -> bool:
    """A "mined area" (Art. 5, Form C of Art. 7): anti-personnel mines, improvised ones too, known or suspected.

    The Convention's Art. 5(1)-(2) and 7(1)(c) speak of areas "in which anti-personnel mines are known or
    suspected to be emplaced"; an area suspected of UXO, cluster munitions or anti-vehicle mines only is
    a hazardous area, but not one that Art. 5 obliges the State to clear. The one rule behind
    HazardousArea.is_mined_area, hazards.queries.mined_areas and the Article 7 figures.
    """
    return bool({*(devices_suspected or ()), *(devices_confirmed or ())} & set(AP_MINE_CATEGORIES))


def device_array() -> ArrayField[list[str], list[str]]:
    """A list of device categories (suspected or confirmed)."""
    return ArrayField(models.CharField(max_length=20, choices=DeviceCategory.choices), default=list, blank=True)


class HazardousArea(models.Model):
    """An SHA or CHA in the national register, in its current (latest known) state."""

    code = models.CharField(max_length=40, unique=True, help_text="National hazard code")
    name = models.CharField(max_length=200)
    classification = models.CharField(max_length=3, choices=Classification.choices)
    status = models.CharField(max_length=12, choices=HazardStatus.choices, default=HazardStatus.OPEN)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="hazards", help_text="Operator responsible"
    )
    admin_area = models.ForeignKey(AdminArea, null=True, blank=True, on_delete=models.PROTECT)
    geom = models.MultiPolygonField(srid=4326)
    benchmark = models.PointField(srid=4326, null=True, blank=True)
    utm_srid = models.PositiveIntegerField(help_text="Local UTM zone in which every area of this hazard is measured")
    geometry_repair = models.TextField(blank=True, help_text="How an invalid input polygon was repaired")
    original_area_m2 = models.FloatField()
    cancelled_m2 = models.FloatField(default=0)
    reduced_m2 = models.FloatField(default=0)
    cleared_m2 = models.FloatField(default=0)
    remaining_area_m2 = models.FloatField()
    devices_suspected = device_array()
    devices_confirmed = device_array()
    evidence_summary = models.TextField(blank=True)
    land_use = ArrayField(models.CharField(max_length=20, choices=LandUse.choices), default=list, blank=True)
    blockages = models.TextField(blank=True)
    beneficiaries = models.PositiveIntegerField(null=True, blank=True)
    marking_status = models.CharField(max_length=10, choices=MarkingStatus.choices, default=MarkingStatus.UNMARKED)
    date_of_information = models.DateField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The list API's filters: status / classification within an operator's scope.
            models.Index(fields=["organisation", "status"], name="hazard_org_status_idx"),
            models.Index(fields=["status", "classification"], name="hazard_status_class_idx"),
            models.Index(fields=["date_of_information"], name="hazard_doi_idx"),
        ]
        constraints = [
            # Invariant 1 in the database: original = cancelled + reduced + cleared + remaining.
            models.CheckConstraint(
                name="hazard_area_conserved",
                condition=Q(
                    remaining_area_m2__gte=-AREA_TOLERANCE_M2,
                )
                & models.Q(
                    original_area_m2__gte=models.F("cancelled_m2")
                    + models.F("reduced_m2")
                    + models.F("cleared_m2")
                    + models.F("remaining_area_m2")
                    - (AREA_TOLERANCE_M2 + AREA_TOLERANCE_RATIO * models.F("original_area_m2")),
                    original_area_m2__lte=models.F("cancelled_m2")
                    + models.F("reduced_m2")
                    + models.F("cleared_m2")
                    + models.F("remaining_area_m2")
                    + (AREA_TOLERANCE_M2 + AREA_TOLERANCE_RATIO * models.F("original_area_m2")),
                ),
            ),
            # Invariant 5 in the database: a closed hazard has nothing left to release.
            models.CheckConstraint(
                name="hazard_closed_means_released",
                condition=~Q(status=HazardStatus.CLOSED)
                | Q(remaining_area_m2__lte=AREA_TOLERANCE_M2 + AREA_TOLERANCE_RATIO * models.F("original_area_m2")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def is_mined_area(self) -> bool:
        """Known or suspected to contain anti-personnel mines (see `is_mined_area`)."""
        return is_mined_area(self.devices_suspected, self.devices_confirmed)

    def released_area_m2(self) -> float:
        """Everything cancelled, reduced or cleared so far."""
        return self.cancelled_m2 + self.reduced_m2 + self.cleared_m2

    def conservation_gap_m2(self) -> float:
        """original − (Σ products + remaining); zero up to `area_tolerance` while invariant 1 holds."""
        return self.original_area_m2 - (self.released_area_m2() + self.remaining_area_m2)

    def is_fully_released(self) -> bool:
        """True when the remaining area is zero within the tolerance (invariant 5's precondition)."""
        return self.remaining_area_m2 <= area_tolerance(self.original_area_m2)


class HazardVersion(models.Model):
    """A state of a hazard as established by one approved report (the history behind "as known on")."""

    hazard = models.ForeignKey(HazardousArea, on_delete=models.CASCADE, related_name="versions")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="hazard_versions")
    sequence = models.PositiveIntegerField(help_text="Order in which the versions were recorded")
    valid_from = models.DateField(help_text="The report's date of information")
    recorded_at = models.DateTimeField()
    applied = models.BooleanField(help_text="False when the report was older than the state it met (invariant 6)")
    state = models.JSONField()

    class Meta:
        ordering = ["hazard", "sequence"]
        constraints = [models.UniqueConstraint(fields=["hazard", "sequence"], name="hazard_version_seq")]
        # Serves "state as known on D": the latest valid_from ≤ D for one hazard.
        indexes = [models.Index(fields=["hazard", "valid_from"], name="hazard_version_date_idx")]


class HazardStatusChange(models.Model):
    """One row per change of status, with the report that caused it."""

    hazard = models.ForeignKey(HazardousArea, on_delete=models.CASCADE, related_name="status_changes")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT)
    from_status = models.CharField(max_length=12, choices=HazardStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=HazardStatus.choices)
    from_classification = models.CharField(max_length=3, blank=True)
    to_classification = models.CharField(max_length=3)
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)


class Evidence(models.Model):
    """Evidence of explosive ordnance for a hazard (IMAS 07.11). The informant is personal data."""

    hazard = models.ForeignKey(HazardousArea, on_delete=models.CASCADE, related_name="evidence")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    source = models.CharField(max_length=10, choices=EvidenceSource.choices)
    reliability = models.CharField(max_length=10, choices=Reliability.choices)
    description = models.TextField(blank=True)
    on = models.DateField()
    # Personal data: only roles with personal-data access see these, and every read is audited.
    informant_name = models.CharField(max_length=200, blank=True)
    informant_contact = models.CharField(max_length=200, blank=True)

    @property
    def has_informant(self) -> bool:
        return bool(self.informant_name or self.informant_contact)


class Activity(models.Model):
    """An NTS, TS, clearance, EOD, marking, inspection or handover task on a hazard."""

    hazard = models.ForeignKey(
        HazardousArea, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="activities")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    kind = models.CharField(max_length=12, choices=ActivityKind.choices)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    status = models.CharField(max_length=12, choices=ActivityStatus.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    search_depth_cm = models.PositiveIntegerField(null=True, blank=True)
    person_days = models.FloatField(null=True, blank=True)
    machine_hours = models.FloatField(null=True, blank=True)
    location = models.PointField(srid=4326, null=True, blank=True, help_text="EOD spot tasks outside a hazard")

    class Meta:
        ordering = ["start_date", "id"]


class LandReleaseProduct(models.Model):
    """Land cancelled by NTS, reduced by TS or cleared by clearance (IMAS 07.11), inside its hazard."""

    hazard = models.ForeignKey(HazardousArea, on_delete=models.CASCADE, related_name="products")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="products")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="products")
    kind = models.CharField(max_length=10, choices=ProductKind.choices)
    geom = models.MultiPolygonField(srid=4326)
    area_m2 = models.FloatField()
    depth_cm = models.PositiveIntegerField(null=True, blank=True, help_text="Clearance depth (cleared only)")
    on = models.DateField()
    adjustment = models.TextField(blank=True, help_text="Clipping to the hazard boundary or to earlier products")

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(
                name="product_cleared_has_depth",
                condition=~Q(kind=ProductKind.CLEARED) | Q(depth_cm__isnull=False),
            ),
            models.CheckConstraint(name="product_area_positive", condition=Q(area_m2__gt=0)),
        ]


class Find(models.Model):
    """An explosive item found during a task."""

    hazard = models.ForeignKey(HazardousArea, null=True, blank=True, on_delete=models.CASCADE, related_name="finds")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="finds")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="finds")
    category = models.CharField(max_length=20, choices=DeviceCategory.choices)
    model = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField()
    condition = models.CharField(max_length=10, choices=FindCondition.choices, default=FindCondition.UNKNOWN)
    depth_cm = models.PositiveIntegerField(null=True, blank=True)
    location = models.PointField(srid=4326, null=True, blank=True)
    disposal = models.CharField(max_length=20, choices=Disposal.choices, blank=True)
    on = models.DateField()
    # The model as written is kept; its match in the catalogue (decision 0049) decides what the item counts as.
    catalogue_entry = models.ForeignKey(
        "ordnance.OrdnanceModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="finds"
    )
    catalogue_note = models.CharField(max_length=200, blank=True, help_text='The match, or "not in catalogue"')

    def counted_category(self) -> str:
        """The category the item is counted as: the catalogue's where its model matches, else as reported."""
        return self.catalogue_entry.category if self.catalogue_entry else self.category


class Handover(models.Model):
    """Released land formally handed back to its users: the whole hazard, or one released parcel of it."""

    hazard = models.ForeignKey(HazardousArea, on_delete=models.CASCADE, related_name="handovers")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT)
    on = models.DateField()
    handed_to = models.CharField(max_length=200)
    certificate = models.CharField(max_length=100, blank=True)
    # Empty when the whole hazard is handed over (and closes); else the released land handed over (decision 0047).
    parcel = models.MultiPolygonField(srid=4326, null=True, blank=True)
    parcel_area_m2 = models.FloatField(null=True, blank=True, help_text="Measured in the hazard's UTM zone")


class MinefieldRecord(models.Model):
    """A record of a laid minefield (CCW Amended Protocol II, Art. 9 and Technical Annex), through its life.

    Received from the body that laid it (a military unit, another state), attached to the hazard it
    describes, rated by the approver, its marking, fence and monitoring inspected on a schedule, and handed
    over to the organisation that clears it. Kept so that the area can be marked, monitored and cleared and
    civilians kept out; nothing here plans or lays anything. Written only by hazards.projections.
    """

    hazard = models.OneToOneField(HazardousArea, on_delete=models.CASCADE, related_name="minefield_record")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT)
    laying_party = models.CharField(max_length=200)
    date_laid = models.DateField()
    perimeter = models.MultiPolygonField(srid=4326, null=True, blank=True, help_text="As the record draws it")
    reference_points = models.MultiPointField(srid=4326)
    devices = models.JSONField(help_text="[{category, model, quantity, catalogue, catalogue_note}]")
    self_destructing = models.BooleanField(default=False)
    lifetime_days = models.PositiveIntegerField(null=True, blank=True)
    # Receipt: from whom, when, under which document (empty on records entered before decision 0049).
    received_from = models.CharField(max_length=200, blank=True)
    received_from_kind = models.CharField(max_length=20, choices=RecordSource.choices, blank=True)
    received_on = models.DateField(null=True, blank=True)
    document_reference = models.CharField(max_length=200, blank=True)
    #: The approver's rating of the record (MinefieldRecordRating), never a default.
    reliability = models.CharField(max_length=10, choices=Reliability.choices, blank=True)
    #: Who holds the record now: the receiving organisation, then each hand-over's recipient.
    held_by = models.CharField(max_length=200, blank=True)
    # The state the latest inspection found (or the record stated), and when the next one is due.
    marking_status = models.CharField(max_length=10, choices=MarkingStatus.choices, default=MarkingStatus.UNMARKED)
    fenced = models.BooleanField(default=False)
    monitored = models.BooleanField(default=False)
    last_inspected_on = models.DateField(null=True, blank=True)
    next_inspection_due = models.DateField(null=True, blank=True)

    class Meta:
        # The overdue list: records whose next inspection is due before a date.
        indexes = [models.Index(fields=["next_inspection_due"], name="minefield_next_due_idx")]

    def hazard_marking(self) -> str:
        """The hazard's marking status as the record's state says: a standing fence is the strongest marking."""
        return MarkingStatus.FENCED if self.fenced else self.marking_status

    def apply_inspection(self, on: Any, checks: list[dict[str, str]], *, marking_status: str, next_due: Any) -> bool:
        """Take an inspection's findings into the record's state; False when a later inspection is already known.

        A fence or monitoring found missing is no longer there; found in place (even damaged), it stands.
        Perimeter marking found missing leaves the area unmarked unless the inspector states its status.
        """
        if self.last_inspected_on is not None and on < self.last_inspected_on:
            return False  # an older inspection is history: it does not overwrite what a later one found
        for check in checks:
            present = check["condition"] != InspectionCondition.MISSING
            if check["element"] == InspectedElement.FENCE:
                self.fenced = present
            elif check["element"] == InspectedElement.MONITORING:
                self.monitored = present
            elif check["element"] == InspectedElement.MARKING and not present:
                self.marking_status = MarkingStatus.UNMARKED
        if marking_status:
            self.marking_status = marking_status
        self.last_inspected_on = on
        self.next_inspection_due = next_due
        return True


class MinefieldInspection(models.Model):
    """One element of a minefield inspected on a date (perimeter marking, fence, monitoring), and what was found."""

    record = models.ForeignKey(MinefieldRecord, on_delete=models.CASCADE, related_name="inspections")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="minefield_inspections")
    on = models.DateField()
    element = models.CharField(max_length=12, choices=InspectedElement.choices)
    condition = models.CharField(max_length=10, choices=InspectionCondition.choices)
    next_due = models.DateField(help_text="When the next inspection is due")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["on", "id"]


class MinefieldRecordTransfer(models.Model):
    """A hand-over of a minefield record (to the clearing organisation): from whom, to whom, when, which document."""

    record = models.ForeignKey(MinefieldRecord, on_delete=models.CASCADE, related_name="transfers")
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="minefield_transfers")
    on = models.DateField()
    handed_from = models.CharField(max_length=200)
    handed_to = models.CharField(max_length=200)
    document_reference = models.CharField(max_length=200)

    class Meta:
        ordering = ["on", "id"]


class MinefieldRecordRating(models.Model):
    """The approver's rating of a minefield record's reliability, given at approval.

    Kept on the report, not on the derived record, so that a replay (unapproval, supersession of another
    report) rebuilds the record with the rating its approver gave; a new approval rates it again.
    """

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="minefield_rating")
    reliability = models.CharField(max_length=10, choices=Reliability.choices)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField()


class DataVersion(models.Model):
    """A counter bumped on commit of every approval: caches and tiles key on it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)


def data_version() -> int:
    """The register's data version now: what tiles' ETags, the tile cache, the public map and the ranking key on."""
    return int(DataVersion.objects.filter(pk=1).values_list("value", flat=True).first() or 0)


class HazardIndication(models.Model):
    """A report from an outside source that land may be contaminated: a point to survey, not yet a hazard.

    A suspicion starts a non-technical survey (IMAS 08.10), which may register a hazard through an `nts`
    report; until then it stays here, "for survey". Written only by hazards.indications (audited).
    """

    class Status(models.TextChoices):
        FOR_SURVEY = "for_survey", _("For survey")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="hazard_indications")
    source = models.CharField(max_length=40)  # "aicma-events"
    source_key = models.CharField(max_length=120)  # the source's identity of the point (no source ID: a fingerprint)
    location = models.PointField(srid=4326)
    kind = models.CharField(max_length=20, choices=IndicationKind.choices, default=IndicationKind.SUSPECTED)
    year = models.PositiveSmallIntegerField(null=True, blank=True)  # the AICMA events give the year only
    place = models.CharField(max_length=300, blank=True)  # municipality and department as the source names them
    admin_area = models.ForeignKey(AdminArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.FOR_SURVEY)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "source_key"], name="hazard_indication_unique_key")]

    def __str__(self) -> str:
        return f"Hazard indication {self.source} {self.year or ''} ({self.status})"


class HazardOverlap(models.Model):
    """A new hazard's overlap with a hazard already registered, and what its approver did about it (decision 0048).

    Written by hazards.projections when the approval of a new hazard resolves an overlap (link or clip);
    kept through replays (the clip is re-applied from `geom`), gone with either hazard.
    """

    hazard = models.ForeignKey(HazardousArea, on_delete=models.CASCADE, related_name="overlaps")
    other = models.ForeignKey(HazardousArea, on_delete=models.CASCADE, related_name="overlapped_by")
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="overlaps")
    resolution = models.CharField(max_length=10, choices=OverlapResolution.choices)
    geom = models.MultiPolygonField(srid=4326, help_text="The overlap as it was at approval")
    area_m2 = models.FloatField(help_text="The overlap's area at approval, in the new hazard's UTM zone")
    identical = models.BooleanField(default=False, help_text="Same polygon (ST_Equals), whatever its start vertex")
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["hazard", "other"], name="hazard_overlap_pair")]
        # Serves the national totals: linked overlaps of the hazards in scope.
        indexes = [models.Index(fields=["resolution", "hazard"], name="hazard_overlap_resolution_idx")]


# Clearance outputs reported in aggregate (no polygon) live in their own module; imported here so Django finds them.
from hazards.outputs import ClearanceOutput  # noqa: E402, F401
