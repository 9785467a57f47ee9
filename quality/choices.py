"""Quality-management vocabularies (IMAS 07.30 accreditation, 07.40 monitoring, 09.20 post-clearance inspection)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccreditationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TeamType(models.TextChoices):
    """What a team does (IMAS 07.10 tasking, 07.30 accreditation of teams)."""

    MANUAL = "manual", _("Manual demining")
    MECHANICAL = "mechanical", _("Mechanical")
    MDD = "mdd", _("Mine detection dogs")
    EOD = "eod", _("Explosive ordnance disposal")
    NTS = "nts", _("Non-technical survey")
    EORE = "eore", _("Explosive ordnance risk education")
    BAC = "bac", _("Battle area clearance")


class AssetKind(models.TextChoices):
    """An asset accredited on its own: a machine, a detection dog (IMAS 09.50, 09.40)."""

    MACHINE = "machine", _("Demining machine")
    DOG = "dog", _("Mine detection dog")
    DETECTOR = "detector", _("Detector")
    VEHICLE = "vehicle", _("Vehicle")


class QcResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class NonConformityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACTION_TAKEN = "action_taken", _("Corrective action taken")
    CLOSED = "closed", _("Verified and closed")


# Report kinds written by the authority's QA officers (accounts.access lets them author only these).
QA_KINDS = frozenset({"qa_visit", "qc_inspection"})
