import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("hazards", "0003_register_sql_rules"),
        ("places", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HazardIndication",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("source", models.CharField(max_length=40)),
                ("source_key", models.CharField(max_length=120)),
                ("location", django.contrib.gis.db.models.fields.PointField(srid=4326)),
                ("year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("place", models.CharField(blank=True, max_length=300)),
                (
                    "status",
                    models.CharField(choices=[("for_survey", "For survey")], default="for_survey", max_length=20),
                ),
                ("recorded_at", models.DateTimeField()),
                (
                    "admin_area",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.adminarea",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="hazard_indications",
                        to="accounts.organisation",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("source", "source_key"), name="hazard_indication_unique_key")
                ],
            },
        ),
    ]
