"""Tests run against the real PostgreSQL (pytest-django creates the test database)."""

from .base import *

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/kam"),
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker processes started by the delivery tests write mail to files the test can count.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "test-mail"))
LANGUAGE_CODE = "ja"
# Tests move the clock by months; the session limits have tests of their own that set them.
SESSION_IDLE_MINUTES = 60 * 24 * 366 * 20
SESSION_ABSOLUTE_HOURS = 24 * 366 * 20
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60
