"""Victim-assistance referrals of casualties (IMAS 13.10): needs, service, provider, dates, outcome.

A referral is a person's health and social data: it is read only by the roles that may see the
casualty's personal data and written only through assistance/actions.py. Each change of outcome (and
each follow-up contact) is a ReferralUpdate row. See docs/decisions/0013-victim-assistance-and-rates.md.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Need(models.TextChoices):
    EMERGENCY_MEDICAL = "emergency_medical", _("Emergency medical care")
    CONTINUING_MEDICAL = "continuing_medical", _("Continuing medical care")
    REHABILITATION = "rehabilitation", _("Rehabilitation / prosthetics")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    SOCIO_ECONOMIC = "socio_economic", _("Socio-economic inclusion")
    EDUCATION = "education", _("Education")
    LEGAL = "legal", _("Legal / administrative")
    OTHER = "other", _("Other")


class ReferralOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    RECEIVING = "receiving_services", _("Receiving services")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")
    LOST = "lost_to_follow_up", _("Lost to follow-up")
    DECEASED = "deceased", _("Deceased")


# Outcomes that close a referral: `closed_on` is set, and no further follow-up is taken.
CLOSING = {ReferralOutcome.COMPLETED, ReferralOutcome.DECLINED, ReferralOutcome.LOST, ReferralOutcome.DECEASED}


class Referral(models.Model):
    """One referral of a casualty to a service for the needs identified."""

    # PROTECT: a referral records services given to a person; unapproving the accident report must not
    # silently delete it (the unapproval is refused until the referral is dealt with).
    casualty = models.ForeignKey("casualties.Casualty", on_delete=models.PROTECT, related_name="referrals")
    needs = ArrayField(models.CharField(max_length=30, choices=Need.choices))
    service = models.CharField(max_length=200)
    # Free text: hospitals, rehabilitation centres and social services are not Clearground organisations.
    provider = models.CharField(max_length=200)
    referred_on = models.DateField()
    service_started_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ReferralOutcome.choices, default=ReferralOutcome.PENDING)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The referral list filtered by outcome, and the statistics by outcome.
            models.Index(fields=["outcome"], name="referral_outcome_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service_started_on__isnull=True)
                | models.Q(service_started_on__gte=models.F("referred_on")),
                name="referral_started_after_referred",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("referred_on")),
                name="referral_closed_after_referred",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral #{self.pk} ({self.outcome})"

    @property
    def is_closed(self) -> bool:
        return self.outcome in CLOSING


class ReferralUpdate(models.Model):
    """One follow-up of a referral: the outcome it moved from and to (equal for a contact), on which day."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="updates")
    from_outcome = models.CharField(max_length=20, choices=ReferralOutcome.choices, blank=True)
    to_outcome = models.CharField(max_length=20, choices=ReferralOutcome.choices)
    on = models.DateField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["referral", "on", "id"]
