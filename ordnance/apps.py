from django.apps import AppConfig


class OrdnanceConfig(AppConfig):
    name = "ordnance"
    default_auto_field = "django.db.models.BigAutoField"
