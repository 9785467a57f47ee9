"""Areas for people: square metres up to a hectare, then hectares."""

from django import template

register = template.Library()


@register.filter
def m2(value: float | None) -> str:
    """12 345 m² → '1.23 ha'; None → '—'."""
    if value is None:
        return "—"
    value = float(value)
    return f"{value:,.0f} m²" if value < 10_000 else f"{value / 10_000:,.2f} ha"
