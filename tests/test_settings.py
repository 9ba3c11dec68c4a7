"""Configuration comes from the environment; a production start without a secret fails loudly
and `check --deploy` with production settings finds nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "skills.example.org",
    "SITE_URL": "https://skills.example.org",
}


# The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process; a deployment never has it.
NOT_INHERITED = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_start_without_secret_key_fails_loudly():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_off_is_the_default():
    result = manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_runs_without_a_secret_key():
    assert manage("check", DEBUG="1").returncode == 0


def test_invalid_boolean_is_refused_with_a_clear_message():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of 1/0, true/false" in result.stderr


def test_check_deploy_with_production_settings_reports_nothing():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("postgres://postgres@127.0.0.1:5432/skills", "django.db.backends.postgresql"),
        ("sqlite:////tmp/skills.sqlite3", "django.db.backends.sqlite3"),
    ],
)
def test_database_url_chooses_the_database(url, engine):
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = manage("shell", "--no-imports", "-c", code, DEBUG="1", DATABASE_URL=url)
    assert result.stdout.strip() == engine, result.stderr


def database_options(url):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        DEBUG="1",
        DATABASE_URL=url,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_postgresql_connections_turn_jit_off_and_give_up_connecting_after_seconds():
    options = database_options("postgres://postgres@127.0.0.1:5432/x")
    assert options == "{'options': '-c jit=off', 'connect_timeout': 5}"


def test_sqlite_is_set_up_for_writers_in_several_processes():
    """Writers wait for each other instead of failing with "database is locked"."""
    options = database_options("sqlite:////tmp/x.sqlite3")
    assert options == str(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )


SHOW = (
    "from django.conf import settings as s; "
    "print(s.CACHES['default']['BACKEND'], s.CACHES['default'].get('LOCATION'), "
    "s.CACHES['local']['BACKEND'], s.ALLAUTH_TRUSTED_PROXY_COUNT, "
    "s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER, s.EMAIL_TIMEOUT)"
)


def shown(**env):
    unset = dict.fromkeys(
        ["REDIS_URL", "TRUSTED_PROXY_COUNT", "TRUSTED_CLIENT_IP_HEADER", "EMAIL_TIMEOUT"], ""
    )
    result = manage("shell", "-c", SHOW, DEBUG="1", **{**unset, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()


def test_by_default_the_shared_cache_is_a_database_table_and_no_proxy_is_trusted():
    assert shown() == [
        "django.core.cache.backends.db.DatabaseCache",
        "django_cache",
        "django.core.cache.backends.locmem.LocMemCache",
        "0",
        "None",
        "10",
    ]


def test_redis_proxies_and_the_mail_timeout_come_from_the_environment():
    assert shown(
        REDIS_URL="redis://127.0.0.1:6379/1",
        TRUSTED_PROXY_COUNT="2",
        TRUSTED_CLIENT_IP_HEADER="X-Real-IP",
        EMAIL_TIMEOUT="3",
    ) == [
        "core.cache.TolerantRedisCache",
        "redis://127.0.0.1:6379/1",
        "django.core.cache.backends.locmem.LocMemCache",
        "2",
        "X-Real-IP",
        "3",
    ]


OPERATIONS = (
    "from django.conf import settings as s; "
    "print(s.SESSION_ENGINE, s.LOG_FORMAT, s.METRICS_ENABLED, bool(s.SENTRY_DSN), "
    "s.MIDDLEWARE[:3] == ['core.middleware.RequestIdMiddleware', 'core.health.ProbeMiddleware', "
    "'core.metrics.MetricsMiddleware'])"
)


def operations(**env):
    unset = dict.fromkeys(["REDIS_URL", "LOG_FORMAT", "METRICS_ENABLED", "SENTRY_DSN"], "")
    return manage("shell", "-c", OPERATIONS, **{**unset, **env})


def test_operations_defaults_json_logs_in_production_and_text_in_development():
    production = operations(**PRODUCTION)
    assert production.returncode == 0, production.stderr
    assert production.stdout.split()[-5:] == [
        "django.contrib.sessions.backends.db",
        "json",
        "False",
        "False",
        "True",
    ]
    assert operations(DEBUG="1").stdout.split()[-4] == "text"


def test_sessions_stay_in_the_database_with_redis():
    """A restart of Redis must log nobody out."""
    result = operations(DEBUG="1", REDIS_URL="redis://127.0.0.1:1/0", LOG_FORMAT="json")
    assert result.stdout.split()[-5:-3] == ["django.contrib.sessions.backends.db", "json"]


def test_an_unknown_log_format_is_refused():
    result = operations(DEBUG="1", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or text" in result.stderr


def test_settings_start_sentry_only_with_a_dsn():
    """No network: the DSN names a closed port, and nothing is sent while checking."""
    without = operations(DEBUG="1")
    assert without.stdout.split()[-2] == "False"
    code = (
        "import sentry_sdk; from django.conf import settings as s; "
        "client = sentry_sdk.get_client(); "
        "print(client.is_active(), client.options['send_default_pii'], "
        "client.options['environment'], client.options['release'])"
    )
    result = manage(
        "shell",
        "-c",
        code,
        DEBUG="1",
        SENTRY_DSN="http://public@127.0.0.1:1/1",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="abc123",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["True", "False", "staging", "abc123"]
    inactive = manage("shell", "-c", code, DEBUG="1", SENTRY_DSN="")
    assert inactive.stdout.split()[-4] == "False"
