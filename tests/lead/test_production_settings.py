"""Production settings (DJANGO_DEBUG=0) are strict and pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "LEAD_PSEUDONYM_SECRET": "another-long-random-secret-" + "p" * 40,
    "DJANGO_ALLOWED_HOSTS": "lead.example.org",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LEAD_"))}
    # Production always names its database; the deploy check does not connect to it.
    base.setdefault("DATABASE_URL", "postgres://lead@127.0.0.1:5432/lead")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_check_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="lead.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="s" * 60)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is required" in result.stderr


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "y" * 60 + "\n")
    pseudonyms = tmp_path / "pseudonyms"
    pseudonyms.write_text("pseudonyms-from-a-file-" + "z" * 40 + "\n")
    printed = _settings(
        "SECRET_KEY",
        "LEAD_PSEUDONYM_SECRET",
        "LEAD_REQUIRE_MFA",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY_FILE=str(secret),
        LEAD_PSEUDONYM_SECRET_FILE=str(pseudonyms),
        DJANGO_ALLOWED_HOSTS="lead.example.org",
    )
    assert printed == ["from-a-file-" + "y" * 60, "pseudonyms-from-a-file-" + "z" * 40, "True"]


def _settings(*names: str, **env: str) -> list[str]:
    """The values of the settings ``names`` (one per line) as the environment ``env`` makes them."""
    code = "from django.conf import settings as s; " + "; ".join(
        f"print(s.{name})" for name in names
    )
    result = _manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-len(names) :]


def test_production_refuses_to_start_without_a_pseudonym_secret():
    env = {k: v for k, v in PRODUCTION.items() if k != "LEAD_PSEUDONYM_SECRET"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "LEAD_PSEUDONYM_SECRET is required" in result.stderr


def test_pseudonyms_never_use_the_secret_key_and_the_demo_has_a_fixed_public_one():
    demo = _settings(
        "SECRET_KEY", "LEAD_PSEUDONYM_SECRET", DJANGO_SECRET_KEY="a-demo-key-" + "d" * 40
    )
    assert demo[0] != demo[1]
    assert demo[1] == "insecure-local-demo-pseudonyms-never-use-in-production"
    production = _settings("SECRET_KEY", "LEAD_PSEUDONYM_SECRET", **PRODUCTION)
    assert production == [PRODUCTION["DJANGO_SECRET_KEY"], PRODUCTION["LEAD_PSEUDONYM_SECRET"]]


def test_the_defaults_for_time_zone_mail_timeout_and_proxies():
    assert _settings(
        "TIME_ZONE",
        "CELERY_TIMEZONE",
        "EMAIL_TIMEOUT",
        "LEAD_TRUSTED_PROXY_COUNT",
        "ALLAUTH_TRUSTED_PROXY_COUNT",
    ) == ["America/Denver", "America/Denver", "10", "0", "0"]


def test_time_zone_mail_timeout_and_proxies_come_from_the_environment():
    assert _settings(
        "TIME_ZONE",
        "CELERY_TIMEZONE",
        "EMAIL_TIMEOUT",
        "LEAD_TRUSTED_PROXY_COUNT",
        "ALLAUTH_TRUSTED_PROXY_COUNT",
        LEAD_TIME_ZONE="America/Chicago",
        DJANGO_EMAIL_TIMEOUT="3",
        LEAD_TRUSTED_PROXY_COUNT="2",
    ) == ["America/Chicago", "America/Chicago", "3", "2", "2"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LEAD_TIME_ZONE", "Mountain Time", "LEAD_TIME_ZONE must be an IANA time zone"),
        ("DJANGO_EMAIL_TIMEOUT", "0", "DJANGO_EMAIL_TIMEOUT must be a number of seconds"),
        ("LEAD_TRUSTED_PROXY_COUNT", "-1", "LEAD_TRUSTED_PROXY_COUNT must be 0 or more"),
    ],
)
def test_a_wrong_value_stops_the_start_with_a_clear_message(variable, value, message):
    result = _manage("check", **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_keeps_messages_on_the_server_checks_connections_and_fails_open_on_redis():
    assert _settings(
        "MESSAGE_STORAGE",
        "DATABASES['default']['CONN_MAX_AGE']",
        "DATABASES['default']['CONN_HEALTH_CHECKS']",
        "CACHES['default']['BACKEND']",
        REDIS_URL="redis://redis:6379/0",
        **PRODUCTION,
    ) == [
        "django.contrib.messages.storage.session.SessionStorage",
        "60",
        "True",
        "lead.cache.FailOpenRedisCache",
    ]
