"""The registry of report kinds: a plain dict from kind code to its spec."""

from reports.kinds.accident import AccidentReport
from reports.kinds.base import ReportKindSpec
from reports.kinds.cancellation import CancellationReport
from reports.kinds.clearance_progress import ClearanceProgressReport
from reports.kinds.clearance_summary import ClearanceSummaryReport
from reports.kinds.completion import CompletionReport
from reports.kinds.eod_spot import EodSpotReport
from reports.kinds.handover import HandoverReport
from reports.kinds.marking import MarkingReport
from reports.kinds.minefield_handover import MinefieldHandoverReport
from reports.kinds.minefield_inspection import MinefieldInspectionReport
from reports.kinds.minefield_record import MinefieldRecordReport
from reports.kinds.nts import NtsReport
from reports.kinds.post_clearance_inspection import PostClearanceInspectionReport
from reports.kinds.qa_visit import QaVisitReport
from reports.kinds.qc_inspection import QcInspectionReport
from reports.kinds.risk_education_session import RiskEducationSessionReport
from reports.kinds.ts_progress import TsProgressReport

KINDS: dict[str, ReportKindSpec] = {
    spec.kind: spec
    for spec in (
        NtsReport(),
        TsProgressReport(),
        ClearanceProgressReport(),
        CompletionReport(),
        CancellationReport(),
        HandoverReport(),
        MarkingReport(),
        PostClearanceInspectionReport(),
        EodSpotReport(),
        MinefieldRecordReport(),
        MinefieldInspectionReport(),
        MinefieldHandoverReport(),
        AccidentReport(),
        QaVisitReport(),
        QcInspectionReport(),
        RiskEducationSessionReport(),
        ClearanceSummaryReport(),
    )
}
