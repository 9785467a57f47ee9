"""DANE DIVIPOLA codes, read from the populated-centres table, for the AICMA municipality join check."""

from __future__ import annotations

import csv
from pathlib import Path


def read_municipalities(path: str | Path) -> dict[str, str]:
    """Return DANE municipality code (zero-padded text, '05313') → municipality name from a DIVIPOLA CSV.

    The file (`divipola_centros_poblados.csv`) has one row per populated centre, so a municipality
    appears once per centre; the first name seen wins (the ``CM`` cabecera row comes first).
    """
    municipalities: dict[str, str] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            # Codes are already zero-padded in this table; zfill guards a copy that lost the padding.
            code = row["codigo_municipio"].strip().zfill(5)
            municipalities.setdefault(code, row["nombre_municipio"].strip())
    return municipalities


def read_municipality_codes(path: str | Path) -> frozenset[str]:
    """Return the set of DANE municipality codes (zero-padded text) in a DIVIPOLA CSV."""
    return frozenset(read_municipalities(path))
