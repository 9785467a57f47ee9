"""IMAS-aligned vocabularies (IMAS 04.10 terms). Stored values are stable codes; labels translate."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    NATIONAL_AUTHORITY = "national_authority", _("National mine action authority")
    NGO = "ngo", _("Operator (NGO)")
    COMMERCIAL = "commercial", _("Operator (commercial)")
    MILITARY_POLICE = "military_police", _("Military or police")
    UN = "un", _("United Nations")


class Role(models.TextChoices):
    AUTHORITY_ADMIN = "authority_admin", _("National authority admin")
    IM_OFFICER = "im_officer", _("Information management officer")
    DATA_CLERK = "data_clerk", _("Data clerk")
    QA_OFFICER = "qa_officer", _("QA officer")
    VIEWER = "viewer", _("Viewer")


class Classification(models.TextChoices):
    SHA = "SHA", _("Suspected hazardous area")
    CHA = "CHA", _("Confirmed hazardous area")


class HazardStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WORKED_ON = "worked_on", _("Worked on")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class IndicationKind(models.TextChoices):
    """What a hazard indication (a point, not yet a hazard) says was there (decision 0048)."""

    SUSPECTED = "suspected", _("Suspected contamination")
    # A minefield that was lifted (removed) there: the land may hold what was missed, but it is no suspicion
    # of a new minefield, and Form C / the map must not count it as one.
    LIFTED_MINEFIELD = "lifted_minefield", _("Lifted minefield")


class OverlapResolution(models.TextChoices):
    """What the approver of a new hazard did about its overlap with registered hazards (decision 0048)."""

    MERGE = "merge", _("Merged into the registered hazard")
    LINK = "link", _("Linked: both kept, the overlap counted once")
    CLIP = "clip", _("Clipped: the new hazard loses the overlap")


class EvidenceKind(models.TextChoices):
    DIRECT = "direct", _("Direct")
    INDIRECT = "indirect", _("Indirect")


class EvidenceSource(models.TextChoices):
    OBSERVED = "observed", _("Observed")
    VERBAL = "verbal", _("Verbal")
    RECORDS = "records", _("Records")


class Reliability(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class ActivityKind(models.TextChoices):
    NTS = "nts", _("Non-technical survey")
    TS = "ts", _("Technical survey")
    CLEARANCE = "clearance", _("Clearance")
    EOD_SPOT = "eod_spot", _("EOD spot task")
    BAC = "bac", _("Battle area clearance")
    MARKING = "marking", _("Marking")
    PCI = "pci", _("Post-clearance inspection")
    HANDOVER = "handover", _("Handover")


class Method(models.TextChoices):
    MANUAL = "manual", _("Manual")
    MECHANICAL = "mechanical", _("Mechanical")
    ANIMAL = "animal", _("Animal detection")
    COMBINED = "combined", _("Combined")
    REMOTE_SENSING = "remote_sensing", _("Remote sensing")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")


class ProductKind(models.TextChoices):
    CANCELLED = "cancelled", _("Cancelled")
    REDUCED = "reduced", _("Reduced")
    CLEARED = "cleared", _("Cleared")


# Invariant 3: which activities produce which land-release product. Battle area clearance clears land
# as mine clearance does (IMAS 09.11), to its own depth; decision 0047.
PRODUCT_ACTIVITY: dict[str, tuple[str, ...]] = {
    ProductKind.CANCELLED: (ActivityKind.NTS,),
    ProductKind.REDUCED: (ActivityKind.TS,),
    ProductKind.CLEARED: (ActivityKind.CLEARANCE, ActivityKind.BAC),
}

# The work that puts a hazard "worked on" while it is under way (IMAS 07.11): survey and clearance.
FIELD_WORK: tuple[str, ...] = (ActivityKind.TS, ActivityKind.CLEARANCE, ActivityKind.BAC)


class DeviceCategory(models.TextChoices):
    AP_MINE = "ap_mine", _("Anti-personnel mine")
    # A victim-activated improvised device is an anti-personnel mine under Art. 2(1) of the Convention
    # (designed to be exploded by the presence, proximity or contact of a person), whoever made it.
    AP_IMPROVISED = "ap_improvised", _("Improvised anti-personnel mine")
    AT_MINE = "at_mine", _("Anti-vehicle mine")
    UXO = "uxo", _("Unexploded ordnance")
    AXO = "axo", _("Abandoned explosive ordnance")
    SUBMUNITION = "submunition", _("Cluster submunition")
    IED = "ied", _("Improvised explosive device")
    BOOBY_TRAP = "booby_trap", _("Booby trap")
    UNKNOWN = "unknown", _("Unknown")


class MarkingStatus(models.TextChoices):
    UNMARKED = "unmarked", _("Not marked")
    PARTIAL = "partial", _("Partially marked")
    MARKED = "marked", _("Marked")
    FENCED = "fenced", _("Fenced")


class RecordSource(models.TextChoices):
    """Who handed over a record of a laid minefield (CCW Amended Protocol II, Art. 9 and Technical Annex)."""

    MILITARY_UNIT = "military_unit", _("Military unit that laid it")
    STATE = "state", _("Another state")
    OTHER = "other", _("Other body")


class InspectedElement(models.TextChoices):
    """What a minefield inspection looked at: the perimeter marking, the fence, the monitoring."""

    MARKING = "marking", _("Perimeter marking")
    FENCE = "fence", _("Fence")
    MONITORING = "monitoring", _("Monitoring")


class InspectionCondition(models.TextChoices):
    """The state an inspector found: in place and sound, in place but damaged, or gone."""

    GOOD = "good", _("In place, good condition")
    DAMAGED = "damaged", _("In place, damaged")
    MISSING = "missing", _("Missing")


class LandUse(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture")
    GRAZING = "grazing", _("Grazing")
    RESIDENTIAL = "residential", _("Residential")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    FOREST = "forest", _("Forest")
    WATER = "water", _("Water access")
    OTHER = "other", _("Other")


class FindCondition(models.TextChoices):
    INTACT = "intact", _("Intact")
    DAMAGED = "damaged", _("Damaged")
    ARMED = "armed", _("Armed")
    UNKNOWN = "unknown", _("Unknown")


class Disposal(models.TextChoices):
    DESTROYED_IN_SITU = "destroyed_in_situ", _("Destroyed in situ")
    DESTROYED_OFF_SITE = "destroyed_off_site", _("Removed and destroyed at a demolition site")
    REMOVED = "removed", _("Removed for later destruction")
    RENDERED_SAFE = "rendered_safe", _("Rendered safe")
    HANDED_OVER = "handed_over", _("Handed over to authorities")


# Art. 2(1) and 5(1) of the Convention: the categories that make an area a "mined area" under
# Art. 5 and Form C of Art. 7 (an area containing or suspected to contain anti-personnel mines).
AP_MINE_CATEGORIES: tuple[str, ...] = (DeviceCategory.AP_MINE, DeviceCategory.AP_IMPROVISED)

# Dispositions that destroy the item (Art. 7(1)(g), Form G: "destroyed"). Removed-not-yet-destroyed,
# rendered safe and handed-over items are found, not destroyed, and are reported apart.
DESTROYED_DISPOSALS: tuple[str, ...] = (Disposal.DESTROYED_IN_SITU, Disposal.DESTROYED_OFF_SITE)
