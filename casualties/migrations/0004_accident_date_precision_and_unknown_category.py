"""Accidents get a date precision (day, month, year) and casualties an 'unknown' category (decision 0041).

Existing accidents are 'day' unless the loader that entered them is known to have read less: the AICMA
victims register gives year and month (stored as the 1st), the AICMA events file the year only (stored
as 1 January). Their import keys (interop.ImportedRecord) say which loader entered which report.
"""

from typing import Any

from django.db import migrations, models

# The loaders' sources and what each of them read (interop/importers/aicma.py, aicma_events.py).
PRECISION_OF_SOURCE = {"aicma-victims": "month", "aicma-events": "year"}


def backfill(apps: Any, schema_editor: Any) -> None:
    Accident = apps.get_model("casualties", "Accident")
    ImportedRecord = apps.get_model("interop", "ImportedRecord")
    # Events first, victims second: a report that both became carries the victims' month.
    for source in ("aicma-events", "aicma-victims"):
        reports = ImportedRecord.objects.filter(source=source).values("report_id")
        Accident.objects.filter(report_id__in=reports).update(date_precision=PRECISION_OF_SOURCE[source])


class Migration(migrations.Migration):
    dependencies = [
        ("casualties", "0003_improvised_ap_mine_choice"),
        ("interop", "0007_imported_records_join_one_report_with_a_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="accident",
            name="date_precision",
            field=models.CharField(
                choices=[("day", "Day"), ("month", "Month"), ("year", "Year")], default="day", max_length=5
            ),
        ),
        migrations.AlterField(
            model_name="casualty",
            name="category",
            field=models.CharField(
                choices=[
                    ("civilian", "Civilian"),
                    ("military", "Military"),
                    ("deminer", "Deminer"),
                    ("unknown", "Unknown"),
                ],
                max_length=10,
            ),  # fmt: skip
        ),
        # Reversing drops the column; nothing to undo in the data.
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
