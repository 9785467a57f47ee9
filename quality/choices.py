"""Quality-management vocabularies (IMAS 07.30 accreditation, 07.40 monitoring, 09.20 post-clearance inspection)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccreditationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


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
