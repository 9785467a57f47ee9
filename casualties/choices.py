"""Vocabularies of accidents (IMAS 10.60) and casualties (IMAS 13.10), as stable codes with labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccidentKind(models.TextChoices):
    DEMINING_ACCIDENT = "demining_accident", _("Demining accident")
    DEMINING_INCIDENT = "demining_incident", _("Demining incident (near miss)")
    CIVILIAN_ACCIDENT = "civilian_accident", _("Civilian accident with explosive ordnance")


DEMINING_KINDS = {AccidentKind.DEMINING_ACCIDENT, AccidentKind.DEMINING_INCIDENT}


class Stage(models.TextChoices):
    """The investigation of an accident, in order (IMAS 10.60): each step is one AccidentStageChange row."""

    NOTIFICATION = "notification", _("Notification")
    INVESTIGATION = "investigation", _("Investigation")
    FINDINGS = "findings", _("Findings")
    CORRECTIVE_ACTIONS = "corrective_actions", _("Corrective actions")
    CLOSED = "closed", _("Closed")


STAGE_ORDER = list(Stage.values)


class EvidenceKind(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    WITNESS = "witness", _("Witness")
    DOCUMENTARY = "documentary", _("Documentary")


class ActivityAtTime(models.TextChoices):
    AGRICULTURE = "agriculture", _("Farming")
    HERDING = "herding", _("Herding animals")
    COLLECTING = "collecting", _("Collecting wood, food or water")
    TRAVELLING = "travelling", _("Travelling")
    PLAYING = "playing", _("Playing")
    HANDLING = "handling", _("Handling or tampering with an item")
    HOUSEHOLD = "household", _("Household work")
    DEMINING = "demining", _("Demining work")
    MILITARY_DUTY = "military_duty", _("Military duty")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Unknown")


class Outcome(models.TextChoices):
    KILLED = "killed", _("Killed")
    INJURED = "injured", _("Injured")


class CasualtyCategory(models.TextChoices):
    """Who the casualty was (IMAS 10.60; Landmine Monitor keeps an 'unknown' status rather than guessing)."""

    CIVILIAN = "civilian", _("Civilian")
    MILITARY = "military", _("Military")
    DEMINER = "deminer", _("Deminer")
    UNKNOWN = "unknown", _("Unknown")


class DatePrecision(models.TextChoices):
    """How much of an accident's date is known: the day, only the month, or only the year.

    A register that states the month (AICMA victims) or the year (AICMA events) is stored on the first
    day of that month or year with its precision; statistics never put it on a finer period (decision 0041).
    """

    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class Displacement(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    IDP = "idp", _("Internally displaced")
    REFUGEE = "refugee", _("Refugee")
    RETURNEE = "returnee", _("Returnee")
    UNKNOWN = "unknown", _("Unknown")


class RiskEducation(models.TextChoices):
    """Had the casualty received explosive ordnance risk education before the accident?"""

    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


class AgeBand(models.TextChoices):
    """Bands that separate children (under 18) as the Convention's reporting does."""

    B0_4 = "0-4", "0–4"
    B5_11 = "5-11", "5–11"
    B12_17 = "12-17", "12–17"
    B18_29 = "18-29", "18–29"
    B30_44 = "30-44", "30–44"
    B45_59 = "45-59", "45–59"
    B60 = "60+", _("60 and over")
    # Coarse bands of registers that state only child or adult (Colombia's AICMA: "Menor/Mayor de 18 años").
    MINOR = "0-17", _("Under 18")
    ADULT = "18+", _("18 and over")
    UNKNOWN = "unknown", _("Unknown")


_BAND_LIMITS = [(4, AgeBand.B0_4), (11, AgeBand.B5_11), (17, AgeBand.B12_17), (29, AgeBand.B18_29),
                (44, AgeBand.B30_44), (59, AgeBand.B45_59)]  # fmt: skip


def age_band(age: int | None) -> str:
    """The band of an age in whole years; 'unknown' when the age is not known."""
    if age is None:
        return AgeBand.UNKNOWN
    for upper, band in _BAND_LIMITS:
        if age <= upper:
            return band
    return AgeBand.B60
