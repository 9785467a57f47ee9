"""Field devices (decision 0051): a report's client id (an XForm instanceID), its digest and review flag;
attachments stored by their SHA-256. Numbered 0008 to leave 0007 to the work merging before it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens"),
        ("hazards", "0006_improvised_ap_mine_and_off_site_destruction_choices"),
        ("reports", "0008_report_kinds_marking_and_post_clearance_inspection"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportAttachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200)),
                ("sha256", models.CharField(max_length=64)),
                ("size", models.PositiveBigIntegerField()),
                ("content_type", models.CharField(max_length=40)),
                ("added_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["report", "name"],
            },
        ),
        migrations.AddField(
            model_name="report",
            name="client_digest",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="report",
            name="client_id",
            field=models.CharField(blank=True, max_length=100, null=True),
        ),
        migrations.AddField(
            model_name="report",
            name="review_flag",
            field=models.CharField(
                blank=True,
                choices=[
                    ("conflict", "Same client id as an earlier submission, different content"),
                    ("edited", "An edit of an earlier field submission"),
                    ("problems", "Kept as a draft: its kind refused it"),
                ],
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="review_note",
            field=models.TextField(blank=True),
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                condition=models.Q(("client_id__isnull", False), models.Q(("review_flag", "conflict"), _negated=True)),
                fields=("client_id",),
                name="report_client_id_once",
            ),
        ),
        migrations.AddField(
            model_name="reportattachment",
            name="added_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="reportattachment",
            name="report",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="attachments", to="reports.report"
            ),
        ),
        migrations.AddConstraint(
            model_name="reportattachment",
            constraint=models.UniqueConstraint(fields=("report", "name"), name="report_attachment_name_once"),
        ),
    ]
