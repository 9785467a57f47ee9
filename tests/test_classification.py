"""Invariant 4: an SHA becomes a CHA only on direct evidence, or on an approver's written override."""

import pytest

from core.errors import ValidationFailed
from hazards.models import HazardousArea
from reports.actions import approve_report
from tests.helpers import activity, approved, register_hazard, submitted


def confirm(evidence):
    return {"activity": activity(), "classification": "CHA", "evidence": evidence}


def test_direct_evidence_confirms_an_sha(cast):
    hazard = register_hazard(cast)
    direct = [{"kind": "direct", "source": "observed", "reliability": "high", "description": "PMN-2 found"}]
    approved(cast, "ts_progress", confirm(direct), hazard=hazard)
    hazard.refresh_from_db()
    assert hazard.classification == "CHA"
    change = hazard.status_changes.order_by("-id").first()
    assert (change.from_classification, change.to_classification) == ("SHA", "CHA")


def test_indirect_evidence_alone_cannot_confirm_an_sha(cast):
    hazard = register_hazard(cast)
    indirect = [{"kind": "indirect", "source": "verbal", "reliability": "low"}]
    with pytest.raises(ValidationFailed) as excinfo:
        approved(cast, "ts_progress", confirm(indirect), hazard=hazard)
    assert excinfo.value.problems[0].field == "payload.classification"
    assert HazardousArea.objects.get(pk=hazard.pk).classification == "SHA"


def test_an_approver_may_override_with_a_written_reason(cast):
    hazard = register_hazard(cast)
    report = submitted(cast, "ts_progress", confirm([]), hazard=hazard)
    approve_report(report, acting_user=cast.imo, override_reason="Accident records at this site, 2023")
    hazard.refresh_from_db()
    assert hazard.classification == "CHA"
    assert hazard.status_changes.order_by("-id").first().reason == "Accident records at this site, 2023"


def test_a_new_hazard_registered_as_cha_needs_direct_evidence(cast):
    payload = cast.nts_payload(classification="CHA")  # the cast's evidence is indirect/verbal
    report = submitted(cast, "nts", payload)  # the override is the approver's call, so it may be submitted
    with pytest.raises(ValidationFailed) as excinfo:
        approve_report(report, acting_user=cast.imo)
    assert excinfo.value.problems[0].field == "payload.hazard.classification"
    assert not HazardousArea.objects.exists()
