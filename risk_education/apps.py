from django.apps import AppConfig


class RiskEducationConfig(AppConfig):
    name = "risk_education"
    verbose_name = "Risk education"
    default_auto_field = "django.db.models.BigAutoField"
