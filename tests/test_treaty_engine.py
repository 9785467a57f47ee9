"""The treaty engine on the shipped facts: the public checks, Art. 17 edge cases, ordinals, notices.

Pure Python: no database fixture anywhere in this module.
"""

from __future__ import annotations

import datetime as dt

import pytest

from treaty.engine import (
    CONSENTED,
    EIF_FIRST_40,
    EIF_LATER_DEPOSIT,
    EIF_SUCCESSION,
    NON_PARTY,
    PARTY,
    SIGNATORY,
    WITHDRAWAL_PENDING,
    WITHDRAWN,
    Register,
    UnknownState,
    default_register,
)

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def register() -> Register:
    return default_register()


def test_there_are_164_states_parties_on_1_january_2024(register):
    assert len(register.parties_on(D("2024-01-01"))) == 164


@pytest.mark.parametrize(
    ("iso3", "effective"),
    [("LTU", "2025-12-27"), ("LVA", "2025-12-27"), ("EST", "2025-12-27"), ("FIN", "2026-01-10"), ("POL", "2026-02-20")],
)
def test_the_2025_withdrawals_take_effect_six_months_after_receipt(register, iso3, effective):
    state = register.state(iso3)
    day = D(effective)

    assert state.terms[-1].end == day
    assert state.status_on(day - dt.timedelta(days=1)) == WITHDRAWAL_PENDING
    assert state.is_party_on(day - dt.timedelta(days=1))
    assert state.status_on(day) == WITHDRAWN
    assert iso3 not in register.parties_on(day)


def test_ukraine_is_still_a_party_on_1_june_2026_despite_its_suspension_notice(register):
    ukraine = register.state("UKR")

    assert ukraine.status_on(D("2026-06-01")) == PARTY
    assert "UKR" in register.parties_on(D("2026-06-01"))
    (notice,) = ukraine.notices
    assert notice.notice.kind == "suspension_notice" and notice.flagged
    assert "remains bound" in notice.effect
    assert any("suspension_notice" in flag for flag in ukraine.flags)


@pytest.mark.parametrize(
    ("day", "count"),
    [
        ("1999-02-28", 0),
        ("1999-03-01", 45),  # the first 40, and the five deposited later in September 1998
        ("2018-06-01", 164),  # Palestine
        ("2025-09-01", 165),  # Marshall Islands
        ("2025-12-01", 166),  # Tonga
        ("2025-12-27", 163),  # Lithuania, Latvia, Estonia leave
        ("2026-01-10", 162),  # Finland leaves
        ("2026-02-20", 161),  # Poland leaves
    ],
)
def test_the_number_of_states_parties_on_the_days_the_issue_asks_about(register, day, count):
    assert len(register.parties_on(D(day))) == count


def test_the_convention_entered_into_force_on_1_march_1999_after_the_40th_deposit_on_16_september_1998(register):
    assert register.fortieth_deposit == D("1998-09-16")
    assert register.convention_entry_into_force == D("1999-03-01")


def test_the_two_instruments_deposited_on_16_september_1998_are_the_39th_and_40th_in_iso3_order(register):
    burkina, guinea = register.state("BFA"), register.state("GNQ")

    assert burkina.terms[0].entry_into_force == guinea.terms[0].entry_into_force == D("1999-03-01")
    assert burkina.terms[0].eif_rule == guinea.terms[0].eif_rule == EIF_FIRST_40
    assert (burkina.ordinal, guinea.ordinal) == (39, 40)


def test_a_deposit_later_in_the_40th_month_counts_from_its_own_month_and_lands_on_the_same_day(register):
    japan = register.state("JPN")  # 1998-09-30, the 45th instrument

    assert japan.terms[0].eif_rule == EIF_LATER_DEPOSIT
    assert japan.terms[0].entry_into_force == D("1999-03-01")


@pytest.mark.parametrize(
    ("iso3", "deposit", "entry_into_force"),
    [
        ("ALB", "2000-02-29", "2000-08-01"),  # leap day
        ("BHS", "1998-07-31", "1999-03-01"),  # one of the first 40
        ("SWE", "1998-11-30", "1999-05-01"),
        ("STP", "2003-03-31", "2003-09-01"),
        ("KWT", "2007-07-30", "2008-01-01"),  # across a year end
        ("PSE", "2017-12-29", "2018-06-01"),
    ],
)
def test_deposits_on_the_29th_to_31st_enter_into_force_on_the_first_of_the_sixth_month_after(
    register, iso3, deposit, entry_into_force
):
    term = register.state(iso3).terms[0]

    assert term.instrument.consent_date == D(deposit)
    assert term.entry_into_force == D(entry_into_force)


def test_successions_take_the_effective_day_the_record_states(register):
    south_sudan, montenegro = register.state("SSD"), register.state("MNE")

    assert south_sudan.terms[0].entry_into_force == D("2011-07-09")  # before the 2011-11-11 notification
    assert montenegro.terms[0].entry_into_force == D("2007-04-01")
    assert south_sudan.terms[0].eif_rule == montenegro.terms[0].eif_rule == EIF_SUCCESSION
    assert south_sudan.status_on(D("2011-08-01")) == PARTY  # the record is retroactive


def test_each_status_appears_where_the_facts_put_it(register):
    assert register.state("USA").status_on(D("2026-01-01")) == NON_PARTY
    assert register.state("POL").status_on(D("2000-01-01")) == SIGNATORY
    assert register.state("POL").status_on(D("2013-01-15")) == CONSENTED
    assert register.state("POL").status_on(D("2013-06-01")) == PARTY
    assert register.state("POL").status_on(D("2025-09-01")) == WITHDRAWAL_PENDING
    assert register.state("POL").status_on(D("2026-03-01")) == WITHDRAWN
    assert register.state("CAN").status_on(D("1997-12-02")) == NON_PARTY
    assert register.state("CAN").status_on(D("1997-12-03")) == CONSENTED  # signed and ratified the same day


def test_ordinals_run_from_1_to_166_by_entry_into_force(register):
    ordinals = sorted(s.ordinal for s in register.states.values() if s.ordinal)

    assert ordinals == list(range(1, 167))
    assert register.state("CAN").ordinal == 1  # deposited first, on 1997-12-03
    assert register.state("TON").ordinal == 166
    assert register.state("USA").ordinal is None


def test_every_one_of_the_197_states_is_in_the_register_and_31_never_joined(register):
    assert len(register.states) == 197
    assert sum(1 for s in register.states.values() if not s.terms) == 31


def test_an_unknown_iso3_code_is_refused_and_case_does_not_matter(register):
    assert register.state("pol").iso3 == "POL"
    with pytest.raises(UnknownState):
        register.state("XYZ")


def test_unverified_facts_are_flagged(register):
    netherlands = register.state("NLD")  # 'acceptance' per analyst recall only

    assert any(flag.startswith("facts unverified") for flag in netherlands.flags)
