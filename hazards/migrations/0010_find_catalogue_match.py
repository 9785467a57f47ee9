# Issue 15 point 13 (decision 0049): a find's model matched to the explosive ordnance catalogue.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0009_minefield_record_life"),
        ("ordnance", "0001_ordnance_catalogue"),
    ]

    operations = [
        migrations.AddField(
            model_name="find",
            name="catalogue_entry",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="finds",
                to="ordnance.ordnancemodel",
            ),
        ),
        migrations.AddField(
            model_name="find",
            name="catalogue_note",
            field=models.CharField(blank=True, help_text='The match, or "not in catalogue"', max_length=200),
        ),
    ]
