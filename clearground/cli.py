"""The `clearground` console script: django-admin with Clearground's settings preset."""

import os
import sys


def main() -> None:
    """Run a management command, e.g. `clearground migrate` or `clearground demo --scale 100`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearground.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["clearground", *sys.argv[1:]])
