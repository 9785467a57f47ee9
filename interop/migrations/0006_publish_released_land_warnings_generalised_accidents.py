"""Three publish views for disclosure that is safe by default (decision 0037).

- `released_land`: the released-land summary by admin area (the area's outline and its totals), what
  the public gets by default; no hazard geometry.
- `hazard_warnings`: hazards that are not closed, as warnings the authority may publish: outline,
  classification, status and admin area, without devices, marking or beneficiaries (what is in the
  ground and whether it is fenced helps a harvester more than a passer-by).
- `accidents_generalised`: accidents for members who may not read single casualty records: the point
  snapped to a 0.1° grid (about 11 km × 7 km at 50° N), the time to the month, counts only, no report
  link and no free text.
"""

from django.db import migrations

VIEWS = {
    "released_land": """
        SELECT a.id, a.pcode AS admin_pcode, a.name AS admin_area,
               count(h.id)::integer AS hazards,
               (count(h.id) FILTER (WHERE h.status <> 'closed'))::integer AS open_hazards,
               sum(h.original_area_m2) AS original_m2, sum(h.cancelled_m2) AS cancelled_m2,
               sum(h.reduced_m2) AS reduced_m2, sum(h.cleared_m2) AS cleared_m2,
               sum(h.remaining_area_m2) AS remaining_m2,
               max(h.date_of_information) AS latest_information,
               a.geom
        FROM places_adminarea a
        JOIN hazards_hazardousarea h ON h.admin_area_id = a.id
        GROUP BY a.id""",
    "hazard_warnings": """
        SELECT h.id, h.classification, h.status, a.pcode AS admin_pcode, a.name AS admin_area,
               h.date_of_information, h.geom
        FROM hazards_hazardousarea h
        LEFT JOIN places_adminarea a ON a.id = h.admin_area_id
        WHERE h.status <> 'closed'""",
    "accidents_generalised": """
        SELECT c.id, c.kind, date_trunc('month', c.occurred_at AT TIME ZONE 'UTC')::date AS month,
               c.device_category, c.stage,
               (SELECT count(*) FROM casualties_casualty k WHERE k.accident_id = c.id
                 AND k.outcome = 'killed')::integer AS killed,
               (SELECT count(*) FROM casualties_casualty k WHERE k.accident_id = c.id
                 AND k.outcome = 'injured')::integer AS injured,
               c.organisation_id, o.name AS organisation, a.pcode AS admin_pcode, a.name AS admin_area,
               ST_SnapToGrid(c.location, 0.1)::geometry(Point, 4326) AS geom
        FROM casualties_accident c
        LEFT JOIN accounts_organisation o ON o.id = c.organisation_id
        LEFT JOIN places_adminarea a ON a.id = c.admin_area_id""",
}

FORWARD = [f"CREATE VIEW publish.{name} AS {sql}" for name, sql in VIEWS.items()]
BACKWARD = [f"DROP VIEW IF EXISTS publish.{name}" for name in VIEWS]


class Migration(migrations.Migration):
    dependencies = [("interop", "0005_import_run_by")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
