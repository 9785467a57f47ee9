"""The publish view of hazard indications (decision 0048): points not yet hazards, for OGC, tiles, map and exports.

Suspected contamination to survey and lifted minefields, with their organisation (scoping) and admin area;
not the source's row key nor who recorded it. Anonymous callers never see it unless the authority publishes
it (CLEARGROUND_PUBLISHED, decision 0037), and then only the publishable fields (interop/collections.py).
"""

from django.db import migrations

SQL = """
CREATE VIEW publish.hazard_indications AS
SELECT i.id, i.kind, i.status, i.year, i.place, i.source, i.organisation_id, o.name AS organisation,
       a.pcode AS admin_pcode, a.name AS admin_area, i.recorded_at, i.location AS geom
FROM hazards_hazardindication i
LEFT JOIN accounts_organisation o ON o.id = i.organisation_id
LEFT JOIN places_adminarea a ON a.id = i.admin_area_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("interop", "0008_publish_accident_date_precision"),
        ("hazards", "0008_overlaps_and_indication_kinds"),
    ]

    operations = [migrations.RunSQL(SQL, "DROP VIEW IF EXISTS publish.hazard_indications")]
