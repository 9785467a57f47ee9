"""What an importer remembers about records it entered: the import key of each one.

A source without its own IDs (Colombia's AICMA victims register) is keyed by what the format reader
derives (fingerprint:occurrence); re-importing the same file or a later snapshot maps each key to the
report already entered, so nothing is entered twice. See docs/decisions/0010-aicma-loader.md.
"""

from __future__ import annotations

from django.db import models


class ImportedRecord(models.Model):
    """One source record entered through the report pipeline, and the report it became."""

    source = models.CharField(max_length=40)  # "aicma-victims", "aicma-events"
    key = models.CharField(max_length=120)  # the source's identity of the record, e.g. "<sha256>:2"
    report = models.OneToOneField("reports.Report", on_delete=models.PROTECT, related_name="import_key")
    # The record as read when it was entered (typed fields, no raw cells): what the next snapshot is compared with.
    row = models.JSONField()
    snapshot = models.CharField(max_length=200)  # file name of the import that entered it
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="imported_record_unique_key")]

    def __str__(self) -> str:
        return f"{self.source} {self.key}"
