"""How tests are written here — read this first.

1. Use the named cast (`cast` fixture, clearground/test.py): the same people and places everywhere.
2. Go through the public interface: actions in reports/actions.py, the REST API with DRF's APIClient,
   management commands with call_command. Never write domain rows with .save() or .create().
3. Real PostGIS: `make test` starts a throwaway cluster; nothing is mocked but the outside world.
4. One module per behaviour, and test names that read as sentences.
"""

from clearground.test import square
from hazards.models import HazardousArea
from reports.models import ReportStatus
from tests.helpers import approved


def test_an_approved_nts_report_registers_a_hazard_with_its_area_in_square_metres(cast):
    report = approved(cast, "nts", cast.nts_payload(square(100)))

    hazard = HazardousArea.objects.get(pk=report.hazard_id)
    assert report.status == ReportStatus.APPROVED
    assert hazard.classification == "SHA" and hazard.status == "open"
    # 100 m × 100 m drawn in degrees, measured back in the local UTM zone (37N).
    assert abs(hazard.original_area_m2 - 10_000) < 50
    assert hazard.utm_srid == 32637
    assert hazard.remaining_area_m2 == hazard.original_area_m2
    assert hazard.admin_area == cast.area
    assert hazard.versions.count() == 1
