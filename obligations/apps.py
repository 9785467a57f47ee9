from django.apps import AppConfig


class ObligationsConfig(AppConfig):
    name = "obligations"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Treaty obligations (Article 7 reports, Article 5 forecast)"
