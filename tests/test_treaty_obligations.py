"""Arts. 4, 5 and 7: deadlines from entry into force, and compliance judged from (often vague) facts. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from treaty import obligations as ob
from treaty.engine import Register, default_register
from treaty.facts import Article5Record, Facts, Instrument

D = dt.date.fromisoformat
ON = D("2026-06-01")


@pytest.fixture(scope="module")
def register() -> Register:
    return default_register()


def art4(register: Register, iso3: str) -> ob.Article4:
    state = register.state(iso3)
    result = ob.article4(state.terms[0], state.article4)
    assert result is not None
    return result


def art5(register: Register, iso3: str) -> ob.Article5:
    state = register.state(iso3)
    result = ob.article5(state.terms[0], state.article5)
    assert result is not None
    return result


def test_the_stockpile_deadline_is_four_years_after_entry_into_force(register):
    assert art4(register, "MNE").deadline == D("2011-04-01")  # the ICBL's date for Montenegro
    assert art4(register, "SSD").deadline == D("2015-07-09")


def test_a_stockpile_destroyed_by_the_deadline_is_on_time_and_after_it_late(register):
    assert art4(register, "LTU").compliance(ON).value == ob.ON_TIME  # 2004-06-07, deadline 2007-11-01
    # Guinea: EIF 1999-04-01, deadline 2003-04-01, completed 2003-11 (a month, wholly after).
    assert art4(register, "GIN").compliance(ON).value == ob.LATE


def test_a_vague_completion_that_straddles_the_deadline_is_uncertain_and_keeps_its_text(register):
    belarus = art4(register, "BLR")

    assert belarus.completed is not None
    assert belarus.completed.text == "before 2019-11 (exact date not retrieved)"
    assert not belarus.completed.exact
    assert belarus.compliance(ON).value == ob.UNCERTAIN


def test_a_stockpile_with_no_completion_recorded_is_outstanding_once_the_deadline_passes(register):
    assert art4(register, "GRC").compliance(ON).value == ob.OUTSTANDING
    assert art4(register, "UKR").compliance(ON).value == ob.OUTSTANDING
    assert art4(register, "UKR").compliance(D("2010-06-01")).value == ob.NOT_YET_DUE  # the deadline day itself


def test_a_state_without_an_article_4_row_is_not_recorded_after_its_deadline_and_not_yet_due_before(register):
    canada = art4(register, "CAN")

    assert canada.compliance(ON).value == ob.NOT_RECORDED
    assert canada.compliance(D("2000-01-01")).value == ob.NOT_YET_DUE


def test_a_completion_is_not_counted_before_it_happened(register):
    lithuania = art4(register, "LTU")  # completed 2004-06-07

    assert lithuania.compliance(D("2004-06-06")).value == ob.NOT_YET_DUE
    assert lithuania.compliance(D("2004-06-07")).value == ob.ON_TIME


def test_the_clearance_deadline_in_force_comes_from_the_facts_after_extensions(register):
    ukraine = art5(register, "UKR")

    assert ukraine.original_deadline == D("2016-06-01")
    assert ukraine.deadline_in_force == D("2033-12-01")
    assert ukraine.compliance(ON).value == ob.NOT_YET_DUE


def test_a_clearance_deadline_with_extensions_but_no_date_retrieved_is_unknown(register):
    ecuador = art5(register, "ECU")  # "3+" extensions, current deadline not retrieved

    assert ecuador.deadline_in_force is None
    assert ecuador.compliance(ON).value == ob.UNCERTAIN


def test_a_declared_clearance_completion_is_judged_against_the_deadline_in_force(register):
    assert art5(register, "DZA").compliance(ON).value == ob.ON_TIME  # 2017-02-10 against 2017-04-01
    assert art5(register, "SUR").compliance(ON).value == ob.ON_TIME
    assert art5(register, "AGO").compliance(ON).value == ob.OUTSTANDING  # 2025-12-31 passed


def test_the_initial_report_is_due_180_days_after_entry_into_force_across_leap_years(register):
    assert ob.initial_report_due(register.state("CAN").terms[0]) == D("1999-08-28")
    founders = [
        Instrument(f"S{i:02d}", "s", consent_date=D("1998-01-05"), consent_type="ratification") for i in range(40)
    ]
    leap = Instrument("LPY", "Leap", consent_date=D("2003-07-10"), consent_type="accession")  # EIF 2004-01-01
    common = Instrument("CMN", "Common", consent_date=D("2002-07-10"), consent_type="accession")  # EIF 2003-01-01
    register = Register(Facts((*founders, leap, common)))

    assert ob.initial_report_due(register.state("LPY").terms[0]) == D("2004-06-29")
    assert ob.initial_report_due(register.state("CMN").terms[0]) == D("2003-06-30")


def test_deadlines_from_a_29_february_entry_into_force_follow_the_february_rule():
    founders = [
        Instrument(f"S{i:02d}", "s", consent_date=D("1998-01-05"), consent_type="ratification") for i in range(40)
    ]
    heir = Instrument(
        "HRX",
        "Heir",
        consent_date=D("2000-05-01"),
        consent_type="succession",
        succession_effective_date=D("2000-02-29"),
    )
    register = Register(Facts((*founders, heir)))
    term = register.state("HRX").terms[0]

    assert term.entry_into_force == D("2000-02-29")
    four, five = ob.article4(term, None), ob.article5(term, None)
    assert four is not None and four.deadline == D("2004-02-29")
    assert five is not None and five.original_deadline == D("2010-02-28")


def test_annual_reports_are_due_each_30_april_after_the_initial_report_while_a_party(register):
    tonga, finland = register.state("TON"), register.state("FIN")

    # Tonga: in force 2025-12-01, initial report due 2026-05-30, so the first annual one is 2027's.
    assert ob.annual_reports_due(tonga, tonga.terms[0], D("2028-12-31")) == [D("2027-04-30"), D("2028-04-30")]
    # Finland: the last one due is 2025's; it is no longer a party on 30 April 2026.
    finland_due = ob.annual_reports_due(finland, finland.terms[0], D("2027-12-31"))
    assert finland_due[0] == D("2013-04-30") and finland_due[-1] == D("2025-04-30")


def test_compliance_with_unreadable_completion_text_is_uncertain_not_a_crash():
    verdict = ob.judge(D("2010-01-01"), ob.parse_vague_date("not reported"), recorded=True, on=ON)

    assert verdict.value == ob.UNCERTAIN and "not reported" in verdict.reason


def test_zero_extensions_leave_the_original_clearance_deadline_in_force_and_an_empty_count_does_not(register):
    term = register.state("CAN").terms[0]
    none_granted = ob.article5(term, Article5Record("CAN", "Canada", number_of_extensions="0"))
    not_retrieved = ob.article5(term, Article5Record("CAN", "Canada", number_of_extensions=None))

    assert none_granted is not None and none_granted.deadline_in_force == D("2009-03-01")
    assert not_retrieved is not None and not_retrieved.deadline_in_force is None


def test_the_article_5_deadline_in_force_is_offered_to_other_modules_by_iso3():
    from treaty.engine import article5_deadline_in_force

    assert article5_deadline_in_force("UKR") == D("2033-12-01")
    assert article5_deadline_in_force("CAN") is None  # no Art. 5 row in the facts
    assert article5_deadline_in_force("USA") is None and article5_deadline_in_force("XYZ") is None


def test_polands_stockpile_destroyed_before_ratification_is_on_time(register):
    verdict = art4(register, "POL").compliance(D("2026-03-01"))
    assert verdict.value == ob.ON_TIME and "before ratification" in verdict.reason
