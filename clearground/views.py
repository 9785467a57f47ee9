"""The home page: what this server is and where its doors are (the web application comes later)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import scope_of


def home(request: HttpRequest) -> HttpResponse:
    """Landing page with links to the API, its schema and the admin."""
    return render(request, "home.html", {"scope": scope_of(request.user)})
