from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "web.workbench"
    label = "web_workbench"
