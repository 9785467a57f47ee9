"""Accident report (IMAS 10.60) with its casualties (IMAS 13.10); it stands apart from any hazard.

Each casualty's `identity` (name, date of birth, contact, address) is personal data: the payload
stores it sealed ({"fernet": token}, casualties/sealing.py), and this kind reads either form. On
approval casualties/records.py creates the Accident and its Casualty rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casualties import crypto
from casualties.choices import (
    DEMINING_KINDS,
    AccidentKind,
    ActivityAtTime,
    AgeBand,
    CasualtyCategory,
    DatePrecision,
    Displacement,
    EvidenceKind,
    Outcome,
    RiskEducation,
    Sex,
)
from core.errors import Problem
from reports.fields import (
    Boolean,
    Choice,
    Date,
    DateTime,
    Declaration,
    Group,
    Number,
    Point,
    Rows,
    Section,
    Text,
)
from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import DeviceCategory

#: A casualty's identity: personal data, recorded only with consent and stored sealed.
IDENTITY = Group(
    name="identity",
    label=_("Identity (personal data)"),
    sealed=True,
    fields=(
        Text(name="name", label=_("Name (personal data)"), required=True, max_len=200),
        Date(name="date_of_birth", label=_("Date of birth (personal data)")),
        Text(name="contact", label=_("Contact (personal data)"), max_len=200),
        Text(name="address", label=_("Address (personal data)"), max_len=500),
    ),
)
# A sealed identity is checked on its own, its fields at the top (casualties/crypto.py).
_SEALED_IDENTITY = Declaration((Section("", IDENTITY.fields),))


@dataclass
class AccidentChanges(Changes):
    """The accident and its casualties, identities decrypted (records.py encrypts them again)."""

    accident: dict[str, Any] = field(default_factory=dict)
    casualties: list[dict[str, Any]] = field(default_factory=list)


def _identity(c: Checker, prefix: str, on: dt.date | None) -> dict[str, Any]:
    at = f"{prefix}." if prefix else ""
    dob = c.value(f"{at}date_of_birth")
    if dob and on and dob > on:
        c.problem(f"{at}date_of_birth", gettext("%(dob)s is after the accident") % {"dob": dob}, "dates_out_of_order")
    out = {
        "name": c.value(f"{at}name"),
        "date_of_birth": dob.isoformat() if dob else "",
        "contact": c.value(f"{at}contact"),
        "address": c.value(f"{at}address"),
    }
    return {k: v for k, v in out.items() if v}


def _sealed_identity(c: Checker, path: str, on: dt.date | None, label: str) -> dict[str, Any]:
    """A sealed identity: decrypted, then checked field by field like a plain one, problems at its path."""
    token = c.text(f"{path}.{crypto.SEALED}", max_len=100_000)
    try:
        value = crypto.decrypt(token)
    except ValueError as exc:
        c.problem(path, str(exc), "not_decryptable")
        return {}
    inner = Checker(value, _SEALED_IDENTITY)
    out = _identity(inner, "", on)
    inner.unknown_fields(label)
    c.problems.extend(
        Problem(f"payload.{path}.{p.field.removeprefix('payload.')}", p.message, p.code) for p in inner.problems
    )
    return out


def _age_at(dob: str, on: dt.date) -> int:
    born = dt.date.fromisoformat(dob)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class AccidentReport(ReportKindSpec):
    kind = "accident"
    label = _("report of an accident")  # read as "is not a field of a report of an accident"
    title = _("Accident report (with casualties)")
    hazard = "optional"  # approval needs no hazard; parse refuses one (an accident is not a hazard's fact)
    records_with = ("casualties.records.record_accident", "casualties.records.clear_accident")
    fields = (
        Section(
            _("Accident"),
            (
                Choice(name="accident_kind", label=_("Kind of accident"), vocab=AccidentKind, required=True),
                DateTime(name="occurred_at", label=_("Occurred at"), required=True),
                # A month (year) known only is given as its 1st (1 January): checked in changes().
                Choice(
                    name="date_precision",
                    label=_("Date precision"),
                    vocab=DatePrecision,
                    default=DatePrecision.DAY,
                    help=_("Month or year: give the date as the 1st of the month, or 1 January."),
                ),  # fmt: skip
                Point(name="location", label=_("Location"), required=True),
                Choice(name="device_category", label=_("Device category"), vocab=DeviceCategory, required=True),
                # Its default follows the kind of accident (changes()): demining, or unknown.
                Choice(name="activity", label=_("Activity at the time"), vocab=ActivityAtTime),
                # Required of demining accidents and incidents, refused of civilian ones (changes()).
                Text(
                    name="asset",
                    label=_("Demining asset"),
                    max_len=200,
                    help=_("For demining accidents and incidents."),
                ),  # fmt: skip
                Text(name="description", label=_("Description"), multiline=True),
                Boolean(name="casualties_not_stated", label=_("Casualties are recorded elsewhere")),
            ),
        ),
        Section(
            _("Evidence"),
            (
                Rows(
                    name="evidence",
                    label=_("Evidence"),
                    fields=(
                        Choice(name="kind", label=_("Kind of evidence"), vocab=EvidenceKind, required=True),
                        Text(name="description", label=_("Description"), multiline=True, required=True),
                    ),
                ),
            ),
        ),
        Section(
            _("Casualties"),
            (
                Rows(
                    name="casualties",
                    label=_("Casualties"),
                    fields=(
                        Choice(name="sex", label=_("Sex"), vocab=Sex, required=True),
                        Number(name="age", label=_("Age"), integer=True, maximum=120),
                        Choice(name="age_band", label=_("Age band"), vocab=AgeBand),
                        Choice(name="outcome", label=_("Outcome"), vocab=Outcome, required=True),
                        Choice(name="category", label=_("Category"), vocab=CasualtyCategory, required=True),
                        Choice(
                            name="activity", label=_("Activity at the time"), vocab=ActivityAtTime, default="unknown"
                        ),  # fmt: skip
                        Choice(name="displacement", label=_("Displacement"), vocab=Displacement, default="unknown"),
                        Choice(
                            name="prior_risk_education",
                            label=_("Prior risk education"),
                            vocab=RiskEducation,
                            default="unknown",
                        ),  # fmt: skip
                        Boolean(name="disability", label=_("Disability")),
                        Text(name="injury_details", label=_("Injury details"), multiline=True),
                        Boolean(name="consent", label=_("Consent to record identity")),
                        IDENTITY,
                    ),
                ),
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        if has_hazard:
            c.problems.append(
                Problem(
                    "hazard", gettext("an accident report stands alone; leave the hazard empty"), "hazard_not_allowed"
                )
            )
        kind = c.value("accident_kind")
        occurred = c.value("occurred_at")
        if occurred and occurred <= timezone.now() and on and occurred.date() > on:
            message = gettext("%(date)s is after the report's date of information %(on)s")
            c.problem("occurred_at", message % {"date": occurred.date(), "on": on}, "after_date_of_information")
        demining = kind in DEMINING_KINDS
        asset = c.value("asset", required=demining)
        if asset and kind == AccidentKind.CIVILIAN_ACCIDENT:
            c.problem("asset", gettext("is recorded for demining accidents and incidents only"), "not_applicable")
        evidence = c.value("evidence")
        changes = AccidentChanges()
        precision = c.value("date_precision")
        if (
            occurred
            and precision in (DatePrecision.MONTH, DatePrecision.YEAR)
            and (occurred.day != 1 or (precision == DatePrecision.YEAR and occurred.month != 1))
        ):
            # Stored on the first of its month (year): a 15th with "month" would be read as two different claims.
            message = (
                gettext("a date known to the month only is given as the first day of the month")
                if precision == DatePrecision.MONTH
                else gettext("a date known to the year only is given as 1 January")
            )
            c.problem("occurred_at", message, "imprecise_date")
        changes.accident = {
            "kind": kind,
            "occurred_at": occurred,
            "date_precision": precision,
            "location": c.value("location"),
            "device_category": c.value("device_category"),
            "activity": c.value("activity", default=ActivityAtTime.DEMINING if demining else ActivityAtTime.UNKNOWN),
            "asset": asset,
            "description": c.value("description"),
            "evidence": evidence,
        }
        occurred_on = occurred.date() if occurred else on
        # A source that records the event but keeps its victims elsewhere (AICMA's events file: the victims are
        # in the victims register) says so explicitly rather than leaving the list silently empty.
        not_stated = c.value("casualties_not_stated")
        needs_casualties = kind in (AccidentKind.DEMINING_ACCIDENT, AccidentKind.CIVILIAN_ACCIDENT) and not not_stated
        rows = c.rows("casualties", required=needs_casualties)
        if rows and not_stated:
            c.problem(
                "casualties_not_stated", gettext("casualties are listed; leave this out"), "contradicts_casualties"
            )
        if rows and kind == AccidentKind.DEMINING_INCIDENT:
            message = gettext("a demining incident (near miss) has no casualties; report it as an accident")
            c.problem("casualties", message, "contradicts_casualties")
        changes.casualties = [self._casualty(c, f"casualties.{i}", occurred_on) for i in rows]
        return changes

    def _casualty(self, c: Checker, row: str, on: dt.date | None) -> dict[str, Any]:
        identity: dict[str, Any] = {}
        raw = c.payload["casualties"][int(row.rsplit(".", 1)[1])].get("identity")
        if crypto.is_sealed(raw):
            identity = _sealed_identity(c, f"{row}.identity", on, self.english_label)
        elif isinstance(raw, dict) and raw:
            identity = _identity(c, f"{row}.identity", on)
        elif raw not in (None, {}):
            c.present(f"{row}.identity")  # read: one problem here, not a second "unknown field" one
            c.problem(
                f"{row}.identity", gettext("must be an object (name, date_of_birth, contact, address)"), "not_an_object"
            )
        consent = c.value(f"{row}.consent")
        if identity and not consent:
            c.problem(
                f"{row}.identity",
                gettext("is recorded only with the casualty's consent (consent: true)"),
                "consent_required",
            )
        age = c.value(f"{row}.age")
        if age is None and identity.get("date_of_birth") and on:
            age = _age_at(identity["date_of_birth"], on)
        # A register that states only a band (AICMA: under/over 18) gives age_band instead of an age.
        band = c.value(f"{row}.age_band")
        if band and age is not None:
            c.problem(
                f"{row}.age_band",
                gettext("give the age or its band, not both (the band follows from the age)"),
                "age_and_band",
            )
        outcome = c.value(f"{row}.outcome")
        disability = c.value(f"{row}.disability")
        if disability and outcome == Outcome.KILLED:
            c.problem(f"{row}.disability", gettext("a person killed has no disability to record"), "not_applicable")
        return {
            "sex": c.value(f"{row}.sex"),
            "age": int(age) if age is not None else None,
            "age_band": band,
            "outcome": outcome,
            "category": c.value(f"{row}.category"),
            "activity": c.value(f"{row}.activity"),
            "displacement": c.value(f"{row}.displacement"),
            "prior_risk_education": c.value(f"{row}.prior_risk_education"),
            "disability": disability,
            "injury_details": c.value(f"{row}.injury_details"),
            "consent": consent,
            "identity": identity,
        }
