from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """What the app hooks into Django, named here (decision 0044)."""
        from django.core import checks

        from interop.checks import basemaps_usable, publication_allowed

        checks.register(publication_allowed)
        checks.register(basemaps_usable)
