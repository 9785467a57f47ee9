"""The one folder exports write in before a file is sent or moved to its target, and its sweep.

Every export writes its temporary files under VAR_DIR/tmp/exports (decision 0028). A process
killed with -9 in the middle of an export cannot clean up after itself, so each export first
removes what such a process left: entries in which nothing changed for LEFTOVER_SECONDS, far
longer than a web export may run (gunicorn kills a request after 120 s). A running export keeps
touching its files, so a live export is never swept.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

LEFTOVER_SECONDS = 600


def folder() -> Path:
    """VAR_DIR/tmp/exports, made (owner-only) if missing."""
    path = Path(settings.VAR_DIR) / "tmp" / "exports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _last_change(entry: Path) -> float:
    """The newest modification time of an entry or anything inside it."""
    newest = entry.lstat().st_mtime
    if entry.is_dir() and not entry.is_symlink():
        for root, dirs, files in os.walk(entry):
            for name in dirs + files:
                try:
                    newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
                except FileNotFoundError:  # removed meanwhile by its own export
                    continue
    return newest


def sweep(*, now: float | None = None) -> int:
    """Remove what killed exports left behind; how many entries were removed."""
    now = time.time() if now is None else now
    removed = 0
    for entry in folder().iterdir():
        try:
            if now - _last_change(entry) < LEFTOVER_SECONDS:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:  # another export swept it first
            continue
        removed += 1
    if removed:
        logger.warning("exports: removed %d file(s) left by an interrupted export in %s", removed, folder())
    return removed
