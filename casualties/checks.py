"""A system check that stops a server without its own field-encryption key (manage.py check, runserver).

Registered in CasualtiesConfig.ready, with everything else the app hooks into Django.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error

from casualties.crypto import key_problem


def field_key_configured(app_configs: Any, **kwargs: Any) -> list[Error]:
    """casualties.E001: personal data would be stored with a missing or malformed key."""
    problem = key_problem()
    return [Error(problem, id="casualties.E001")] if problem else []
