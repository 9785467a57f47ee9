from django.apps import AppConfig


class CasualtiesConfig(AppConfig):
    name = "casualties"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casualties import checks, sealing  # noqa: F401  (registers the key check and the payload sealing)
