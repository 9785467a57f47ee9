from django.apps import AppConfig


class ShellConfig(AppConfig):
    name = "web.shell"
    label = "web_shell"
