"""The set-based entry strategy of the `nts` import target: the per-row projection, done for all rows at once.

TARGETS (interop/imports/targets.py) serves `nts` with BulkNtsTarget, the NTS target with this strategy.

The per-row strategy (Target.enter_many) calls create_report → submit_report → approve_report for every
row: about twenty statements a row. For a file of thousands of new hazards this path does the same
work set-wise:

1. In Python, per row, the checks that decide whether a row is accepted, with the very functions the
   per-row path runs: `reports.actions.parse_report` (header, accreditation, the NTS kind's payload
   checks, the polygon's validity) and, when approving, `hazards.projections._check_classification`
   (SHA → CHA only on direct evidence). The values that need no database are computed as
   hazards/projections.py computes them (point on surface, the hazard's attribute defaults, the
   HazardVersion snapshot apart from its areas and admin area).
2. One COPY of the accepted rows into a temporary table (psycopg's `cursor.copy()`).
3. In SQL, what the projection asks of the database: the local UTM zone (core.geometry.utm_srid of
   the centroid), the area measured in it (core.geometry.area_m2), the deepest admin area at the point
   on surface (places.models.admin_area_at), report and hazard ids and national codes in row order.
4. INSERT … SELECT of every row the per-row path writes for a new-hazard NTS report: Report,
   ReportTransition (draft, submitted and, when approving, validated and approved), audit rows,
   HazardousArea, HazardVersion, HazardStatusChange, Evidence, Activity, ImportedRecord; and the data
   version bumped on commit by the number of approvals, as that many approve_report calls would.

Everything runs in the caller's transaction (run_import holds one for the whole import): an error or
an interrupted run leaves nothing. A row whose NTS report carries land-release products (an NTS that
also cancels land) goes through the per-row path, which fits products inside the hazard.
tests/test_bulk_import.py imports one dirty file both ways and compares the register row by row;
docs/decisions/0017-bulk-import.md says why.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import shapely
from django.db import connection, transaction
from django.db.models import F, Field
from django.utils import timezone
from psycopg import sql

from accounts.models import AuditEntry
from accounts.personal import without_personal_data
from core.errors import Problem, ValidationFailed
from hazards.attributes import ATTRIBUTES, NAMES
from hazards.models import (
    Activity,
    DataVersion,
    Evidence,
    HazardousArea,
    HazardStatusChange,
    HazardVersion,
)
from hazards.overlaps import MIN_OVERLAP_M2, Overlap
from hazards.projections import STATE_FIELDS, _check_classification
from interop.imports.target import EntryContext, Outcome, Row
from interop.imports.targets_hazards import NtsTarget, overlap_screen
from interop.models import ImportedRecord
from places.models import AdminArea
from reports.actions import parse_report
from reports.kinds import KINDS
from reports.models import Reconcile, Report, ReportStatus, ReportTransition
from vocab.choices import HazardStatus

#: Files with fewer accepted rows than this go row by row: the set-based path pays for its temporary
#: tables and COPY only on large files, and small files keep the per-row path's exact behaviour.
BULK_FROM = 1000

# The hazard attributes an NTS report can set (hazards/attributes.py); the model gives defaults for the rest.
_HAZARD_FIELDS = NAMES

_STAGING = [
    ("n", "int4"),
    ("key", "text"),
    ("payload", "jsonb"),
    ("audit_payload", "jsonb"),
    ("attributes", "jsonb"),
    ("wkb", "bytea"),
    ("pos", "bytea"),
    ("benchmark", "bytea"),
    ("state", "jsonb"),
    *((a.name, a.staging) for a in ATTRIBUTES),
    ("geometry_repair", "text"),
    ("evidence", "jsonb"),
    ("activity", "jsonb"),
]


@dataclass
class _Prepared:
    """One accepted row: its checked values, and its polygon (and benchmark point, if given) as WKB."""

    row: Row
    values: list[Any]
    state: dict[str, Any]
    wkb: bytes
    benchmark: bytes | None


# Rows between two progress updates in the check pass (a bar refresh costs far less than 1,000 checks).
PROGRESS_EVERY = 1000


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _json(value: Any) -> str:
    return json.dumps(value, default=_iso)


def _geojson(geom: Any) -> Any:
    # hazards.projections.json_geom is GDAL's GeoJSON, which writes every coordinate to full precision:
    # the same numbers as shapely's exact coordinates (tests/test_bulk_import.py compares the states).
    # The state only goes on to json.dumps, which writes shapely's coordinate tuples as JSON arrays.
    return geom.__geo_interface__


class BulkNtsTarget(NtsTarget):
    """The `nts` target with the set-based entry for large files (the per-row path below BULK_FROM rows)."""

    bulk_from = BULK_FROM

    def progress_steps(self, rows: int) -> int:
        """Set-wise, every row is counted twice: once checked, once written (so the bar moves through both)."""
        return rows if rows < self.bulk_from else 2 * rows

    def enter_many(self, rows: list[Row], ctx: EntryContext) -> Iterator[Outcome]:
        """Enter the rows set-wise when there are many; yield one Outcome per row, as the per-row path does."""
        if len(rows) < self.bulk_from:
            yield from super().enter_many(rows, ctx)
            return
        yield from enter_set_wise(self, rows, ctx)


def _default(name: str) -> Any:
    field = HazardousArea._meta.get_field(name)
    assert isinstance(field, Field)
    return field.get_default()


def _defaults() -> dict[str, Any]:
    return {f: _default(f) for f in _HAZARD_FIELDS}


def _draft(ctx: EntryContext) -> Report:
    """The unsaved report parse_report checks; one for all rows, each row's payload put in turn."""
    return Report(kind="nts", schema_version=KINDS["nts"].schema_version, organisation=ctx.organisation,
                  date_of_information=ctx.date_of_information)  # fmt: skip


def _prepare(
    row: Row, ctx: EntryContext, defaults: dict[str, Any], report: Report | None = None
) -> tuple[_Prepared | None, list[Problem], bool]:
    """Check one row as submit and approve would; (staging values, problems, needs the per-row path)."""
    report = report or _draft(ctx)
    report.payload = row.payload
    try:
        changes = parse_report(report)
    except ValidationFailed as exc:
        return None, exc.problems, False
    if changes.products or changes.cancel_remaining or changes.geom is None:
        return None, [], True  # land released in the same report: the per-row path fits it inside the hazard
    if ctx.approver is not None:
        problems: list[Problem] = []
        _check_classification("", None, report, changes, "", problems)
        if problems:
            return None, problems, False
    fields = {**defaults, **changes.hazard_fields}
    # hazards.projections.snapshot() of the new hazard; areas and admin area are added in SQL.
    state = {f: fields.get(f) for f in STATE_FIELDS if f in fields}
    state.update(
        status=HazardStatus.OPEN.value,
        date_of_information=ctx.date_of_information.isoformat(),
        cancelled_m2=_default("cancelled_m2"),
        reduced_m2=_default("reduced_m2"),
        cleared_m2=_default("cleared_m2"),
        organisation=ctx.organisation.pk,
        version=1,
    )
    activity = changes.activity
    values = [
        row.number,
        row.key,
        _json(row.payload),
        _json({"kind": "nts", "task": None, "payload": without_personal_data(row.payload)}),  # as create_report
        _json(row.attributes),
        None,  # wkb, pos, benchmark and state: filled for all rows at once by _geometries()
        None,
        None,
        None,
        *(fields[name] for name in _HAZARD_FIELDS),
        changes.geom.repair_note,
        _json(changes.evidence),
        _json({k: v for k, v in activity.items() if k != "location"}) if activity else None,
    ]
    benchmark = bytes(changes.benchmark.wkb) if changes.benchmark else None
    return _Prepared(row, values, state, bytes(changes.geom.geom.wkb), benchmark), [], False


def _geometries(prepared: list[_Prepared]) -> None:
    """Point on surface, benchmark and the snapshot's GeoJSON of every row, in one pass of vectorised GEOS.

    shapely calls the same GEOS functions as hazards.projections (point_on_surface), without a
    ctypes round trip per coordinate.
    """
    geoms = shapely.from_wkb([p.wkb for p in prepared])
    points = shapely.point_on_surface(geoms)
    points_wkb = shapely.to_wkb(points)
    for p, geom, point, point_wkb in zip(prepared, geoms, points, points_wkb, strict=True):
        benchmark = shapely.from_wkb(p.benchmark) if p.benchmark else point
        p.state["geometry"], p.state["benchmark"] = _geojson(geom), _geojson(benchmark)
        p.values[5:9] = [p.wkb, bytes(point_wkb), p.benchmark or bytes(point_wkb), _json(p.state)]


def enter_set_wise(target: NtsTarget, rows: list[Row], ctx: EntryContext) -> Iterator[Outcome]:
    """Enter new-hazard NTS rows in a few statements; rows the checks refuse are rejected with their reasons."""
    defaults = _defaults()
    outcomes: dict[int, Outcome] = {}
    prepared: list[_Prepared] = []
    per_row: list[Row] = []
    draft = _draft(ctx)
    for i, row in enumerate(rows, 1):
        if i % PROGRESS_EVERY == 0:
            ctx.progress(PROGRESS_EVERY)  # first pass: rows checked
        ready, problems, fallback = _prepare(row, ctx, defaults, draft)
        if fallback:
            per_row.append(row)
        elif ready is None:
            outcomes[row.number] = Outcome(row.number, problems)
        else:
            prepared.append(ready)
    ctx.progress(len(rows) % PROGRESS_EVERY)
    # Second pass: refused rows are done; the per-row path counts its own rows one by one.
    ctx.progress(len(rows) - len(prepared) - len(per_row))
    if prepared:
        _geometries(prepared)
        # Overlaps with the register and between the file's rows, found set-wise (decision 0048): a duplicate
        # is not entered; an overlapping row goes the per-row way, entered for review and not approved.
        screened = _overlaps(prepared)
        for p in prepared:
            if p.row.number in screened:
                per_row.append(p.row)
        prepared = [p for p in prepared if p.row.number not in screened]
    else:
        screened = {}
    if prepared:
        ids = _write(target, prepared, ctx)
        for p in prepared:
            outcomes[p.row.number] = Outcome(p.row.number, record=f"report {ids[p.row.number]}")
    if per_row:
        per_row.sort(key=lambda r: r.number)
        for outcome in NtsTarget.enter_per_row(target, per_row, ctx, screened):
            outcomes[outcome.number] = outcome
    for row in rows:
        yield outcomes[row.number]


# Every accepted row's polygon against the registered hazards not closed, and against the rows before it in the file,
# each overlap measured in the row's UTM zone (as hazards.overlaps.find_overlaps measures one polygon).
def _overlaps_sql() -> str:
    return (
        """
    WITH s AS (
        SELECT b.n, b.geom, """
        + _UTM.replace("c.centroid", "ST_Centroid(b.geom)")
        + """ AS srid
        FROM bulk_nts_shapes b
    )
    SELECT s.n, h.code, 0, ST_Area(ST_Transform(ST_Intersection(h.geom, s.geom), s.srid)), ST_Equals(h.geom, s.geom)
    FROM s JOIN {hazard} h ON h.geom && s.geom AND ST_Intersects(h.geom, s.geom) AND h.status <> 'closed'
    UNION ALL
    SELECT b.n, '', a.n, ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), b.srid)), ST_Equals(a.geom, b.geom)
    FROM s a JOIN s b ON a.n < b.n AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)
    ORDER BY 1, 4 DESC
    """
    )


def _overlaps(prepared: list[_Prepared]) -> dict[int, tuple[list[Problem], list[Problem]]]:
    """Row number → (duplicate, notes) of every row that overlaps a registered hazard or an earlier row."""
    found: dict[int, tuple[list[Overlap], list[tuple[int, float, bool]]]] = {}
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        cur.execute("CREATE TEMP TABLE bulk_nts_shapes (n int4, geom geometry(Geometry, 4326)) ON COMMIT DROP")
        with cur.copy("COPY bulk_nts_shapes (n, geom) FROM STDIN") as copy:
            for p in prepared:
                copy.write_row([p.row.number, "SRID=4326;" + shapely.to_wkt(shapely.from_wkb(p.wkb),
                                                                               rounding_precision=-1)])  # fmt: skip
        cur.execute("CREATE INDEX ON bulk_nts_shapes USING gist (geom)")
        cur.execute("ANALYZE bulk_nts_shapes")
        cur.execute(sql.SQL(_overlaps_sql()).format(hazard=_table(HazardousArea)))
        for n, code, other, area, same in cur.fetchall():
            if not same and area < MIN_OVERLAP_M2:
                continue  # a sliver along a shared boundary
            register, rows = found.setdefault(int(n), ([], []))
            if other:
                rows.append((int(other), float(area), bool(same)))
            else:
                register.append(Overlap(0, code, float(area), bool(same)))
        cur.execute("DROP TABLE bulk_nts_shapes")
    return {n: overlap_screen(register, rows) for n, (register, rows) in found.items()}


def _table(model: Any) -> sql.Identifier:
    return sql.Identifier(model._meta.db_table)


def _id_sequence(model: Any) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        (name,) = cur.fetchone()
    return str(name)


def _write(target: NtsTarget, prepared: list[_Prepared], ctx: EntryContext) -> dict[int, int]:
    """COPY the rows and write the register set-wise; row number → report id."""
    approving = ctx.approver is not None
    now = timezone.now()
    params: dict[str, Any] = {
        "report_seq": _id_sequence(Report),
        "hazard_seq": _id_sequence(HazardousArea),
        "org": ctx.organisation.pk,
        "org_country": ctx.organisation.country_iso3 or "",
        "author": ctx.author.pk,
        "approver": ctx.approver.pk if ctx.approver is not None else None,
        "doi": ctx.date_of_information,
        "now": now,
        "schema": KINDS["nts"].schema_version,
        "source": target.source,
        "snapshot": ctx.import_.original_name[:200],
        "import_run": ctx.import_.pk,
        "object_type": Report._meta.label_lower,
        # What create_report + submit_report (+ approve_report) leave on the report.
        "status": ReportStatus.APPROVED.value if approving else ReportStatus.SUBMITTED.value,
        "reconcile": Reconcile.NEW.value if approving else "",
        "approved_at": now if approving else None,
        "version": 3 if approving else 2,
        "steps": 4 if approving else 2,
        "audits": 3 if approving else 2,
    }
    tables = {
        "report": _table(Report),
        "transition": _table(ReportTransition),
        "audit": _table(AuditEntry),
        "hazard": _table(HazardousArea),
        "version": _table(HazardVersion),
        "status_change": _table(HazardStatusChange),
        "evidence": _table(Evidence),
        "activity": _table(Activity),
        "record": _table(ImportedRecord),
        "admin_area": _table(AdminArea),
    }
    columns = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in _STAGING)
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor  # the psycopg cursor, for COPY
        cur.execute(sql.SQL("CREATE TEMP TABLE bulk_nts_rows ({}) ON COMMIT DROP").format(columns))
        names = sql.SQL(", ").join(sql.Identifier(c) for c, _ in _STAGING)
        with cur.copy(sql.SQL("COPY bulk_nts_rows ({}) FROM STDIN").format(names)) as copy:
            # JSON goes in as the text json.dumps made (dates as ISO strings), which the jsonb columns parse.
            copy.set_types(["text" if t == "jsonb" else t for _, t in _STAGING])
            for p in prepared:
                copy.write_row(p.values)
        statements = _statements(approving)
        # Second pass of the bar: the written rows, spread over the COPY and each statement.
        share, ticked = len(prepared) // (len(statements) + 1), 0
        ctx.progress(share)
        ticked += share
        for i, statement in enumerate(statements, 1):
            cur.execute(statement.format(**tables), params)
            step = share if i < len(statements) else len(prepared) - ticked
            ctx.progress(step)
            ticked += step
        cur.execute("SELECT n, report_id FROM bulk_nts_ids")
        ids = {int(n): int(pk) for n, pk in cur.fetchall()}
        cur.execute("DROP TABLE bulk_nts_rows, bulk_nts_ids")
    if approving:
        count = len(prepared)
        # approve_report bumps the data version once per approval; so many approvals, so many bumps.
        transaction.on_commit(lambda: DataVersion.objects.filter(pk=1).update(value=F("value") + count))
    return ids


# The UTM zone of the centroid, as core.geometry.utm_srid: zones 1-60, 326xx north and 327xx south.
_UTM = """
    LEAST(60, GREATEST(1, floor((ST_X(c.centroid) + 180) / 6)::int + 1))
    + CASE WHEN ST_Y(c.centroid) >= 0 THEN 32600 ELSE 32700 END
"""


def _statements(approving: bool) -> list[sql.SQL]:
    """The INSERT … SELECTs of one import, in the order the per-row path writes its rows."""
    ids = sql.SQL(
        """
        CREATE TEMP TABLE bulk_nts_ids ON COMMIT DROP AS
        SELECT o.*,
               nextval(%(report_seq)s::regclass) AS report_id,
               CASE WHEN %(approver)s::int IS NOT NULL THEN nextval(%(hazard_seq)s::regclass) END AS hazard_id,
               CASE WHEN %(approver)s::int IS NOT NULL THEN nextval('hazard_code_seq') END AS code_n
        FROM (
            SELECT r.n, g.geom, g.pos, g.benchmark, z.srid, ST_Area(ST_Transform(g.geom, z.srid)) AS area,
                   a.id AS admin_id, a.country_iso3
            FROM bulk_nts_rows r
            CROSS JOIN LATERAL (SELECT ST_GeomFromWKB(r.wkb, 4326) AS geom, ST_GeomFromWKB(r.pos, 4326) AS pos,
                                       ST_GeomFromWKB(r.benchmark, 4326) AS benchmark) g
            CROSS JOIN LATERAL (SELECT ST_Centroid(g.geom) AS centroid) c
            CROSS JOIN LATERAL (SELECT """
        + _UTM
        + """ AS srid) z
            -- places.models.admin_area_at: the deepest admin area containing the point.
            LEFT JOIN LATERAL (SELECT id, country_iso3 FROM {admin_area}
                               WHERE ST_Intersects(geom, g.pos) ORDER BY level DESC LIMIT 1) a ON true
            ORDER BY r.n
        ) o
        """
    )
    report = sql.SQL(
        """
        INSERT INTO {report} (id, kind, schema_version, status, organisation_id, created_by_id,
                              content_changed_by_id, hazard_id, date_of_information, payload, reconcile,
                              override_reason, supersedes_id, approved_at, approved_by_id, version, created_at,
                              updated_at, client_digest, review_flag, review_note)
        SELECT i.report_id, 'nts', %(schema)s, %(status)s, %(org)s, %(author)s, %(author)s, i.hazard_id, %(doi)s,
               r.payload,
               %(reconcile)s, '', NULL, %(approved_at)s, %(approver)s, %(version)s, %(now)s, %(now)s,
               '', '', ''  -- an imported row has no field-device client id (decision 0051): blank, as Django writes
        FROM bulk_nts_ids i JOIN bulk_nts_rows r USING (n) ORDER BY i.n
        """
    )
    transitions = sql.SQL(
        """
        INSERT INTO {transition} (report_id, from_status, to_status, by_id, at, reason)
        SELECT i.report_id, t.from_status, t.to_status, CASE WHEN t.approving THEN %(approver)s ELSE %(author)s END,
               %(now)s, t.reason
        FROM bulk_nts_ids i
        CROSS JOIN (VALUES (1, '', 'draft', false, ''), (2, 'draft', 'submitted', false, ''),
                           (3, 'submitted', 'validated', true, 'validated on approval'),
                           (4, 'validated', 'approved', true, '')) AS t(step, from_status, to_status, approving, reason)
        WHERE t.step <= %(steps)s
        ORDER BY i.n, t.step
        """
    )
    audit = sql.SQL(
        """
        INSERT INTO {audit} (at, actor_id, action, object_type, object_id, old, new, reason)
        SELECT %(now)s, CASE WHEN a.step = 3 THEN %(approver)s ELSE %(author)s END, a.action, %(object_type)s,
               i.report_id::text, NULL,
               CASE a.step WHEN 1 THEN r.audit_payload
                           WHEN 2 THEN '{{"status": "submitted"}}'::jsonb
                           ELSE jsonb_build_object('status', 'approved', 'reconcile', 'new',
                                                   'hazard', i.hazard_id, 'hazard_version', 1) END,
               ''
        FROM bulk_nts_ids i JOIN bulk_nts_rows r USING (n)
        CROSS JOIN (VALUES (1, 'report.create'), (2, 'report.submit'), (3, 'report.approve')) AS a(step, action)
        WHERE a.step <= %(audits)s
        ORDER BY i.n, a.step
        """
    )
    record = sql.SQL(
        """
        INSERT INTO {record} (source, key, report_id, row, snapshot, imported_at, import_run_id, note)
        SELECT %(source)s, r.key, i.report_id, r.attributes, %(snapshot)s, %(now)s, %(import_run)s, ''
        FROM bulk_nts_ids i JOIN bulk_nts_rows r USING (n) ORDER BY i.n
        """
    )
    out = [ids, report, transitions, audit, record]
    if not approving:
        return out
    hazard = sql.SQL(
        """
        INSERT INTO {hazard} (id, code, name, classification, status, organisation_id, admin_area_id, geom, benchmark,
                              utm_srid, geometry_repair, original_area_m2, cancelled_m2, reduced_m2, cleared_m2,
                              remaining_area_m2, devices_suspected, devices_confirmed, evidence_summary, land_use,
                              blockages, beneficiaries, marking_status, date_of_information, version,
                              created_at, updated_at)
        SELECT i.hazard_id,
               -- hazards.projections._next_code: <ISO3 or XXX>-HA-<number, at least 6 digits>; the country of the
               -- admin area, else the organisation's (projections.hazard_country)
               COALESCE(NULLIF(i.country_iso3, ''), NULLIF(%(org_country)s, ''), 'XXX') || '-HA-'
                   || lpad(i.code_n::text, GREATEST(6, length(i.code_n::text)), '0'),
               r.name, r.classification, 'open', %(org)s, i.admin_id, ST_Multi(i.geom), i.benchmark, i.srid,
               r.geometry_repair, i.area, 0, 0, 0, i.area, r.devices_suspected, r.devices_confirmed,
               r.evidence_summary, r.land_use, r.blockages, r.beneficiaries, r.marking_status, %(doi)s, 1,
               %(now)s, %(now)s
        FROM bulk_nts_ids i JOIN bulk_nts_rows r USING (n) ORDER BY i.n
        """
    )
    version = sql.SQL(
        """
        INSERT INTO {version} (hazard_id, report_id, sequence, valid_from, recorded_at, applied, state)
        SELECT i.hazard_id, i.report_id, 1, %(doi)s, %(now)s, true,
               r.state || jsonb_build_object('admin_area', i.admin_id, 'original_area_m2', i.area,
                                             'remaining_area_m2', i.area)
        FROM bulk_nts_ids i JOIN bulk_nts_rows r USING (n) ORDER BY i.n
        """
    )
    status_change = sql.SQL(
        """
        INSERT INTO {status_change} (hazard_id, report_id, from_status, to_status, from_classification,
                                     to_classification, "on", at, reason)
        SELECT i.hazard_id, i.report_id, '', 'open', '', r.classification, %(doi)s, %(now)s, ''
        FROM bulk_nts_ids i JOIN bulk_nts_rows r USING (n) ORDER BY i.n
        """
    )
    activity = sql.SQL(
        """
        INSERT INTO {activity} (hazard_id, report_id, organisation_id, kind, method, status, start_date, end_date,
                                search_depth_cm, person_days, machine_hours, location)
        SELECT i.hazard_id, i.report_id, %(org)s, a.kind, a.method, a.status, COALESCE(a.start_date, %(doi)s),
               a.end_date, a.search_depth_cm, a.person_days, a.machine_hours, NULL
        FROM bulk_nts_ids i JOIN bulk_nts_rows r USING (n)
        CROSS JOIN LATERAL jsonb_to_record(r.activity) AS a(kind text, method text, status text, start_date date,
                                                            end_date date, search_depth_cm int, person_days float8,
                                                            machine_hours float8)
        WHERE r.activity IS NOT NULL
        ORDER BY i.n
        """
    )
    evidence = sql.SQL(
        """
        INSERT INTO {evidence} (hazard_id, report_id, kind, source, reliability, description, "on",
                                informant_name, informant_contact)
        SELECT i.hazard_id, i.report_id, e.value->>'kind', e.value->>'source', e.value->>'reliability',
               e.value->>'description', COALESCE((e.value->>'on')::date, %(doi)s), e.value->>'informant_name',
               e.value->>'informant_contact'
        FROM bulk_nts_ids i JOIN bulk_nts_rows r USING (n)
        CROSS JOIN LATERAL jsonb_array_elements(r.evidence) WITH ORDINALITY AS e(value, position)
        ORDER BY i.n, e.position
        """
    )
    return [ids, hazard, report, transitions, audit, version, status_change, activity, evidence, record]
