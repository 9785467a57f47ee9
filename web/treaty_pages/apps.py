from django.apps import AppConfig


class TreatyPagesConfig(AppConfig):
    name = "web.treaty_pages"
    label = "web_treaty_pages"
