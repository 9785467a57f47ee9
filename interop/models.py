"""What an importer remembers about records it entered: the import key of each one.

A source without its own IDs (Colombia's AICMA victims register) is keyed by what the format reader
derives (fingerprint:occurrence); re-importing the same file or a later snapshot maps each key to the
report already entered, so nothing is entered twice. See docs/decisions/0010-aicma-loader.md.
"""

from __future__ import annotations

from django.db import models


class ImportedRecord(models.Model):
    """One source record entered through the report pipeline, and the report it became."""

    source = models.CharField(max_length=40)  # "aicma-victims", "aicma-events", "import:nts"
    key = models.CharField(max_length=120)  # the source's identity of the record, e.g. "<sha256>:2"
    # Several records may become one report: AICMA victims of one accident, and the event that describes it
    # (decision 0041). The related name stays singular so `import_key__…` lookups read as before.
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="import_key")
    # The record as read when it was entered (typed fields, no raw cells): what the next snapshot is compared with.
    row = models.JSONField()
    snapshot = models.CharField(max_length=200)  # file name of the import that entered it
    # Why this record joined a report that other records also became (which rows, which event, on what rule).
    # db_default: set-based writers (interop/imports/bulk.py) insert rows in SQL without naming it.
    note = models.TextField(blank=True, default="", db_default="")
    imported_at = models.DateTimeField()
    # The `clearground import` run that entered it (None for the AICMA loaders): what approve_import approves.
    import_run = models.ForeignKey("Import", null=True, blank=True, on_delete=models.PROTECT, related_name="records")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="imported_record_unique_key")]

    def __str__(self) -> str:
        return f"{self.source} {self.key}"


class ImportProfile(models.Model):
    """A saved, reusable way to read one partner's files: source column → payload field, value maps, constants.

    The mapping's shape is documented in interop/imports/mapping.py (`Mapping`).
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=40)  # a key of interop.imports.targets.TARGETS
    description = models.TextField(blank=True)
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class Import(models.Model):
    """One file an information officer imports: where it is stored, how it was read, and the account of every row.

    Written only by interop.imports.service (create_import → preview_import → run_import → approve_import).
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        PREVIEWED = "previewed", "Previewed"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        APPROVED = "approved", "Approved"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    # Who last ran it: with the uploader, never the approver of its reports (four eyes, decision 0036).
    run_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    original_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500)  # var/imports/<sha256>/<original name>
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=40, blank=True)  # the GDAL driver that read it
    layer = models.CharField(max_length=200, blank=True)
    crs = models.CharField(max_length=2000, blank=True)  # as detected: "EPSG:28992" or the file's WKT
    crs_override = models.CharField(max_length=40, blank=True)
    columns = models.JSONField(default=list)
    profile = models.ForeignKey(ImportProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    mapping = models.JSONField(default=dict)  # the mapping actually used (a copy: a profile may change later)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    counts = models.JSONField(default=dict)  # {"read", "imported", "repaired", "rejected", "duplicates"}
    report_csv = models.TextField(blank=True)  # row,status,field,reason: one line per problem
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The import list of an organisation, newest first.
        indexes = [models.Index(fields=["organisation", "-created_at"], name="import_org_created")]

    def __str__(self) -> str:
        return f"Import {self.pk} {self.original_name} ({self.kind}, {self.status})"
