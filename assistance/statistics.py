"""Referral statistics for the authority: counts by need and by outcome, small cells suppressed.

Counts only, never a person's row; the rule is casualties.statistics.suppress (1–4 shown as "<5",
and one complementary cell when a table would hide exactly one).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from assistance.models import Need, Referral, ReferralOutcome
from casualties.statistics import THRESHOLD, suppress


def referral_statistics() -> dict[str, Any]:
    """Referrals by need identified (a referral counts under each of its needs) and by outcome."""
    by_need = [(need, Referral.objects.filter(needs__contains=[need]).count()) for need in Need.values]
    rows = dict(Referral.objects.values_list("outcome").annotate(n=Count("id")).order_by())
    by_outcome = [(outcome, rows.get(outcome, 0)) for outcome in ReferralOutcome.values]
    total = Referral.objects.count()
    return {
        "threshold": THRESHOLD,
        "total": suppress([("total", total)])[0],
        "tables": {"need": suppress(by_need), "outcome": suppress(by_outcome)},
    }
