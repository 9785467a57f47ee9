from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "web.administration"
    label = "web_administration"
