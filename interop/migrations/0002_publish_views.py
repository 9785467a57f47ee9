"""The `publish` schema: read-only views of the register for OGC API items, tiles and exports.

Current state only, no personal data (no informants, no casualty identities): the doors that serve
the outside world (OGC API, tiles, exports) read these views and nothing else, so what they can show
is decided here, once. Every view carries `organisation_id` for role scoping (accounts/access.py).
"""

from django.db import migrations

VIEWS = {
    "hazardous_areas": """
        SELECT h.id, h.code, h.name, h.classification, h.status,
               h.organisation_id, o.name AS organisation, a.pcode AS admin_pcode, a.name AS admin_area,
               h.original_area_m2, h.cancelled_m2, h.reduced_m2, h.cleared_m2, h.remaining_area_m2,
               array_to_string(h.devices_suspected, ',') AS devices_suspected,
               array_to_string(h.devices_confirmed, ',') AS devices_confirmed,
               array_to_string(h.land_use, ',') AS land_use,
               h.marking_status, h.beneficiaries, h.date_of_information, h.version, h.updated_at,
               h.geom
        FROM hazards_hazardousarea h
        JOIN accounts_organisation o ON o.id = h.organisation_id
        LEFT JOIN places_adminarea a ON a.id = h.admin_area_id""",
    "land_release_products": """
        SELECT p.id, p.hazard_id, h.code AS hazard_code, p.kind, p.area_m2, p.depth_cm, p.on,
               h.organisation_id, o.name AS organisation, p.report_id, p.geom
        FROM hazards_landreleaseproduct p
        JOIN hazards_hazardousarea h ON h.id = p.hazard_id
        JOIN accounts_organisation o ON o.id = h.organisation_id""",
    # An activity on a hazard is drawn at a point inside it; an EOD spot task has its own location.
    "activities": """
        SELECT t.id, t.hazard_id, h.code AS hazard_code, t.kind, t.method, t.status, t.start_date,
               t.end_date, t.search_depth_cm, t.person_days, t.machine_hours,
               t.organisation_id, o.name AS organisation, t.report_id,
               COALESCE(t.location, ST_PointOnSurface(h.geom))::geometry(Point, 4326) AS geom
        FROM hazards_activity t
        JOIN accounts_organisation o ON o.id = t.organisation_id
        LEFT JOIN hazards_hazardousarea h ON h.id = t.hazard_id""",
    "finds": """
        SELECT f.id, f.hazard_id, h.code AS hazard_code, f.category, f.model, f.quantity, f.condition,
               f.depth_cm, f.disposal, f.on, t.organisation_id, o.name AS organisation, f.report_id,
               COALESCE(f.location, ST_PointOnSurface(h.geom))::geometry(Point, 4326) AS geom
        FROM hazards_find f
        JOIN hazards_activity t ON t.id = f.activity_id
        JOIN accounts_organisation o ON o.id = t.organisation_id
        LEFT JOIN hazards_hazardousarea h ON h.id = f.hazard_id""",
    # People reached counts first-time attendees only (decision 0011).
    "risk_education_sessions": """
        SELECT s.id, s.held_on, s.method, s.target_group, s.place_name, s.audience_estimate,
               (SELECT COALESCE(sum(x.first_time), 0) FROM risk_education_attendance x
                 WHERE x.session_id = s.id)::integer AS people_reached,
               s.organisation_id, o.name AS organisation, a.pcode AS admin_pcode, a.name AS admin_area,
               s.report_id, s.location AS geom
        FROM risk_education_riskeducationsession s
        JOIN accounts_organisation o ON o.id = s.organisation_id
        LEFT JOIN places_adminarea a ON a.id = s.admin_area_id""",
    # Counts only: who was hurt stays in casualties_casualty, never here.
    "accidents": """
        SELECT c.id, c.kind, c.occurred_at, c.device_category, c.activity, c.stage,
               (SELECT count(*) FROM casualties_casualty k WHERE k.accident_id = c.id
                 AND k.outcome = 'killed')::integer AS killed,
               (SELECT count(*) FROM casualties_casualty k WHERE k.accident_id = c.id
                 AND k.outcome = 'injured')::integer AS injured,
               c.organisation_id, o.name AS organisation, a.pcode AS admin_pcode, a.name AS admin_area,
               c.report_id, c.location AS geom
        FROM casualties_accident c
        JOIN accounts_organisation o ON o.id = c.organisation_id
        LEFT JOIN places_adminarea a ON a.id = c.admin_area_id""",
}

FORWARD = ["CREATE SCHEMA IF NOT EXISTS publish"] + [
    f"CREATE VIEW publish.{name} AS {sql}" for name, sql in VIEWS.items()
]
BACKWARD = [f"DROP VIEW IF EXISTS publish.{name}" for name in VIEWS] + ["DROP SCHEMA IF EXISTS publish"]


class Migration(migrations.Migration):
    dependencies = [
        ("interop", "0001_imported_record_keys"),
        ("hazards", "0004_hazard_indications_for_survey"),
        ("casualties", "0002_age_bands_under_and_over_18"),
        ("risk_education", "0001_sessions_and_attendance"),
        ("places", "0002_admin_area_population"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
