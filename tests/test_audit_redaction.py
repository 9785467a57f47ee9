"""The audit log keeps what changed in a report, without the informants' names."""

import json

from accounts.models import AuditEntry
from reports.actions import return_report, update_draft
from tests.helpers import submitted


def test_the_audit_log_of_report_writes_names_no_informant(cast):
    report = submitted(cast, "nts", cast.nts_payload())
    return_report(report, acting_user=cast.imo, reason="check the informant's phone number")
    update_draft(report, acting_user=cast.clerk, payload=cast.nts_payload())

    rows = AuditEntry.objects.filter(object_type="reports.report", object_id=str(report.pk))
    assert {r.action for r in rows} >= {"report.create", "report.edit"}
    assert "Olena" not in json.dumps([[r.old, r.new] for r in rows])
