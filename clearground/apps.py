from django.apps import AppConfig


class CleargroundConfig(AppConfig):
    name = "clearground"

    def ready(self) -> None:
        """What the project package hooks into Django, named here (decision 0044)."""
        from clearground.api import schema  # noqa: F401 - drf-spectacular registers extensions by subclassing (decision 0030)
