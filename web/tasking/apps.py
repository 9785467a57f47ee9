from django.apps import AppConfig


class TaskingConfig(AppConfig):
    name = "web.tasking"
    label = "web_tasking"
