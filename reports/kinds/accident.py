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
from django.utils.translation import gettext_lazy

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
from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import DeviceCategory


@dataclass
class AccidentChanges(Changes):
    """The accident and its casualties, identities decrypted (records.py encrypts them again)."""

    accident: dict[str, Any] = field(default_factory=dict)
    casualties: list[dict[str, Any]] = field(default_factory=list)


def _identity(c: Checker, prefix: str, on: dt.date | None) -> dict[str, Any]:
    at = f"{prefix}." if prefix else ""
    dob = c.date(f"{at}date_of_birth", required=False)
    if dob and on and dob > on:
        c.problem(f"{at}date_of_birth", f"{dob} is after the accident")
    out = {
        "name": c.text(f"{at}name", required=True, max_len=200),
        "date_of_birth": dob.isoformat() if dob else "",
        "contact": c.text(f"{at}contact", max_len=200),
        "address": c.text(f"{at}address", max_len=500),
    }
    return {k: v for k, v in out.items() if v}


def _sealed_identity(c: Checker, path: str, on: dt.date | None, label: str) -> dict[str, Any]:
    """A sealed identity: decrypted, then checked field by field like a plain one, problems at its path."""
    token = c.text(f"{path}.{crypto.SEALED}", max_len=100_000)
    try:
        value = crypto.decrypt(token)
    except ValueError as exc:
        c.problem(path, str(exc))
        return {}
    inner = Checker(value)
    out = _identity(inner, "", on)
    inner.unknown_fields(label)
    c.problems.extend(Problem(f"payload.{path}.{p.field.removeprefix('payload.')}", p.message) for p in inner.problems)
    return out


def _age_at(dob: str, on: dt.date) -> int:
    born = dt.date.fromisoformat(dob)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class AccidentReport(ReportKindSpec):
    kind = "accident"
    label = gettext_lazy("report of an accident")  # read as "is not a field of a report of an accident"
    hazard = "optional"  # approval needs no hazard; parse refuses one (an accident is not a hazard's fact)
    records_with = ("casualties.records.record_accident", "casualties.records.clear_accident")

    def parse(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        if has_hazard:
            c.problems.append(Problem("hazard", "an accident report stands alone; leave the hazard empty"))
        kind = c.choice("accident_kind", AccidentKind.values)
        occurred = self._occurred_at(c, on)
        demining = kind in DEMINING_KINDS
        asset = c.text("asset", required=demining, max_len=200)
        if asset and kind == AccidentKind.CIVILIAN_ACCIDENT:
            c.problem("asset", "is recorded for demining accidents and incidents only")
        evidence = [
            {
                "kind": c.choice(f"evidence.{i}.kind", EvidenceKind.values),
                "description": c.text(f"evidence.{i}.description", required=True),
            }
            for i in c.rows("evidence")
        ]
        changes = AccidentChanges()
        precision = c.choice("date_precision", DatePrecision.values, required=False, default=DatePrecision.DAY)
        if (
            occurred
            and precision != DatePrecision.DAY
            and (occurred.day != 1 or (precision == DatePrecision.YEAR and occurred.month != 1))
        ):
            # Stored on the first of its month (year): a 15th with "month" would be read as two different claims.
            first = "first day of the month" if precision == DatePrecision.MONTH else "1 January"
            c.problem("occurred_at", f"a date known to the {precision} only is given as the {first}")
        changes.accident = {
            "kind": kind,
            "occurred_at": occurred,
            "date_precision": precision,
            "location": c.point("location", required=True),
            "device_category": c.choice("device_category", DeviceCategory.values),
            "activity": c.choice(
                "activity",
                ActivityAtTime.values,
                required=False,
                default=ActivityAtTime.DEMINING if demining else ActivityAtTime.UNKNOWN,
            ),  # fmt: skip
            "asset": asset,
            "description": c.text("description"),
            "evidence": evidence,
        }
        occurred_on = occurred.date() if occurred else on
        # A source that records the event but keeps its victims elsewhere (AICMA's events file: the victims are
        # in the victims register) says so explicitly rather than leaving the list silently empty.
        not_stated = c.boolean("casualties_not_stated")
        needs_casualties = kind in (AccidentKind.DEMINING_ACCIDENT, AccidentKind.CIVILIAN_ACCIDENT) and not not_stated
        rows = c.rows("casualties", required=needs_casualties)
        if rows and not_stated:
            c.problem("casualties_not_stated", "casualties are listed; leave this out")
        if rows and kind == AccidentKind.DEMINING_INCIDENT:
            c.problem("casualties", "a demining incident (near miss) has no casualties; report it as an accident")
        changes.casualties = [self._casualty(c, f"casualties.{i}", occurred_on) for i in rows]
        return changes

    def _occurred_at(self, c: Checker, on: dt.date | None) -> dt.datetime | None:
        raw = c.text("occurred_at", required=True, max_len=40)
        if not raw:
            return None
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            c.problem("occurred_at", f"'{raw}' is not a date and time (YYYY-MM-DDTHH:MM, with its UTC offset)")
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > timezone.now():
            c.problem("occurred_at", f"{raw} is in the future")
        elif on and value.date() > on:
            c.problem("occurred_at", f"{value.date()} is after the report's date of information {on}")
        return value

    def _casualty(self, c: Checker, row: str, on: dt.date | None) -> dict[str, Any]:
        identity: dict[str, Any] = {}
        raw = c.payload["casualties"][int(row.rsplit(".", 1)[1])].get("identity")
        if crypto.is_sealed(raw):
            identity = _sealed_identity(c, f"{row}.identity", on, self.english_label)
        elif isinstance(raw, dict) and raw:
            identity = _identity(c, f"{row}.identity", on)
        elif raw not in (None, {}):
            c.present(f"{row}.identity")  # read: one problem here, not a second "unknown field" one
            c.problem(f"{row}.identity", "must be an object (name, date_of_birth, contact, address)")
        consent = c.boolean(f"{row}.consent")
        if identity and not consent:
            c.problem(f"{row}.identity", "is recorded only with the casualty's consent (consent: true)")
        age = c.number(f"{row}.age", integer=True, maximum=120)
        if age is None and identity.get("date_of_birth") and on:
            age = _age_at(identity["date_of_birth"], on)
        # A register that states only a band (AICMA: under/over 18) gives age_band instead of an age.
        band = c.choice(f"{row}.age_band", AgeBand.values, required=False)
        if band and age is not None:
            c.problem(f"{row}.age_band", "give the age or its band, not both (the band follows from the age)")
        outcome = c.choice(f"{row}.outcome", Outcome.values)
        disability = c.boolean(f"{row}.disability")
        if disability and outcome == Outcome.KILLED:
            c.problem(f"{row}.disability", "a person killed has no disability to record")
        return {
            "sex": c.choice(f"{row}.sex", Sex.values),
            "age": int(age) if age is not None else None,
            "age_band": band,
            "outcome": outcome,
            "category": c.choice(f"{row}.category", CasualtyCategory.values),
            "activity": c.choice(f"{row}.activity", ActivityAtTime.values, required=False, default="unknown"),
            "displacement": c.choice(f"{row}.displacement", Displacement.values, required=False, default="unknown"),
            "prior_risk_education": c.choice(
                f"{row}.prior_risk_education", RiskEducation.values, required=False, default="unknown"
            ),
            "disability": disability,
            "injury_details": c.text(f"{row}.injury_details"),
            "consent": consent,
            "identity": identity,
        }
