"""Django app config: the treaty engine has no models; the app exists for its command and views."""

from django.apps import AppConfig


class TreatyConfig(AppConfig):
    name = "treaty"
    verbose_name = "Mine Ban Convention"
