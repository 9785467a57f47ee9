"""`clearground check --deploy` is clean with production settings and refuses the development key.

Run as a subprocess, as an operator would, so the settings module reads a production environment
(decision 0031). The check needs no database: DATABASE_URL only has to parse.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

CLEARGROUND = str(Path(sys.executable).with_name("clearground"))


def production_env(**overrides: str) -> dict[str, str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' (tests/browser/conftest.py), not a server's.
    unset = {"DEBUG", "SECRET_KEY", "CLEARGROUND_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="ims.example.org",
        CLEARGROUND_HTTPS="1",
        CLEARGROUND_FIELD_KEY=Fernet.generate_key().decode(),
        DATABASE_URL="postgres://clearground:unused@127.0.0.1:1/clearground",
    )
    env.update(overrides)
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLEARGROUND, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_finds_no_issue_with_production_settings() -> None:
    result = check_deploy(production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "security." not in result.stdout + result.stderr


def test_check_deploy_finds_no_issue_behind_a_tls_proxy_either() -> None:
    result = check_deploy(production_env(CLEARGROUND_BEHIND_PROXY="1", CLEARGROUND_HSTS_SECONDS="3600"))

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_production_switch_with_the_development_secret_key_refuses_to_start() -> None:
    env = production_env()
    del env["SECRET_KEY"]

    result = check_deploy(env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY is the development key" in result.stderr


def test_without_the_production_switch_check_deploy_names_what_a_server_would_lack() -> None:
    # The laptop settings (`make run`: plain http) are what --deploy exists to catch.
    env = production_env()
    del env["CLEARGROUND_HTTPS"]

    result = check_deploy(env)

    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr + result.stdout
