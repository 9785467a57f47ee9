"""The import targets are one literal: every kind named in interop/imports/targets.py, none added on import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from interop.imports import bulk, targets, targets_clearance, targets_hazards

ORDERS = [
    ["interop.imports.targets"],
    ["interop.imports.bulk", "interop.imports.targets_clearance", "interop.imports.targets"],
    ["interop.imports.targets_clearance", "interop.imports.targets_hazards", "interop.imports.engine"],
    ["interop.imports.service", "interop.imports.bulk"],
]


def _registry_after_importing(modules: list[str]) -> str:
    """TARGETS (kind → class name) in a fresh interpreter that imported `modules` first, in that order."""
    code = (
        "import django; django.setup()\n"
        + "".join(f"import {m}\n" for m in modules)
        + "from interop.imports.targets import TARGETS\n"
        + "print(sorted((k, type(t).__name__) for k, t in TARGETS.items()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_registry_is_the_same_whatever_was_imported_first() -> None:
    found = {_registry_after_importing(order) for order in ORDERS}
    assert found == {
        "[('clearance_summary', 'ClearanceSummaryTarget'), ('hazard_indication', 'HazardIndicationTarget'), "
        "('nts', 'BulkNtsTarget'), ('released_area', 'ReleasedAreaTarget')]"
    }


def test_nts_is_served_by_the_bulk_target_named_in_the_literal() -> None:
    assert type(targets.TARGETS["nts"]) is bulk.BulkNtsTarget
    assert isinstance(targets.TARGETS["nts"], targets_hazards.NtsTarget)
    assert type(targets.TARGETS["clearance_summary"]) is targets_clearance.ClearanceSummaryTarget
    assert all(kind == target.kind for kind, target in targets.TARGETS.items())


def test_no_target_module_calls_anything_at_import_time() -> None:
    for module in (bulk, targets_clearance, targets_hazards):
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        top_level_calls = [
            node for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        ]
        assert top_level_calls == [], f"{module.__name__} calls something at import time"
