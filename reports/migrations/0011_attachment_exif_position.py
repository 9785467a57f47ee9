from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0010_report_task")]

    operations = [
        migrations.AddField(
            model_name="reportattachment", name="longitude", field=models.FloatField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="reportattachment", name="latitude", field=models.FloatField(blank=True, null=True)
        ),
    ]
