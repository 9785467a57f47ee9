"""Four eyes everywhere and the authority's register (decision 0036).

Report.content_changed_by: who last changed what a report says; backfilled from created_by (earlier
edits were not recorded on the report; the audit log keeps each one).
ApprovalDelegation: the authority lets an operator approve its own reports of one kind.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def backfill_content_changed_by(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Report.objects.filter(content_changed_by__isnull=True).update(content_changed_by=models.F("created_by"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_audit_chain"),
        ("reports", "0005_report_kind_choices_from_registry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="content_changed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(backfill_content_changed_by, migrations.RunPython.noop),
        migrations.CreateModel(
            name="ApprovalDelegation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("nts", "Non-technical survey report"),
                            ("ts_progress", "Technical survey progress"),
                            ("clearance_progress", "Clearance progress"),
                            ("completion", "Completion report"),
                            ("cancellation", "Cancellation report"),
                            ("handover", "Handover report"),
                            ("eod_spot", "EOD spot task report"),
                            ("minefield_record", "Minefield record"),
                            ("accident", "Accident report (with casualties)"),
                            ("qa_visit", "QA visit report"),
                            ("qc_inspection", "QC inspection report"),
                            ("risk_education", "Risk education session report"),
                            ("clearance_summary", "Clearance summary (aggregate, no polygon)"),
                        ],
                        max_length=20,
                    ),
                ),
                ("granted_at", models.DateTimeField()),
                ("reason", models.TextField()),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("revoke_reason", models.TextField(blank=True)),
                (
                    "granted_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="delegations",
                        to="accounts.organisation",
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-granted_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("revoked_at__isnull", True)),
                        fields=("organisation", "kind"),
                        name="approval_delegation_one_active",
                    )
                ],
            },
        ),
    ]
