"""The OpenAPI document is valid, complete and warning-free, so clients can be generated from it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from rest_framework.test import APIClient

from clearground.api.urls import router

ROOT = Path(__file__).resolve().parent.parent


def expected_paths() -> set[str]:
    """Every path the router and urls.py serve, spelled as drf-spectacular spells them."""
    paths = {"/api/v1/public/land-release/", "/api/v1/auth/token/", "/api/v1/auth/logout/"}
    for prefix, viewset, _basename in router.registry:
        paths |= {f"/api/v1/{prefix}/", f"/api/v1/{prefix}/{{id}}/"}
        extras: list[Any] = viewset.get_extra_actions()  # methods that @action gave url_path and detail
        for extra in extras:
            url_path, detail = extra.url_path, extra.detail
            paths.add(f"/api/v1/{prefix}/{{id}}/{url_path}/" if detail else f"/api/v1/{prefix}/{url_path}/")
    return paths


@pytest.fixture
def schema(db: None) -> dict[str, Any]:
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert isinstance(document, dict)
    return document


def test_the_schema_is_an_openapi_3_document(schema: dict[str, Any]) -> None:
    assert str(schema["openapi"]).startswith("3.")
    assert schema["info"]["title"] == "Clearground API"


def test_every_route_of_the_api_is_in_the_schema(schema: dict[str, Any]) -> None:
    missing = expected_paths() - set(schema["paths"])

    assert missing == set()
    # The workflow doors are there with the methods they take.
    assert "post" in schema["paths"]["/api/v1/reports/{id}/approve/"]
    assert "patch" in schema["paths"]["/api/v1/reports/{id}/"]
    assert "get" in schema["paths"]["/api/v1/hazards/{id}/state/"]


def test_the_schema_is_also_served_as_json(db: None) -> None:
    response = APIClient().get("/api/schema/?format=json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_the_schema_validates_without_warnings(tmp_path: Path) -> None:
    # A fresh process: drf-spectacular keeps its warning counts per process.
    command = Path(sys.executable).with_name("clearground")
    result = subprocess.run(
        [str(command), "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")],
        cwd=ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "Warnings" not in result.stderr and "Error" not in result.stderr
    assert yaml.safe_load((tmp_path / "schema.yaml").read_text())["openapi"].startswith("3.")
