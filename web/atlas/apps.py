from django.apps import AppConfig


class AtlasConfig(AppConfig):
    name = "web.atlas"
    label = "web_atlas"
