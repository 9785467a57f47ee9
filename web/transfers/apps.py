from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "web.transfers"
    label = "web_transfers"
