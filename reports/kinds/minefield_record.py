"""Minefield record: the laying party's record of a minefield (CCW Amended Protocol II, Art. 9 and Technical Annex).

Received from the body that laid it (a military unit, another state), attached to the hazard it
describes (any classification: a record is direct evidence, so an SHA may become a CHA) or registering
a new CHA, rated by the approver. Recorded so that the area can be marked, monitored and cleared and
civilians kept out; it describes what was laid and where, and never suggests where anything should be
laid. Its inspections and hand-over are kinds of their own (minefield_inspection, minefield_handover).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.geos import MultiPoint
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.fields import (
    NEW_HAZARD,
    Area,
    Boolean,
    Choice,
    Date,
    Number,
    Points,
    Rows,
    Section,
    Text,
    When,
)
from reports.kinds import blocks
from reports.kinds.base import Changes, Checker, ReportKindSpec
from vocab.choices import (
    Classification,
    DeviceCategory,
    EvidenceKind,
    EvidenceSource,
    MarkingStatus,
    RecordSource,
)


class MinefieldRecordReport(ReportKindSpec):
    kind = "minefield_record"
    label = _("minefield record")
    title = _("Minefield record")
    intro = _(
        "Name the hazard the record describes to attach it there; leave the hazard empty to register a new "
        "confirmed hazard from the record. The approver rates the record's reliability."
    )
    hazard = "optional"
    creates_hazard = True
    rated_by_approver = True
    fields = (
        Section(
            _("Record received"),
            (
                Text(
                    name="received_from",
                    label=_("Received from"),
                    required=True,
                    max_len=200,
                    help=_("The military unit or state that laid the minefield, or the body that held its record."),
                ),
                Choice(name="received_from_kind", label=_("Kind of body"), vocab=RecordSource, required=True),
                Date(name="received_on", label=_("Date received"), required=True),
                blocks.document_reference(_("Document reference")),
            ),
        ),  # fmt: skip
        Section(
            _("Minefield"),
            (
                Text(name="name", label=_("Hazard name"), required_when=NEW_HAZARD, max_len=200),
                Area(name="perimeter", label=_("Perimeter"), required=True),
                Points(
                    name="reference_points",
                    label=_("Reference points"),
                    required=True,
                    help=_("One point a line: longitude, latitude."),
                ),
                Text(name="laying_party", label=_("Laying party"), required=True, max_len=200),
                Date(name="date_laid", label=_("Date laid"), required=True),
                Choice(
                    name="marking_status",
                    label=_("Marking status"),
                    vocab=MarkingStatus,
                    default=MarkingStatus.UNMARKED,
                ),  # fmt: skip
                Boolean(name="self_destructing", label=_("Self-destructing devices")),
                Number(
                    name="lifetime_days",
                    label=_("Lifetime (days)"),
                    integer=True,
                    required_when=When("self_destructing", (True,)),
                ),  # fmt: skip
                Boolean(name="fenced", label=_("Fenced")),
                Boolean(name="monitored", label=_("Monitored")),
                Date(
                    name="next_inspection_due",
                    label=_("First inspection due"),
                    future=True,
                    help=_("When the marking, fence and monitoring are first to be inspected."),
                ),
            ),
        ),  # fmt: skip
        Section(
            _("Devices laid"),
            (
                Rows(
                    name="devices",
                    label=_("Devices"),
                    required=True,
                    fields=(
                        Choice(name="category", label=_("Device category"), vocab=DeviceCategory, required=True),
                        Text(
                            name="model",
                            label=_("Model"),
                            max_len=100,
                            help=_("As the record writes it; matched to the ordnance catalogue."),
                        ),
                        Number(name="quantity", label=_("Quantity"), integer=True, required=True, minimum=1),
                    ),
                ),  # fmt: skip
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        changes = Changes()
        received_from = c.value("received_from")
        received_from_kind = c.value("received_from_kind")
        received_on = c.value("received_on")
        document = c.value("document_reference")
        name = c.value("name")
        perimeter = c.value("perimeter")
        points = c.value("reference_points")
        laying_party = c.value("laying_party")
        date_laid = c.value("date_laid")
        marking = c.value("marking_status")
        self_destructing = c.value("self_destructing")
        lifetime = c.value("lifetime_days")
        fenced = c.value("fenced")
        monitored = c.value("monitored")
        next_due = c.value("next_inspection_due")
        devices = c.value("devices")
        if date_laid and received_on and received_on < date_laid:
            c.problem(
                "received_on",
                gettext("%(received)s is before the date laid %(laid)s") % {"received": received_on, "laid": date_laid},
                "dates_out_of_order",
            )
        # Attaching to a hazard keeps its geometry unless the approver replaces or combines it.
        changes.geom = perimeter
        changes.minefield = {
            "received_from": received_from,
            "received_from_kind": received_from_kind,
            "received_on": received_on,
            "document_reference": document,
            "laying_party": laying_party,
            "date_laid": date_laid,
            "perimeter": perimeter.geom if perimeter else None,
            "reference_points": MultiPoint(*[p for p in points if p is not None], srid=4326) if points else None,
            "devices": devices,
            "self_destructing": self_destructing,
            "lifetime_days": lifetime,
            "fenced": fenced,
            "monitored": monitored,
            "marking_status": MarkingStatus.FENCED if fenced else marking,
            "next_inspection_due": next_due,
        }
        # A laying record is direct evidence from records: the hazard is (or becomes) confirmed (CHA).
        # The devices confirmed are settled at approval, where each model is matched to the catalogue.
        changes.hazard_fields = {
            "classification": Classification.CHA,
            "marking_status": changes.minefield["marking_status"],
        }
        if not has_hazard:
            changes.hazard_fields["name"] = name
            changes.hazard_fields["evidence_summary"] = "Laying party's minefield record"
        elif name:
            changes.hazard_fields["name"] = name
        changes.evidence = [
            {
                "kind": EvidenceKind.DIRECT,
                "source": EvidenceSource.RECORDS,
                "reliability": "",  # the approver's rating (MinefieldRecordRating), set at approval
                "description": f"Minefield record by {laying_party}, received from {received_from} "
                f"on {received_on} ({document})",
                "informant_name": "",
                "informant_contact": "",
                "on": on,
            }
        ]
        return changes
