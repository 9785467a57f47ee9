"""Numbers and areas for people, in the reader's number format: square metres up to a hectare, then hectares.

A national dashboard prints over a thousand numbers; django.utils.formats.number_format looks the
locale's separators up again for each one, so they are looked up once per language here and the
number is formatted by the same django.utils.numberformat.format.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@lru_cache(maxsize=16)
def _separators(language: str | None) -> tuple[str, int, str]:
    return (
        str(get_format("DECIMAL_SEPARATOR", language)),
        int(get_format("NUMBER_GROUPING", language)),
        str(get_format("THOUSAND_SEPARATOR", language)),
    )


def grouped(value: float, decimals: int = 0) -> str:
    """`value` rounded to `decimals`, with the language's decimal and thousands separators."""
    decimal_sep, grouping, thousand_sep = _separators(get_language())
    # Rounded first: numberformat.format cuts a float's decimals rather than rounding them.
    number = round(value, decimals) if decimals else round(value)
    return numberformat.format(number, decimal_sep, decimals or None, grouping, thousand_sep, force_grouping=True)


@register.filter
def count(value: int | None) -> str:
    """1234 → '1,234' (English), '1 234' (Ukrainian); None → '—'."""
    return "—" if value is None else grouped(value)


@register.filter
def m2(value: float | None) -> str:
    """12 345 m² → '1.23 ha' (localised: '1,23 ha' in Spanish); None → '—'."""
    if value is None:
        return "—"
    value = float(value)
    if value < 10_000:
        return _("%(n)s m²") % {"n": grouped(value)}
    return _("%(n)s ha") % {"n": grouped(value / 10_000, 2)}
