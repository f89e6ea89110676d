"""Settings defaults and environment overrides.

The base settings are imported in a fresh interpreter with a controlled environment, so the
defaults are the ones a new checkout gets, not whatever the test run exported.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_DIR = BASE_DIR / "kam" / "settings"

# env("NAME"), env.str("NAME"), env.list(\n "NAME", ...): every way django-environ is called.
ENV_READ = re.compile(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"")


def settings_env_names(*modules: str) -> set[str]:
    """Names of the environment variables the given settings modules read through environ."""
    paths = [SETTINGS_DIR / f"{m}.py" for m in modules] if modules else SETTINGS_DIR.glob("*.py")
    return {name for path in paths for name in ENV_READ.findall(path.read_text())}


def required_env_names(module: str) -> set[str]:
    """Names read without a default: the settings module refuses to load without them."""
    source = (SETTINGS_DIR / f"{module}.py").read_text()
    calls = re.finditer(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"([^)]*)\)", source)
    return {m.group(1) for m in calls if "default=" not in m.group(2)}


def clean_env(**overrides: str) -> dict[str, str]:
    """A copy of this process's environment without anything the settings read."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in settings_env_names() and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(overrides)
    return env


def load_base_settings(env: dict[str, str]) -> dict:
    code = (
        "import json\n"
        "from kam.settings import base as s\n"
        "db = s.DATABASES['default']\n"
        "print(json.dumps({\n"
        "    'LANGUAGE_CODE': s.LANGUAGE_CODE,\n"
        "    'LANGUAGES': [code for code, _ in s.LANGUAGES],\n"
        "    'TIME_ZONE': s.TIME_ZONE,\n"
        "    'DEFAULT_CURRENCY': s.DEFAULT_CURRENCY,\n"
        "    'FISCAL_YEAR_START_MONTH': s.FISCAL_YEAR_START_MONTH,\n"
        "    'RENEWAL_REMINDER_LEAD_DAYS': s.RENEWAL_REMINDER_LEAD_DAYS,\n"
        "    'DEBUG': s.DEBUG,\n"
        "    'ENGINE': db['ENGINE'], 'NAME': str(db['NAME']), 'HOST': db.get('HOST', ''),\n"
        "    'CONN_MAX_AGE': db.get('CONN_MAX_AGE'),\n"
        "    'CELERY_BROKER_URL': s.CELERY_BROKER_URL,\n"
        "    'CELERY_BROKER_TRANSPORT_OPTIONS': s.CELERY_BROKER_TRANSPORT_OPTIONS,\n"
        "    'CELERY_TIMEZONE': s.CELERY_TIMEZONE,\n"
        "    'EMAIL_BACKEND': s.EMAIL_BACKEND,\n"
        "}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_read_every_documented_variable():
    assert settings_env_names("base", "production") >= {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SITE_URL",
        "DATABASE_URL",
        "CONN_MAX_AGE",
        "CELERY_BROKER_URL",
        "EMAIL_URL",
        "DEFAULT_FROM_EMAIL",
        "LANGUAGE_CODE",
        "TIME_ZONE",
        "DEFAULT_CURRENCY",
        "FISCAL_YEAR_START_MONTH",
        "RENEWAL_REMINDER_LEAD_DAYS",
        "PRICE_REVIEW_LEAD_DAYS",
        "PLAN_REVIEW_LEAD_DAYS",
        "ACTION_DUE_LEAD_DAYS",
        "LOG_LEVEL",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
    }


def test_production_requires_secret_key_and_hosts():
    assert required_env_names("production") == {"SECRET_KEY", "ALLOWED_HOSTS"}
    assert required_env_names("base") == set()


def test_readme_documents_every_variable_the_settings_read():
    readme = (BASE_DIR / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, flags=re.MULTILINE))
    missing = settings_env_names("base", "production") - documented
    assert not missing, f"README configuration table lacks: {sorted(missing)}"


def test_loaded_settings_are_japanese_first():
    assert settings.LANGUAGE_CODE == "ja"
    assert [code for code, _ in settings.LANGUAGES] == ["ja", "en"]
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.DEFAULT_CURRENCY == "JPY"
    assert settings.FISCAL_YEAR_START_MONTH == 4


def test_base_defaults_need_no_configuration():
    values = load_base_settings(clean_env())

    assert values["LANGUAGE_CODE"] == "ja"
    assert values["LANGUAGES"] == ["ja", "en"]
    assert values["TIME_ZONE"] == "Asia/Tokyo"
    assert values["CELERY_TIMEZONE"] == "Asia/Tokyo"
    assert values["DEFAULT_CURRENCY"] == "JPY"
    assert values["FISCAL_YEAR_START_MONTH"] == 4
    assert values["RENEWAL_REMINDER_LEAD_DAYS"] == [90, 60, 30, 7, 0]
    assert values["DEBUG"] is True
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_base_defaults_to_sqlite_and_file_system_broker_under_var():
    values = load_base_settings(clean_env())
    var_dir = BASE_DIR / "var"

    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(values["NAME"]) == var_dir / "kam.sqlite3"
    assert values["CONN_MAX_AGE"] in (None, 0)
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    options = values["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert Path(options["data_folder_in"]).parent == var_dir
    assert options["data_folder_in"] == options["data_folder_out"]


def test_postgres_and_redis_from_the_environment_are_used():
    values = load_base_settings(
        clean_env(
            DATABASE_URL="postgres://kam:secret@db.internal:5432/kam_prod",
            CELERY_BROKER_URL="redis://queue.internal:6379/2",
            CONN_MAX_AGE="120",
        )
    )

    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["HOST"] == "db.internal"
    assert values["NAME"] == "kam_prod"
    assert values["CONN_MAX_AGE"] == 120
    assert values["CELERY_BROKER_URL"] == "redis://queue.internal:6379/2"
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"] == {"visibility_timeout": 3600}


def test_business_settings_follow_the_environment():
    values = load_base_settings(
        clean_env(
            LANGUAGE_CODE="en",
            TIME_ZONE="Europe/Berlin",
            DEFAULT_CURRENCY="EUR",
            FISCAL_YEAR_START_MONTH="1",
            RENEWAL_REMINDER_LEAD_DAYS="120,30",
            DEBUG="0",
        )
    )

    assert values["LANGUAGE_CODE"] == "en"
    assert values["TIME_ZONE"] == values["CELERY_TIMEZONE"] == "Europe/Berlin"
    assert values["DEFAULT_CURRENCY"] == "EUR"
    assert values["FISCAL_YEAR_START_MONTH"] == 1
    assert values["RENEWAL_REMINDER_LEAD_DAYS"] == [120, 30]
    assert values["DEBUG"] is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("task_acks_late", True),
        ("task_reject_on_worker_lost", True),
        ("worker_prefetch_multiplier", 1),
        ("timezone", "Asia/Tokyo"),
        ("task_serializer", "json"),
        ("beat_scheduler", "django_celery_beat.schedulers:DatabaseScheduler"),
    ],
)
def test_celery_app_reads_its_configuration_from_settings(name, expected):
    from kam.celery import app

    assert app.conf[name] == expected
