from django.apps import AppConfig


class QualityPagesConfig(AppConfig):
    name = "web.quality_pages"
    label = "web_quality_pages"
