"""The home dashboard at /: the public summary for everyone, the register's figures within one's scope.

Thin: the scope comes from accounts.access, every figure from web.dashboard.queries (SQL aggregates),
every chart from web.shell.charts; this module only turns rows into chart series.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Membership
from hazards.queries import land_release_summary
from vocab.choices import ActivityKind, Method, ProductKind
from web.dashboard import queries
from web.dashboard.templatetags.humanize_area import count, m2
from web.shell.charts import Series, line_chart, stacked_bars


def home(request: HttpRequest) -> HttpResponse:
    """Anonymous: released land by province (public). A member: figures and charts of their scope."""
    user = request.user
    scope = access.scope_of(user)
    context: dict[str, Any] = {"scope": scope}
    if not scope.is_member():
        context["public_summary"] = land_release_summary()
        if user.is_authenticated:
            context["memberships"] = []
        return render(request, "dashboard/home.html", context)
    hazards = queries.hazard_figures(user)  # one scan of the register for the headline and by province
    member = access.signed_in(user)  # a member of an organisation is signed in
    context.update(
        memberships=Membership.objects.filter(user_id=member.pk).select_related("organisation"),
        figures=queries.headline(user, hazards),
        area_chart=_area_chart(queries.land_release_by_area(user, hazards)),
        year_chart=_year_chart(queries.land_release_by_year(user)),
        latest=queries.latest_hazards(user),
    )
    who = [{**r, "kind_label": ActivityKind(r["kind"]).label} for r in queries.who_does_what_where(user)]
    context.update(who_rows=_who_rows(who), who_chart=_who_chart(who))
    productivity = [{**r, "label": _method_label(r["method"])} for r in queries.productivity(user)]
    context.update(productivity=productivity, productivity_chart=_productivity_chart(productivity))
    casualties = queries.casualties_by_year(user)
    if casualties is not None:  # only roles that may see casualty statistics (the API's rule)
        context.update(show_casualties=True, casualty_chart=_casualty_chart(casualties))
    reach = queries.risk_education_reach(user)
    context.update(reach=reach, reach_chart=_reach_chart(reach["years"]))
    return render(request, "dashboard/home.html", context)


#: One colour per land-release state on every chart (Okabe–Ito, colour-blind safe).
COLORS = {"remaining": "#D55E00", "cancelled": "#E69F00", "reduced": "#0072B2", "cleared": "#009E73"}


def _kind_label(kind: str) -> str:
    return str(ProductKind(kind).label)


def _m2(value: float | None) -> int:
    # Whole square metres: the charts' tables show a float's ".0" otherwise.
    return round(value or 0)


def _area_chart(rows: list[dict[str, Any]]) -> SafeString | None:
    if not rows:
        return None
    categories = [r["area_name"] or _("No admin area") for r in rows]
    series = [Series(_("Remaining"), [_m2(r["remaining"]) for r in rows], color=COLORS["remaining"])]
    series += [Series(_kind_label(k), [_m2(r[k]) for r in rows], color=COLORS[k]) for k in queries.KINDS]
    return stacked_bars(categories, series, title=_("Land release status by province (m²)"), unit="m²")


def _year_chart(by_year: dict[int, dict[str, float]]) -> SafeString | None:
    if not by_year:
        return None
    series = [Series(_kind_label(k), [_m2(v.get(k)) for v in by_year.values()], color=COLORS[k]) for k in queries.KINDS]
    return stacked_bars([str(y) for y in by_year], series, title=_("Land released by year (m²)"), unit="m²")


def _who_chart(rows: list[dict[str, Any]]) -> SafeString | None:
    if not rows:
        return None
    orgs = sorted({(r["organisation__name"], r["organisation__code"]) for r in rows})
    kinds = [k for k in ActivityKind.values if any(r["kind"] == k for r in rows)]
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        counts[(r["organisation__code"], r["kind"])] = counts.get((r["organisation__code"], r["kind"]), 0) + r["n"]
    series = [Series(str(ActivityKind(k).label), [counts.get((code, k), 0) for _n, code in orgs]) for k in kinds]
    return stacked_bars([name for name, _c in orgs], series, title=_("Activities by organisation and kind"))


def _who_rows(rows: list[dict[str, Any]]) -> SafeString:
    # Built here rather than in a template loop: a national register has hundreds of these rows.
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>',
        (
            (r["organisation__name"], r["area_name"] or _("No admin area"), r["kind_label"], count(r["n"]), m2(r["m2"]))
            for r in rows
        ),
    )


def _method_label(method: str) -> str:
    return str(Method(method).label) if method in Method.values else _("Method not recorded")


def _productivity_chart(rows: list[dict[str, Any]]) -> SafeString | None:
    if not rows:
        return None
    return stacked_bars(
        [r["label"] for r in rows],
        [Series(_("m² released per person-day"), [r["per_person_day"] for r in rows])],
        title=_("Productivity: m² released per person-day, by method"),
        unit="m²",
        digits=1,
    )


def _casualty_chart(cells: list[dict[str, Any]]) -> SafeString | None:
    if not cells:
        return None
    # A suppressed cell (1–4, or hidden to protect one) has no number: a gap in the line, "—" in the table.
    return line_chart(
        [str(c["value"]) for c in cells],
        [Series(_("Casualties"), [c["count"] for c in cells], color="#D55E00")],
        title=_("Casualties by year of the accident"),
    )


def _reach_chart(years: list[dict[str, Any]]) -> SafeString | None:
    if not years:
        return None
    return line_chart(
        [str(r["value"]) for r in years],
        [
            Series(_("People reached"), [r["reached"] for r in years]),
            Series(_("Attendances"), [r["attendances"] for r in years]),
        ],
        title=_("Risk education reach by year"),
    )
