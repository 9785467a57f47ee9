"""The accident publish views carry the date's precision (day, month or year, decision 0041).

An accident known only to the month or the year is stored on the 1st (of the month, of January): a
reader of `occurred_at` or `month` alone would take 2023-01-01 for a date. The column is appended, as
CREATE OR REPLACE VIEW requires.
"""

import importlib

from django.db import migrations

v0002 = importlib.import_module("interop.migrations.0002_publish_views")
v0004 = importlib.import_module("interop.migrations.0004_publish_views_left_join_organisation")
v0006 = importlib.import_module("interop.migrations.0006_publish_released_land_warnings_generalised_accidents")

BEFORE = {
    "accidents": v0004._left(v0002.VIEWS["accidents"]),
    "accidents_generalised": v0006.VIEWS["accidents_generalised"],
}


def _with_precision(sql: str) -> str:
    head, tail = sql.split("\n        FROM casualties_accident c", 1)
    return f"{head}, c.date_precision\n        FROM casualties_accident c{tail}"


FORWARD = [f"CREATE OR REPLACE VIEW publish.{name} AS {_with_precision(sql)}" for name, sql in BEFORE.items()]
# A view cannot drop a column in place: going back recreates it as it was.
BACKWARD = [f"DROP VIEW publish.{name}; CREATE VIEW publish.{name} AS {sql}" for name, sql in BEFORE.items()]


class Migration(migrations.Migration):
    dependencies = [("interop", "0007_imported_records_join_one_report_with_a_note")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
