"""A covering index for the dashboard's scan of the register (decision 0023).

The dashboard sums every hazard's areas in scope, grouped by admin area, and joins activities to
their hazard's admin area. Read from the table, that means 100,000 rows with their geometries
(~55 MB); this index carries just the columns those queries read (~6 MB), so PostgreSQL answers
with an index-only scan. It lives in web.dashboard because the dashboard is the query it serves.
"""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS dashboard_hazard_figures_idx ON hazards_hazardousarea
    (admin_area_id, organisation_id)
    INCLUDE (id, original_area_m2, remaining_area_m2, cancelled_m2, reduced_m2, cleared_m2)
"""


class Migration(migrations.Migration):
    dependencies = [("hazards", "0005_clearance_outputs")]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql="DROP INDEX IF EXISTS dashboard_hazard_figures_idx"),
    ]
