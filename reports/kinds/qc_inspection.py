"""QC inspection (IMAS 09.20): post-clearance sampling of released land by the authority; no hazard of its own.

The sample polygon must lie inside the land the assessed activity cleared or reduced (or, before it
has any, inside its hazard). An inspection that finds items, or lists a critical non-conformity,
cannot pass; a failed one raises a non-conformity by itself on approval (quality/records.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import Problem
from core.geometry import area_m2, to_srid
from quality.choices import QcResult, Severity
from reports.fields import Area, Choice, Date, Number, Section, Text
from reports.kinds.base import Changes, Checker, ReportKindSpec
from reports.kinds.qa_visit import (
    ASSESSED_ACTIVITY,
    NON_CONFORMITIES,
    QualityChanges,
    assessed_activity,
    dated,
    non_conformities,
)
from vocab.choices import ActivityKind, ProductKind

# Land released by these activities can be sampled; an NTS cancels land nobody searched.
SAMPLED_KINDS = (ActivityKind.CLEARANCE, ActivityKind.TS, ActivityKind.BAC)
SAMPLE_TOLERANCE_M2 = 1.0  # as the products' own fit to their hazard (hazards.models.AREA_TOLERANCE_M2)


def _inside_released_land(c: Checker, activity: Any, sample: Any) -> float | None:
    """The sample's area in m² (in the hazard's UTM zone); a problem if it leaves the released land."""
    hazard = activity.hazard
    if hazard is None:
        c.problem(
            "sample",
            gettext("activity #%(id)s has no hazard whose land could be sampled") % {"id": activity.pk},
            "no_hazard_to_sample",
        )
        return None
    products = list(activity.products.filter(kind__in=(ProductKind.CLEARED, ProductKind.REDUCED)))
    if products:
        land, what = products[0].geom, gettext("the land this activity cleared or reduced")
        for p in products[1:]:
            land = land.union(p.geom)
    else:
        land, what = hazard.geom, gettext("hazard %(code)s") % {"code": hazard.code}
    outside = area_m2(to_srid(sample, hazard.utm_srid).difference(to_srid(land, hazard.utm_srid)), hazard.utm_srid)
    if outside > SAMPLE_TOLERANCE_M2:
        c.problem(
            "sample",
            gettext("%(area)s m² of the sample lies outside %(what)s") % {"area": f"{outside:.0f}", "what": what},
            "outside_released_land",
        )
    return area_m2(sample, hazard.utm_srid)


class QcInspectionReport(ReportKindSpec):
    kind = "qc_inspection"
    label = _("QC inspection report")
    title = _("QC inspection report")
    hazard = "optional"
    records_with = ("quality.records.record_quality", "quality.records.clear_quality")
    authority_only = True  # the authority's QA officers' own record of an operator's work
    fields = (
        Section(
            _("QC inspection"),
            (
                ASSESSED_ACTIVITY,
                Date(name="inspected_on", label=_("Inspected on"), required=True),
                Area(name="sample", label=_("Sample polygon"), required=True),
                Number(name="items_found", label=_("Items found in the sample"), integer=True, required=True),
                Choice(name="result", label=_("Result"), vocab=QcResult, required=True),
                Text(name="remarks", label=_("Remarks"), multiline=True, max_len=10000),
                NON_CONFORMITIES,
            ),
        ),
    )

    def changes(self, c: Checker, *, on: dt.date | None, has_hazard: bool) -> Changes:
        if has_hazard:
            c.problems.append(
                Problem(
                    "hazard",
                    gettext("a QC inspection names the activity it assesses; leave the hazard empty"),
                    "hazard_not_allowed",
                )
            )
        changes = QualityChanges()
        activity = changes.assessed = assessed_activity(c, on)
        if activity is not None and activity.kind not in SAMPLED_KINDS:
            c.problem(
                "activity",
                gettext("activity #%(id)s is %(kind)s; QC samples land released by %(kinds)s")
                % {"id": activity.pk, "kind": activity.kind, "kinds": ", ".join(SAMPLED_KINDS)},
                "wrong_activity",
            )
        sample = c.value("sample")
        items = c.value("items_found")
        result = c.value("result")
        found = non_conformities(c)
        if result == QcResult.PASS and items:
            c.problem(
                "result",
                gettext("an inspection that found %(items)s item(s) in its sample fails") % {"items": items},
                "result_contradicts_findings",
            )
        if result == QcResult.PASS and any(n["severity"] == Severity.CRITICAL for n in found):
            c.problem(
                "result", gettext("an inspection with a critical non-conformity fails"), "result_contradicts_findings"
            )
        sample_m2 = None
        if sample is not None and activity is not None and activity.kind in SAMPLED_KINDS:
            sample_m2 = _inside_released_land(c, activity, sample.geom)
        changes.record = {
            "inspected_on": dated(c, "inspected_on", on, activity),
            "sample": sample.geom if sample else None,
            "sample_area_m2": sample_m2,
            "items_found": int(items) if items is not None else None,
            "result": result,
            "remarks": c.value("remarks"),
        }
        changes.non_conformities = found
        return changes
