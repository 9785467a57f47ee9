"""Colombia's AICMA mine-action open data: the victims register and the events points, read without a database.

`read_victims` / `account` / `diff` read and compare victims snapshots; `read_events` reads the event
points; `read_municipality_codes` supplies DANE DIVIPOLA codes for the join check. A loader enters the
rows through the report pipeline; this package only reads. See docs/decisions/0007-aicma-victims-format.md.
"""

from .divipola import read_municipalities, read_municipality_codes
from .events import EventRow, event_account, read_events
from .victims import (
    Problem,
    Repair,
    SnapshotDiff,
    VictimRow,
    VictimsFile,
    account,
    detect_swap,
    diff,
    diff_counts,
    read_victims,
)

__all__ = [
    "EventRow",
    "Problem",
    "Repair",
    "SnapshotDiff",
    "VictimRow",
    "VictimsFile",
    "account",
    "detect_swap",
    "diff",
    "diff_counts",
    "event_account",
    "read_events",
    "read_municipalities",
    "read_municipality_codes",
    "read_victims",
]
