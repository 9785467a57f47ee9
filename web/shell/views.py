"""The sign-in page: Django's login view, throttled (accounts/throttle.py, decision 0031)."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from accounts.throttle import client_ip, seconds_refused


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses, before checking the password, while the user name or the address is throttled."""

    wait_seconds = 0

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and self.cleaned_data.get("password"):
            self.wait_seconds = seconds_refused(username, client_ip(self.request))
            if self.wait_seconds:
                raise ValidationError("Too many failed sign-ins.", code="throttled")
        return super().clean()

    @property
    def wait_minutes(self) -> int:
        return math.ceil(self.wait_seconds / 60)


class ThrottledLoginView(LoginView):
    """The login page; a throttled attempt answers 429 with Retry-After, its page saying how long."""

    template_name = "login.html"
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        wait = getattr(form, "wait_seconds", 0)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response
