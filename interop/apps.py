from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from interop import checks  # noqa: F401 - registers the publication check (decision 0037)
        from interop.rest import schema  # noqa: F401 - registers its OpenAPI extensions (decision 0030)
