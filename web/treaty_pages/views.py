"""The treaty pages: world map of Convention status on a day, a state's timeline, Article 7 reports.

Thin views: parse → access check → ask the treaty engine or call the obligations action → render.
The engine needs no database; Article 7 reports and the Article 5 forecast are the national
authority's (accounts.access.may_read_national_reports), as they are in the REST API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from obligations import exports
from obligations.actions import generate_article7
from obligations.models import Article7Report
from treaty import report
from treaty.dates import parse_iso_day
from treaty.engine import UnknownState, default_register
from web.treaty_pages import forecast as forecast_page
from web.treaty_pages import labels, queries


def _today() -> dt.date:
    return timezone.now().date()


def _day(request: HttpRequest) -> tuple[dt.date, str | None]:
    """The `on` query parameter (default today), and an error message if it was not a date."""
    text = request.GET.get("on", "").strip()
    if not text:
        return _today(), None
    try:
        return parse_iso_day(text), None
    except ValueError:
        return _today(), _("“%(text)s” is not a date; use YYYY-MM-DD. Showing today.") % {"text": text}


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The world map of Convention status on a day, its legend, the count of States Parties and a table."""
    on, error = _day(request)
    payload = queries.status_payload(on)
    register = default_register()
    rows = [
        {"iso3": iso3, "name": register.states[iso3].name, "status": status, "label": queries.STATUS_LABELS[status]}
        for iso3, status in sorted(payload["statuses"].items(), key=lambda kv: register.states[kv[0]].name)
    ]
    legend = [
        {"status": s, "label": label, "color": queries.STATUS_COLORS[s]} for s, label in queries.STATUS_LABELS.items()
    ]
    config = {
        "statusUrl": reverse("treaty_pages:statuses"),
        "stateUrl": reverse("treaty_pages:state", args=["ZZZ"]),
        "first": queries.OPENED_FOR_SIGNATURE.isoformat(),
        "today": _today().isoformat(),
        "labels": {s: str(label) for s, label in queries.STATUS_LABELS.items()},
        "colors": queries.STATUS_COLORS,
        "noRecord": queries.NO_RECORD,
        "numericToIso3": queries.numeric_to_iso3(),
        "names": {iso3: r.name for iso3, r in register.states.items()},
        "initial": payload,
        "text": {"timeline": _("Timeline and obligations")},
    }
    return render(
        request,
        "treaty_pages/index.html",
        {"on": on, "error": error, "payload": payload, "rows": rows, "legend": legend, "config": config,
         "first": queries.OPENED_FOR_SIGNATURE, "today": _today()},
    )  # fmt: skip


@require_GET
def statuses(request: HttpRequest) -> JsonResponse:
    """ISO3 → status on `?on=YYYY-MM-DD`, with the count of States Parties: what the map recolours from."""
    text = request.GET.get("on", "")
    try:
        on = parse_iso_day(text) if text else _today()
    except ValueError:
        return JsonResponse({"detail": f"'{text}' is not a date; use YYYY-MM-DD"}, status=400)
    response = JsonResponse(queries.status_payload(on))
    # The facts change only with a deploy; a slider dragged back and forth should not ask again.
    response["Cache-Control"] = "max-age=3600"
    return response


@require_GET
def state(request: HttpRequest, iso3: str) -> HttpResponse:
    """One state's timeline, its Article 4/5/7 obligations and, for the authority, the Article 5 forecast."""
    register = default_register()
    try:
        record = register.state(iso3)
    except UnknownState:
        raise Http404(_("No state with that code in the treaty register.")) from None
    if record.iso3 != iso3:
        return redirect("treaty_pages:state", iso3=record.iso3)
    today = _today()
    status = report.status(register, record.iso3, today)
    timeline = report.timeline(register, record.iso3, dt.date(today.year + 1, 12, 31))
    events = []
    for e in timeline["events"]:
        e = {**e, "date": dt.date.fromisoformat(e["date"]) if e["date"] else None, "label": labels.event(e["event"])}
        e["detail_text"], e["detail_english"] = labels.detail(e, record.ordinal)
        events.append(e)
    context: dict[str, Any] = {
        "record": record,
        "status": status,
        "entry_into_force": labels.with_dates(status)["entry_into_force"],
        "status_label": queries.STATUS_LABELS[status["status"]],
        "events": events,
        "article4": labels.obligation(status["article4"]),
        "article5": labels.obligation(status["article5"]),
        "article7": labels.with_dates(status["article7"]),
        "today": today,
        "may_read_reports": access.may_read_national_reports(request.user),
    }
    if context["may_read_reports"]:
        context["forecast"] = forecast_page.forecast_for(record.iso3, today)
    return render(request, "treaty_pages/state.html", context)


class Article7Form(forms.Form):
    """Which state and calendar year to report on (Art. 7(2): each report covers the last calendar year)."""

    country_iso3 = forms.ChoiceField(label=gettext_lazy("State"))
    year = forms.IntegerField(label=gettext_lazy("Calendar year covered"), min_value=1999)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country_iso3"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = queries.state_choices()
        # The current year at most: a report covers a year that has begun (usually the last one).
        year = self.fields["year"]
        year.validators.append(MaxValueValidator(_today().year))
        year.widget.attrs["max"] = _today().year


def _default_country() -> str:
    """The state whose admin areas Clearground holds (a national deployment has one), else the first."""
    from places.models import AdminArea

    iso3 = AdminArea.objects.filter(level=0).values_list("country_iso3", flat=True).order_by("country_iso3").first()
    return iso3 or queries.state_choices()[0][0]


@require_http_methods(["GET", "POST"])
def article7(request: HttpRequest) -> HttpResponse:
    """Article 7 reports: the authority reads and downloads them; its admin and IM officers generate them."""
    may_read = access.may_read_national_reports(request.user)
    may_generate = access.may_generate_national_reports(request.user)
    form = None
    if request.method == "POST":
        if not may_read:
            raise Http404(_("Article 7 reports are kept by the national authority."))
        if not may_generate:
            raise PermissionDenied(_("Only the authority's admin or IM officers generate Article 7 reports."))
        form = Article7Form(request.POST)
        if form.is_valid():
            created = generate_article7(
                acting_user=request.user, country_iso3=form.cleaned_data["country_iso3"], year=form.cleaned_data["year"]
            )
            # Said on the page itself, not through django.contrib.messages: base.html's messages list
            # carries role="status" on its <ul>, which axe reports as a serious list violation.
            return redirect(reverse("treaty_pages:article7") + f"?generated={created.pk}")
    elif may_generate:
        form = Article7Form(initial={"country_iso3": _default_country(), "year": _today().year - 1})
    reports = list(Article7Report.objects.select_related("created_by")[:100]) if may_read else []
    generated = next((r for r in reports if str(r.pk) == request.GET.get("generated")), None)
    names = {iso3: r.name for iso3, r in default_register().states.items()}
    rows = [{"report": r, "state": names.get(r.country_iso3, r.country_iso3)} for r in reports]
    return render(
        request,
        "treaty_pages/article7.html",
        {"form": form, "rows": rows, "may_read": may_read, "may_generate": may_generate,
         "generated": _name(generated) if generated else None,
         "formats": list(exports.EXPORTERS)},
    )  # fmt: skip


def _name(created: Article7Report) -> str:
    try:
        state_name = default_register().state(created.country_iso3).name
    except UnknownState:
        state_name = created.country_iso3
    return f"{state_name} {created.year}"


@require_GET
def article7_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A frozen Article 7 report as a file (JSON, XLSX, PDF), in the page's language unless `?language=` names one."""
    if not access.may_read_national_reports(request.user) or fmt not in exports.EXPORTERS:
        raise Http404(_("Article 7 reports are kept by the national authority."))
    frozen = get_object_or_404(Article7Report, pk=pk)
    asked = request.GET.get("language")
    # An unknown ?language= falls back to the page's language: the reader still gets the file.
    known = asked if asked in {code for code, _name in settings.LANGUAGES} else None
    language = exports.language_of(known, get_language())
    response = HttpResponse(exports.render(frozen.figures, fmt, language), content_type=exports.EXPORTERS[fmt][1])
    name = f"article7-{frozen.country_iso3}-{frozen.year}-{frozen.pk}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
