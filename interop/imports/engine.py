"""The import engine: every source row accounted for as imported, repaired, rejected or duplicate.

Reading (readers) gives WKB and a source CRS; here each row's geometry is checked (null, empty, wrong
type, outside lon/lat with no CRS), reprojected to EPSG:4326, repaired when invalid (noted), mapped to
a payload (mapping), keyed (the source's ID column or a fingerprint) and compared with the rows before
it and with what earlier imports stored. The target then enters the accepted rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _

from core.errors import Problem
from core.spreadsheet import csv_text
from interop.imports import geometries
from interop.imports import mapping as mapping_mod
from interop.imports.crs import Crs
from interop.imports.readers import Source
from interop.imports.target import EntryContext, Outcome, Row, Target

IMPORTED, REPAIRED, REJECTED, DUPLICATE = "imported", "repaired", "rejected", "duplicate"


@dataclass
class RowResult:
    """The account of one source row."""

    number: int
    status: str
    payload: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)  # why rejected / duplicate
    repairs: list[Problem] = field(default_factory=list)
    record: str = ""
    notes: list[Problem] = field(default_factory=list)  # of an entered row: e.g. the hazards it overlaps (0048)
    geometry_repaired: bool = False  # its polygon was repaired, whatever then became of the row

    def as_dict(self) -> dict[str, Any]:
        notes = _notes(self)
        return {"row": self.number, "status": self.status, "payload": self.payload,
                "problems": [{"field": p.field, "reason": p.message} for p in notes],
                **({"record": self.record} if self.record else {})}  # fmt: skip


def _notes(r: RowResult) -> list[Problem]:
    """What the account says of a row: why it was rejected or is a duplicate, else its repairs, then its notes.

    A rejected row's repairs are said too: a released area no hazard holds was still repaired (issue 15 point 7).
    """
    if r.status == DUPLICATE:
        return r.problems
    if r.status == REJECTED:
        return r.problems + r.repairs
    return r.repairs + r.notes


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _plain_column(values: list[Any]) -> bool:
    """True when a column holds only JSON values already (text, numbers, None): no per-cell conversion."""
    sample = next((v for v in values if v is not None), None)
    return (
        sample is None
        or isinstance(sample, (str, int, float, bool))
        and all(v is None or isinstance(v, (str, int, float, bool)) for v in values)
    )


def _fingerprint(wkb: bytes, attributes: dict[str, Any]) -> str:
    digest = hashlib.sha256(wkb)
    digest.update(json.dumps(attributes, sort_keys=True, default=str).encode())
    return "fp:" + digest.hexdigest()[:40]


@dataclass
class Evaluation:
    """The account of every row, and the rows to enter."""

    results: list[RowResult]
    accepted: list[Row]

    def counts(self) -> dict[str, int]:
        c = {"read": len(self.results), "imported": 0, "repaired": 0, "rejected": 0, "duplicates": 0}
        for r in self.results:
            c["duplicates" if r.status == DUPLICATE else r.status] += 1
        # Repaired polygons of rows rejected later (a released area no hazard holds) are repairs all the same;
        # counted apart, and only when there are any, so that "repaired" keeps meaning rows entered repaired.
        fixed = sum(r.geometry_repaired for r in self.results)
        if fixed:
            c["geometries_repaired"] = fixed
        return c

    def problems(self) -> list[dict[str, Any]]:
        """Every row's problems and repairs: row, status, field, reason."""
        out: list[dict[str, Any]] = []
        for r in self.results:
            notes = _notes(r)
            out.extend({"row": r.number, "status": r.status, "field": p.field, "reason": p.message} for p in notes)
        return out

    def report_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["row", "status", "field", "reason"])
        for p in self.problems():
            writer.writerow([p["row"], p["status"], csv_text(p["field"]), csv_text(p["reason"])])
        return buf.getvalue()

    def apply(self, outcomes: list[Outcome]) -> None:
        """Fold the entry step's outcomes in: a row the pipeline refused becomes rejected with its reasons."""
        by_number = {r.number: r for r in self.results}
        for o in outcomes:
            r = by_number[o.number]
            if o.duplicate:
                r.status, r.problems = DUPLICATE, o.problems
            elif o.problems:
                r.status, r.problems = REJECTED, o.problems
            else:
                r.record, r.notes = o.record, o.notes


def evaluate(source: Source, *, target: Target, mapping: dict[str, Any], crs: Crs | None, file_name: str,
             on: dt.date) -> Evaluation:  # fmt: skip
    """Account for every row of the source (nothing stored)."""
    no_geometry = target.geometry == "none"  # a table of facts without places (the clearance summaries)
    checked = (geometries.Checked(np.full(len(source), None, dtype=object), [None] * len(source)) if no_geometry
               else geometries.check(source.wkb, wanted=target.geometry, kind=target.kind, crs=crs,
                                     reasons=source.geometry_reasons))  # fmt: skip
    columns = [c for c in source.columns if c not in source.geometry_columns]
    base = target.base_payload(file_name=file_name, on=on)
    id_column = mapping.get("id_column")
    merge = bool(mapping.get("merge_parts"))
    notes_path = mapping.get("notes_field")
    results: list[RowResult] = []
    candidates: list[tuple[RowResult, Row, Any, bool]] = []  # with the row's shapely geometry, merged?
    seen: dict[str, int] = {}  # key → the row index that first had it
    by_number: dict[int, int] = {}  # row number → index in candidates
    base_json = json.dumps(base)
    used = mapping_mod.used_columns(mapping)
    unused = [c for c in columns if c not in used]
    # JSON-safe columns, converted once per column (dates, bytes), then one dict per row by zip.
    cells = [source.values[c] if _plain_column(source.values[c]) else [_json_safe(v) for v in source.values[c]]
             for c in columns]  # fmt: skip
    all_attributes = [dict(zip(columns, values, strict=True)) for values in zip(*cells, strict=True)] if columns \
        else [{} for _ in source.wkb]  # fmt: skip

    def content_of(index: int) -> str:
        return _fingerprint(source.wkb[index] or b"", all_attributes[index])

    for i, wkb in enumerate(source.wkb):
        number = i + 1
        attributes = all_attributes[i]
        if wkb is None and not no_geometry:
            results.append(RowResult(number, REJECTED, problems=checked.problems[i]))
            continue
        geom = checked.shapes[i]
        problems, repairs = list(checked.problems.get(i, [])), list(checked.repairs.get(i, []))
        mapped = mapping_mod.apply(mapping, attributes, base_json, columns, unused)
        problems += mapped.problems
        repairs += mapped.repairs
        more_problems, more_repairs = target.prepare(mapped.payload)
        problems += more_problems
        repairs += more_repairs
        own_key = target.key(mapped.payload)
        if own_key:
            key = own_key
        elif not id_column:
            key = content_of(i)
        else:
            raw = attributes.get(id_column)
            key = "" if raw in (None, "") else str(raw).strip()
            if not key:
                problems.append(Problem(id_column, _("the ID column is empty"), "required"))
            elif len(key) > 120:
                problems.append(Problem(id_column, _("the ID is longer than 120 characters"), "too_long"))
        if problems or (geom is None and not no_geometry):
            results.append(RowResult(number, REJECTED, mapped.payload, problems, repairs))
            continue
        if key in seen:
            first = seen[key] + 1
            if own_key or not id_column or content_of(seen[key]) == content_of(i):
                results.append(
                    RowResult(
                        number,
                        DUPLICATE,
                        mapped.payload,
                        [
                            Problem(
                                id_column or "row",
                                _("duplicate of row %(row)s in the same file") % {"row": first},
                                "duplicate",
                            )
                        ],
                    )
                )
            elif merge:
                # Amsterdam draws one suspected area (one Kenmerk) as several polygons: one hazard, its parts united.
                f_result, f_row, f_geom, _merged = candidates[by_number[first]]
                candidates[by_number[first]] = (f_result, f_row, shapely.union(f_geom, geom), True)
                used = mapping_mod.used_columns(mapping)
                other = [
                    f"{c}: {v}"
                    for c, v in attributes.items()
                    if v not in (None, "") and v != f_row.attributes.get(c) and c not in used
                ]
                if notes_path and other:
                    before = mapping_mod.get_path(f_row.payload, notes_path) or ""
                    mapping_mod.set_path(
                        f_row.payload, notes_path, f"{before}; part from row {number}: {'; '.join(other)}"
                    )
                results.append(
                    RowResult(
                        number,
                        REPAIRED,
                        mapped.payload,
                        [],
                        [
                            Problem(
                                id_column,
                                _("another part of %(key)s (row %(row)s): entered as one area with it")
                                % {"key": key, "row": first},
                                "merged_part",
                            )
                        ],
                    )
                )
            else:
                message = _(
                    "the ID %(key)s is also row %(row)s's, with a different geometry or attributes "
                    "(a profile with merge_parts unites the parts of one area)"
                ) % {"key": key, "row": first}
                results.append(
                    RowResult(number, REJECTED, mapped.payload, [Problem(id_column, message, "duplicate_id")])
                )
            continue
        seen[key] = i
        row = Row(number, key, mapped.payload, attributes, repairs)
        result = RowResult(number, REPAIRED if repairs else IMPORTED, row.payload, [], repairs)
        results.append(result)
        by_number[number] = len(candidates)
        candidates.append((result, row, geom, False))
    finished = []
    for result, row, geom, merged in candidates:
        wkt = shapely.to_wkt(geom, rounding_precision=-1) if merged else checked.wkt[row.number - 1]
        row.wkt = str(wkt) if wkt is not None else ""
        # The polygon as the file drew it, when repaired: a target whose pipeline repairs (nts) repairs it again
        # there, so that the repair note lands on the hazard too (decision 0002), not only in the evidence.
        row.unrepaired_wkt = "" if merged else checked.unrepaired.get(row.number - 1, "")
        target.finish(row, geom, file_name=file_name)
        late = target.check(row)
        if late:
            result.status, result.problems = REJECTED, late
            continue
        result.status = REPAIRED if row.repairs else IMPORTED
        result.repairs = row.repairs
        finished.append((result, row, geom, merged))
    candidates = finished
    stored = target.stored(row.key for _, row, _g, _m in candidates)
    accepted = []
    for result, row, _geom, _merged in candidates:
        if row.key in stored:
            result.status = DUPLICATE
            result.problems = [
                Problem(
                    id_column or "row",
                    _("already imported (%(where)s, key %(key)s)") % {"where": stored[row.key], "key": row.key},
                    "already_imported",
                )
            ]
        else:
            accepted.append(row)
    for r in results:
        r.geometry_repaired = (r.number - 1) in checked.repairs
    return Evaluation(results, accepted)


def enter(evaluation: Evaluation, target: Target, ctx: EntryContext) -> None:
    """Enter the accepted rows through the target's strategy and fold the outcomes into the account."""
    evaluation.apply(list(target.enter_many(evaluation.accepted, ctx)))


Progress = Callable[[int, int], None]
