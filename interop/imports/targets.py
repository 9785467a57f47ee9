"""The registry of import targets: a plain dict from `--kind` to the target that enters its rows.

Every target is named here and nowhere else adds one (STYLE.md habit 22, as reports/kinds does for report
kinds): reading this literal is reading the whole list, whatever was imported before. Each kind's
class says which entry strategy it uses; `nts` is served by BulkNtsTarget, the NTS target that enters
large files set-wise (interop/imports/bulk.py, decision 0017), chosen here, not swapped in by an import.
The base class and what it works on are in interop/imports/target.py; to add a target see
docs/howto/add-an-import-format.md.
"""

from __future__ import annotations

from interop.imports.bulk import BulkNtsTarget
from interop.imports.target import EntryContext, Outcome, Row, Target
from interop.imports.targets_clearance import ClearanceSummaryTarget
from interop.imports.targets_hazards import HazardIndicationTarget, ReleasedAreaTarget

# Callers that need the base types beside the registry (the import service) read them from here too.
__all__ = ["TARGETS", "EntryContext", "Outcome", "Row", "Target"]

TARGETS: dict[str, Target] = {
    target.kind: target
    for target in (
        BulkNtsTarget(),  # `nts`: per row below BULK_FROM rows, set-wise above
        HazardIndicationTarget(),
        ReleasedAreaTarget(),
        ClearanceSummaryTarget(),
    )
}
