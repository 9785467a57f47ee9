from django.apps import AppConfig


class CasualtiesConfig(AppConfig):
    name = "casualties"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """What the app hooks into Django, named here (decision 0044): the key check and the payload sealing."""
        from django.core import checks
        from django.db.models.signals import pre_save

        from casualties.checks import field_key_configured
        from casualties.sealing import seal_accident_payload
        from reports.models import Report

        checks.register(field_key_configured)
        pre_save.connect(seal_accident_payload, sender=Report, dispatch_uid="casualties.seal_accident_payload")
