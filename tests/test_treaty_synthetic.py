"""Cases the shipped facts do not hold yet, on synthetic facts: re-accession, Art. 20(3), month ends.

The engine takes facts as an argument, so each test states its world in a few rows. No database.
"""

from __future__ import annotations

import datetime as dt

from treaty.engine import CONSENTED, PARTY, WITHDRAWAL_PENDING, WITHDRAWN, Register, withdrawal_effect
from treaty.facts import Facts, Instrument, Notice
from treaty.obligations import annual_reports_due

D = dt.date.fromisoformat


def founders(n: int = 40) -> list[Instrument]:
    """n states depositing on consecutive days from 1998-01-05 (the 40th on 1998-02-13)."""
    return [
        Instrument(
            f"S{i:02d}", f"State {i}", consent_date=D("1998-01-05") + dt.timedelta(days=i), consent_type="ratification"
        )
        for i in range(n)
    ]


def withdrawal(iso3: str, received: str, *, conflict: bool | None = False, conflict_end: str | None = None) -> Notice:
    return Notice(iso3, iso3, "withdrawal_art20", D(received), conflict, D(conflict_end) if conflict_end else None)


def test_a_state_that_withdraws_and_later_accedes_again_is_bound_again_from_its_new_entry_into_force():
    again = Instrument("ZZZ", "Zed", consent_date=D("2030-01-15"), consent_type="accession")
    first = Instrument(
        "ZZZ", "Zed", signature_date=D("1997-12-03"), consent_date=D("2000-03-10"), consent_type="ratification"
    )
    register = Register(Facts((*founders(), first, again), notices=(withdrawal("ZZZ", "2025-06-27"),)))
    zed = register.state("ZZZ")

    assert [t.entry_into_force for t in zed.terms] == [D("2000-09-01"), D("2030-07-01")]
    assert zed.status_on(D("2025-12-26")) == WITHDRAWAL_PENDING
    assert zed.status_on(D("2029-01-01")) == WITHDRAWN
    assert zed.status_on(D("2030-01-15")) == CONSENTED
    assert zed.status_on(D("2030-07-01")) == PARTY
    assert "ZZZ" in register.parties_on(D("2031-01-01"))
    assert "ZZZ" not in register.parties_on(D("2028-01-01"))
    # One state, one ordinal: the first entry into force fixes it; re-joining does not renumber anyone.
    assert zed.ordinal == 41
    assert sorted(s.ordinal for s in register.states.values() if s.ordinal) == list(range(1, 42))
    # Art. 7 annual reports stop while it is out and resume after it is back.
    due = annual_reports_due(zed, zed.terms[0], D("2032-12-31")) + annual_reports_due(
        zed, zed.terms[1], D("2032-12-31")
    )
    assert D("2025-04-30") in due and D("2026-04-30") not in due and D("2030-04-30") not in due
    assert D("2031-04-30") in due


def test_an_art_20_3_withdrawal_stays_pending_while_no_end_of_the_armed_conflict_is_recorded():
    notice = withdrawal("S07", "2025-07-01", conflict=True)
    register = Register(Facts(tuple(founders()), notices=(notice,)))
    state = register.state("S07")

    assert state.terms[0].withdrawal is not None and state.terms[0].withdrawal.pending_under_art20_3
    assert state.status_on(D("2100-01-01")) == WITHDRAWAL_PENDING
    assert "S07" in register.parties_on(D("2100-01-01"))  # still bound
    assert any("Art. 20(3)" in flag for flag in state.flags)


def test_an_art_20_3_withdrawal_takes_effect_on_the_recorded_end_of_the_conflict():
    register = Register(
        Facts(tuple(founders()), notices=(withdrawal("S07", "2025-07-01", conflict=True, conflict_end="2027-03-15"),))
    )
    state = register.state("S07")

    assert state.terms[0].end == D("2027-03-15")
    assert state.status_on(D("2027-03-14")) == WITHDRAWAL_PENDING
    assert state.status_on(D("2027-03-15")) == WITHDRAWN


def test_a_conflict_that_ends_before_the_six_months_run_out_does_not_bring_the_withdrawal_forward():
    effect = withdrawal_effect(withdrawal("S07", "2025-07-01", conflict=True, conflict_end="2025-09-01"))

    assert effect.effective == D("2026-01-01")


def test_withdrawal_receipts_at_month_ends_clamp_to_the_last_day_of_the_sixth_month():
    assert withdrawal_effect(withdrawal("X", "2025-08-31")).effective == D("2026-02-28")
    assert withdrawal_effect(withdrawal("X", "2027-08-31")).effective == D("2028-02-29")  # leap year
    assert withdrawal_effect(withdrawal("X", "2025-12-31")).effective == D("2026-06-30")
    assert withdrawal_effect(withdrawal("X", "2025-03-30")).effective == D("2025-09-30")
    assert withdrawal_effect(withdrawal("X", "2025-06-27")).effective == D("2025-12-27")


def test_a_second_withdrawal_notice_in_the_same_membership_changes_nothing_and_is_flagged():
    notices = (withdrawal("S03", "2025-01-10"), withdrawal("S03", "2025-03-10"))
    state = Register(Facts(tuple(founders()), notices=notices)).state("S03")

    assert state.terms[0].end == D("2025-07-10")
    assert [n.flagged for n in state.notices] == [False, True]


def test_a_notice_from_a_state_that_never_joined_has_no_effect_and_is_flagged():
    outsider = Instrument("OUT", "Outside")
    state = Register(Facts((*founders(), outsider), notices=(withdrawal("OUT", "2025-01-10"),))).state("OUT")

    assert state.status_on(D("2026-01-01")) == "non_party"
    assert state.notices[0].flagged


def test_nobody_is_a_party_while_fewer_than_40_instruments_are_deposited():
    register = Register(Facts(tuple(founders(39))))

    assert register.convention_entry_into_force is None
    assert register.parties_on(D("2030-01-01")) == []
    assert register.state("S00").status_on(D("2030-01-01")) == CONSENTED


def test_ties_within_the_first_40_are_broken_by_deposit_day_then_iso3():
    same_day = [
        Instrument(code, code, consent_date=D("1998-01-01"), consent_type="ratification") for code in ("BBB", "AAA")
    ]
    register = Register(Facts((*founders(38), *same_day)))

    assert register.state("AAA").ordinal == 1 and register.state("BBB").ordinal == 2
    assert register.state("S00").ordinal == 3
