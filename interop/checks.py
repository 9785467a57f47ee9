"""A system check that names what CLEARGROUND_PUBLISHED asks for and the registry does not allow (decision 0037).

Registered in InteropConfig.ready.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error

from interop.publish_access import publication_problems


def publication_allowed(app_configs: Any, **kwargs: Any) -> list[Error]:
    """interop.E001: a collection or field the setting would publish but never may (it stays unpublished)."""
    return [Error(p, hint="See docs/configuration.md, CLEARGROUND_PUBLISHED.", id="interop.E001")
            for p in publication_problems()]  # fmt: skip


def basemaps_usable(app_configs: Any, **kwargs: Any) -> list[Error]:
    """interop.E002: a CLEARGROUND_BASEMAPS entry that cannot be used (the map pages show none of them then)."""
    from interop.basemaps.config import problems

    return [Error(p, hint="See docs/configuration.md, CLEARGROUND_BASEMAPS.", id="interop.E002") for p in problems()]
