"""Database-side rules of the register that Django's ORM cannot state: valid polygons, codes, data version."""

from django.db import migrations

VALID_GEOMETRY = [
    # Invariant: every stored polygon is valid (input is repaired or rejected before it gets here).
    "ALTER TABLE hazards_hazardousarea ADD CONSTRAINT hazard_geom_valid CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))",
    "ALTER TABLE hazards_landreleaseproduct ADD CONSTRAINT product_geom_valid CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))",
]
UNDO_VALID_GEOMETRY = [
    "ALTER TABLE hazards_hazardousarea DROP CONSTRAINT hazard_geom_valid",
    "ALTER TABLE hazards_landreleaseproduct DROP CONSTRAINT product_geom_valid",
]


def create_data_version(apps, schema_editor):
    apps.get_model("hazards", "DataVersion").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("hazards", "0002_initial")]

    operations = [
        # National hazard codes: one gap-tolerant counter for the whole register.
        migrations.RunSQL("CREATE SEQUENCE hazard_code_seq", "DROP SEQUENCE hazard_code_seq"),
        migrations.RunSQL(VALID_GEOMETRY, UNDO_VALID_GEOMETRY),
        migrations.RunPython(create_data_version, migrations.RunPython.noop),
    ]
