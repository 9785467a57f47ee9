"""Reading, loading and matching the explosive ordnance catalogue (decision 0049).

A model written in a report ("pmn 2", "PMN-2", "Pmn2") is kept as written; it is matched to the
catalogue ignoring case, spaces and hyphens, and the match (or "not in catalogue") is noted beside it.
Where a model matches, the catalogue's category decides what the item is counted as (an anti-personnel
mine for Art. 7, a device confirmed on a hazard), whatever category the report gave.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q

from accounts import audit
from core.errors import Problem, ValidationFailed
from ordnance.models import OrdnanceModel
from vocab.choices import DeviceCategory

SEED = Path(__file__).resolve().parent / "seed.json"
NOT_IN_CATALOGUE = "not in catalogue"

# Case, spaces and hyphens (and their typographic cousins, and underscores) do not distinguish two models.
_IGNORED = re.compile(r"[\s\-\u2010-\u2015_]+")

#: The categories an authority's file may use, besides our own codes (DeviceCategory): AP / AT / AV /
#: improvised / submunition / UXO / AXO, as mine action databases usually abbreviate them.
CATEGORY_ALIASES: dict[str, str] = {
    "ap": DeviceCategory.AP_MINE,
    "at": DeviceCategory.AT_MINE,
    "av": DeviceCategory.AT_MINE,
    "improvised": DeviceCategory.IED,
    "improvised_ap": DeviceCategory.AP_IMPROVISED,
    "submunition": DeviceCategory.SUBMUNITION,
    "uxo": DeviceCategory.UXO,
    "axo": DeviceCategory.AXO,
}


def normalise(model: str) -> str:
    """The matching key of a model: without case, spaces or hyphens ("PMN-2", "pmn 2" → "pmn2")."""
    return _IGNORED.sub("", model).casefold()


def match(models: Iterable[str]) -> dict[str, OrdnanceModel]:
    """The catalogue entries of those models that match one, keyed by the model as written (one query)."""
    keys = {m: normalise(m) for m in models if m and normalise(m)}
    if not keys:
        return {}
    wanted = sorted(set(keys.values()))
    by_key: dict[str, OrdnanceModel] = {}
    for entry in OrdnanceModel.objects.filter(Q(key__in=wanted) | Q(alias_keys__overlap=wanted)):
        for k in (entry.key, *entry.alias_keys):
            by_key.setdefault(k, entry)  # an entry's own name wins over another's alias
    return {m: by_key[k] for m, k in keys.items() if k in by_key}


def note(model: str, entry: OrdnanceModel | None) -> str:
    """What the matching found, kept beside the model as written."""
    if not model:
        return ""
    if entry is None:
        return NOT_IN_CATALOGUE
    return f"catalogue: {entry.name} ({entry.category})"


def annotate(rows: list[dict[str, Any]], *, model: str = "model") -> None:
    """Add each row's catalogue match (`catalogue_entry`, `catalogue_note`); the row is otherwise kept as written.

    The category the report gave stays too: what the item counts as (the catalogue's category where the
    model matches) is derived where it is counted (Find.counted_category, Article 7, a record's devices).
    """
    found = match(r.get(model) or "" for r in rows)
    for r in rows:
        written = r.get(model) or ""
        entry = found.get(written)
        r["catalogue_entry"] = entry
        r["catalogue_note"] = note(written, entry)


@dataclass
class CatalogueLoad:
    """What one load did."""

    created: int
    updated: int


def _category(raw: Any) -> str | None:
    value = str(raw or "").strip().lower().replace("-", "_").replace(" ", "_")
    if value in DeviceCategory.values:
        return value
    return CATEGORY_ALIASES.get(value)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV (model, category, country_of_origin, aliases separated by |) or a JSON list of objects."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValidationFailed([Problem("file", "a JSON catalogue is a list of objects")])
        return data
    if path.suffix.lower() == ".csv":
        return list(csv.DictReader(io.StringIO(text)))
    raise ValidationFailed([Problem("file", f"'{path.suffix}' is not .csv or .json")])


def load_catalogue(rows: list[dict[str, Any]], *, source: str) -> CatalogueLoad:
    """Add or update catalogue entries from rows; every bad row listed by number and nothing stored.

    An entry is identified by its key (the name without case, spaces or hyphens): loading a newer file
    again updates category, origin and aliases, and never duplicates a model.
    """
    problems: list[Problem] = []
    clean: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(rows, start=1):
        name = str(row.get("model") or "").strip()
        category = _category(row.get("category"))
        aliases = row.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [a for a in aliases.split("|")]
        aliases = [str(a).strip() for a in aliases if str(a).strip()]
        if not name or not normalise(name):
            problems.append(Problem(f"row {n}.model", "is required"))
            continue
        if len(name) > 100 or any(len(a) > 100 for a in aliases):
            problems.append(Problem(f"row {n}.model", "is longer than 100 characters"))
            continue
        if category is None:
            allowed = ", ".join([*DeviceCategory.values, *CATEGORY_ALIASES])
            problems.append(Problem(f"row {n}.category", f"'{row.get('category')}' is not one of {allowed}"))
            continue
        key = normalise(name)
        if key in clean:
            problems.append(Problem(f"row {n}.model", f"'{name}' is the same model as row {clean[key]['row']}"))
            continue
        country = str(row.get("country_of_origin") or "").strip()[:100]
        clean[key] = {"row": n, "name": name, "category": category, "country_of_origin": country,
                      "aliases": aliases, "alias_keys": sorted({normalise(a) for a in aliases} - {key})}  # fmt: skip
    if problems:
        raise ValidationFailed(problems)
    created = updated = 0
    with transaction.atomic():
        before = {o.key: _facts(o) for o in OrdnanceModel.objects.filter(key__in=list(clean))}
        for key, entry in clean.items():
            entry.pop("row")
            obj, made = OrdnanceModel.objects.update_or_create(key=key, defaults={**entry, "source": source[:200]})
            created, updated = created + made, updated + (not made)
            # What counts as an AP mine in Article 7 follows the catalogue: every change of it is audited.
            if before.get(key) != _facts(obj):
                audit.record(None, "ordnance.load", obj, old=before.get(key), new=_facts(obj),
                             reason=f"catalogue loaded from {source}"[:500])  # fmt: skip
    return CatalogueLoad(created=created, updated=updated)


def _facts(entry: OrdnanceModel) -> dict[str, Any]:
    return {"name": entry.name, "category": entry.category, "country_of_origin": entry.country_of_origin,
            "aliases": list(entry.aliases)}  # fmt: skip


def load_seed() -> CatalogueLoad:
    """The small seed shipped with Clearground: well-known models and their public categories."""
    return load_catalogue(read_rows(SEED), source="Clearground seed (public reference)")
