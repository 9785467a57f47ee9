"""A covering index for the dashboard's sums of released land (decision 0023).

Land released by year, who-does-what-where's m² and productivity read every product's kind, date,
area and task; the products table also holds each product's polygon, so this index carries only
those columns and the sums are index-only scans however many products the register holds.
"""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS dashboard_product_figures_idx ON hazards_landreleaseproduct
    (activity_id) INCLUDE (hazard_id, kind, "on", area_m2)
"""


class Migration(migrations.Migration):
    dependencies = [("web_dashboard", "0001_hazard_figures_index")]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql="DROP INDEX IF EXISTS dashboard_product_figures_idx"),
    ]
