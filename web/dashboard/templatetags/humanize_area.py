"""Areas for people: square metres up to a hectare, then hectares, in the reader's number format."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def m2(value: float | None) -> str:
    """12 345 m² → '1.23 ha' (localised: '1,23 ha' in Spanish); None → '—'."""
    if value is None:
        return "—"
    value = float(value)
    if value < 10_000:
        return _("%(n)s m²") % {"n": number_format(round(value), use_l10n=True, force_grouping=True)}
    return _("%(n)s ha") % {
        "n": number_format(round(value / 10_000, 2), decimal_pos=2, use_l10n=True, force_grouping=True)
    }
