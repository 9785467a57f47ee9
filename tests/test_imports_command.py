"""`clearground import` on the command line: a dry run prints the preview and stores nothing; a run prints counts."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from interop.models import Import, ImportProfile
from reports.models import Report
from tests.imports_helpers import AMSTERDAM, media_in_tmp, needs_amsterdam

__all__ = ["media_in_tmp"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out)
    return out.getvalue()


@needs_amsterdam
def test_a_dry_run_prints_the_first_rows_and_every_problem_and_stores_nothing(cast, settings):
    out = run(str(AMSTERDAM / "verdachte_gebieden.csv"), "--kind", "nts", "--profile", "amsterdam-suspected-areas",
              "--organisation", "nmaa", "--dry-run")  # fmt: skip

    assert "CRS EPSG:28992 (the profile's CRS (the file states none))" in out
    assert "dry run, nothing stored: read 4, imported 4, repaired 0, rejected 0, duplicates 0" in out
    assert "row 1 imported:" in out and "problems (0):" in out
    assert Report.objects.count() == 0 and Import.objects.count() == 0
    assert not User.objects.filter(username__startswith="nmaa-import").exists()
    assert not list((settings.MEDIA_ROOT / "imports").glob("*/*"))  # nor a stored copy of the file
    assert ImportProfile.objects.filter(name="amsterdam-bomb-impacts").exists()  # shipped profiles loaded


@needs_amsterdam
def test_a_run_with_approve_prints_the_counts_and_the_problem_csv(cast):
    out = json.loads(run(str(AMSTERDAM / "gevrijwaard_gebied.csv"), "--kind", "released_area", "--profile",
                         "amsterdam-released-areas", "--organisation", "nmaa", "--json"))  # fmt: skip

    assert out["counts"]["rejected"] == 19 and out["status"] == "done"
    with open(out["problems_csv"], encoding="utf-8") as fh:
        assert fh.readline().strip() == "row,status,field,reason"
    assert Import.objects.get(pk=out["import"]).report_csv.count("\n") == 20


def test_a_bad_file_is_a_clear_error(cast, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError) as excinfo:
        run(str(path), "--kind", "nts", "--organisation", "nmaa")
    assert "no geometry: the table has no WKT column and no longitude/latitude columns" in str(excinfo.value)
