"""The home page: who you are, what your role lets you see, and where the doors are.

The full web application (map, workbench, dashboards) is a later piece; this page already applies
the same access helpers as the API, so each demo login shows exactly its own scope.
"""

from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import access
from accounts.models import Membership
from hazards.queries import land_release_summary
from reports.models import ReportStatus
from vocab.choices import HazardStatus


def home(request: HttpRequest) -> HttpResponse:
    """Landing page; signed in, a summary of the register within the user's scope."""
    summary = sorted(land_release_summary(), key=lambda row: row["name"] or "")
    context: dict[str, object] = {"public_summary": summary}
    user = request.user
    context["scope"] = access.scope_of(user)
    if user.is_authenticated:
        hazards = access.hazards_for(user)
        context.update(
            memberships=Membership.objects.filter(user=user).select_related("organisation"),
            totals=hazards.aggregate(
                n=Count("id"), original=Sum("original_area_m2"), remaining=Sum("remaining_area_m2")
            ),  # fmt: skip
            by_status=[
                {"label": HazardStatus(row["status"]).label, "n": row["n"]}
                for row in hazards.values("status").annotate(n=Count("id")).order_by("status")
            ],
            recent=hazards.select_related("organisation", "admin_area").order_by("-date_of_information", "-id")[:15],
            queue=access.reports_for(user)
            .filter(status__in=[ReportStatus.SUBMITTED, ReportStatus.VALIDATED])
            .select_related("organisation")
            .order_by("id")[:15],
        )
    return render(request, "home.html", context)
