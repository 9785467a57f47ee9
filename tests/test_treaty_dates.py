"""Date arithmetic and vague dates, by example and by property (hypothesis). No database."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from treaty.dates import add_months, add_years, first_of_month_after, last_day_of_month, parse_vague_date
from treaty.engine import Register, entry_into_force, withdrawal_effect
from treaty.facts import Facts, Instrument, Notice

D = dt.date.fromisoformat
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month


@given(days)
def test_entry_into_force_after_the_40th_deposit_is_a_first_of_the_month_five_to_six_months_on(deposit):
    instrument = Instrument("X", "X", consent_date=deposit, consent_type="accession")
    eif, _rule = entry_into_force(instrument, fortieth=dt.date(1989, 12, 31))

    assert eif is not None and eif.day == 1
    assert month_index(eif) - month_index(deposit) == 6
    assert add_months(deposit, 5) < eif <= add_months(deposit, 6)


@given(days)
def test_an_art_20_withdrawal_six_months_back_lands_on_the_receipt_or_the_month_end_clamp(received):
    effective = withdrawal_effect(Notice("X", "X", "withdrawal_art20", received)).effective

    assert effective is not None and month_index(effective) - month_index(received) == 6
    if effective.day == received.day:
        assert add_months(effective, -6) == received
    else:  # the sixth month is shorter than the receipt's day: the last day of that month
        assert received.day > effective.day == last_day_of_month(effective.year, effective.month)


@given(days, st.integers(min_value=-240, max_value=240))
def test_adding_months_keeps_the_day_unless_the_month_is_too_short(day, months):
    moved = add_months(day, months)

    assert month_index(moved) - month_index(day) == months
    assert moved.day == min(day.day, last_day_of_month(moved.year, moved.month))


@given(days, st.integers(min_value=0, max_value=20))
def test_adding_years_moves_29_february_to_28_february_in_common_years_only(day, years):
    moved = add_years(day, years)

    assert (moved.year, moved.month) == (day.year + years, day.month)
    assert moved.day == day.day or (day.month, day.day, moved.day) == (2, 29, 28)


@given(days, st.integers(min_value=0, max_value=24))
def test_first_of_month_after_is_always_a_first(day, months):
    assert first_of_month_after(day, months).day == 1


@given(st.lists(days, min_size=40, max_size=80), days)
def test_parties_on_any_day_are_exactly_those_in_force_and_not_withdrawn(deposits, day):
    instruments = tuple(
        Instrument(f"S{i:03d}", "s", consent_date=d, consent_type="ratification") for i, d in enumerate(deposits)
    )
    notices = tuple(
        Notice(i.iso3, "s", "withdrawal_art20", i.consent_date + dt.timedelta(days=400))
        for i in instruments[::3]
        if i.consent_date
    )
    register = Register(Facts(instruments, notices))

    expected = sorted(
        iso3
        for iso3, state in register.states.items()
        for term in state.terms
        if term.entry_into_force and term.entry_into_force <= day and (term.end is None or day < term.end)
    )
    assert register.parties_on(day) == expected


@given(st.lists(days, min_size=40, max_size=80))
def test_ordinals_are_a_permutation_of_1_to_n_in_order_of_entry_into_force(deposits):
    instruments = tuple(
        Instrument(f"S{i:03d}", "s", consent_date=d, consent_type="accession") for i, d in enumerate(deposits)
    )
    register = Register(Facts(instruments))
    in_order = sorted((s for s in register.states.values() if s.ordinal), key=lambda s: s.ordinal or 0)

    assert [s.ordinal for s in in_order] == list(range(1, len(deposits) + 1))
    eifs = [s.first_entry_into_force or dt.date.min for s in in_order]
    assert eifs == sorted(eifs)


def test_the_shipped_register_agrees_with_the_definition_of_a_party_on_every_first_of_the_month():
    from treaty.engine import default_register

    register = default_register()
    day = dt.date(1997, 12, 1)
    while day < dt.date(2027, 1, 1):
        expected = [
            iso3
            for iso3, s in register.states.items()
            if any(t.entry_into_force and t.entry_into_force <= day and (t.end is None or day < t.end) for t in s.terms)
        ]
        assert register.parties_on(day) == expected
        day = first_of_month_after(day, 1)


def test_vague_dates_keep_their_text_and_get_bounds():
    cases = {
        "2004-06-07": ("2004-06-07", "2004-06-07", True),
        "2006-06": ("2006-06-01", "2006-06-30", False),
        "2021": ("2021-01-01", "2021-12-31", False),
        "before 2019-11 (exact date not retrieved)": (None, "2019-10-31", False),
        "2004-12/2005-11": ("2004-12-01", "2005-11-30", False),
        "2007-10 (Monitor) / 2006 (ISU)": ("2006-01-01", "2007-10-31", False),
        "2009-03 (late March 2009)": ("2009-03-01", "2009-03-31", False),
        "2026 (reported March 2026; exact date unconfirmed)": ("2026-01-01", "2026-12-31", False),
        "2000-02 (leap)": ("2000-02-01", "2000-02-29", False),
    }
    for text, (earliest, latest, exact) in cases.items():
        vague = parse_vague_date(text)
        assert vague.text == text
        assert (vague.earliest, vague.latest, vague.exact) == (D(earliest) if earliest else None, D(latest), exact)


@given(st.text(max_size=60))
def test_reading_a_vague_date_never_raises(text):
    vague = parse_vague_date(text)

    assert vague.text == text.strip()
    if vague.earliest and vague.latest:
        assert vague.earliest <= vague.latest


def test_unreadable_completion_text_gives_no_bounds():
    vague = parse_vague_date("not reported")

    assert not vague.readable and vague.as_dict()["approximate"] is True
