"""Settings for every environment, read from the environment (12-factor).

Development needs no configuration at all: SQLite under var/ and a file-system Celery
broker. Set DATABASE_URL and CELERY_BROKER_URL to use PostgreSQL and Redis.
"""

import datetime as dt
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str(
    "SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "template_partials",
    "import_export",
    "simple_history",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The ground floor first, then the domain apps, then the features above them.
    "kam.core",
    "accounts",
    "stakeholders",
    "plans",
    "kam.reminders",
    "kam.tools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kam.core.middleware.RequestContextMiddleware",
    "kam.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After htmx and messages: they answer htmx with a client redirect and leave a notice.
    "kam.core.middleware.SessionLimitsMiddleware",
    "kam.core.middleware.TwoStepMiddleware",
    "kam.core.middleware.PrivateCacheMiddleware",
    "kam.core.middleware.RefusalMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kam.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kam.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file in development: WAL lets readers run beside
    # the single writer, and IMMEDIATE transactions fail fast instead of deadlocking.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Form choices are read with .iterator(), which on PostgreSQL opens a server-side cursor
    # (three round trips for a list of a dozen people); client-side cursors also keep the
    # product usable behind a transaction-pooling PgBouncer.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DISABLE_SERVER_SIDE_CURSORS", default=True
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True
AUTH_USER_MODEL = "kam.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# Failed sign-ins are counted first (django-axes), then the password is checked.
AUTHENTICATION_BACKENDS = [
    "kam.core.signin.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in that resists guessing (kam/core/signin.py). A user name is locked from one address
# after 5 failures within 15 minutes, an address after 20 failures across user names; a user
# name is never locked for everyone, or anyone could lock a manager out.
AXES_HANDLER = "kam.core.signin.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURES_PER_USER", default=5)
SIGNIN_FAILURES_PER_ADDRESS = env.int("SIGNIN_FAILURES_PER_ADDRESS", default=20)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("SIGNIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kam.core.signin.locked_out"
AXES_VERBOSE = False
# The client's address: REMOTE_ADDR unless a trusted proxy in front sets a header for it.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    *env.list("CLIENT_IP_HEADERS", default=[]),
    "REMOTE_ADDR",
)
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0) or None

# Two-step sign-in (django-otp): optional for everyone, required for the roles listed here.
REQUIRE_2FA_FOR = env.list("REQUIRE_2FA_FOR", default=[])
OTP_TOTP_ISSUER = "KAM CRM"

# Sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS after
# signing in whatever happens; the cookie lasts no longer than that either.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=480)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=24)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60
SESSION_COOKIE_SAMESITE = "Lax"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Japanese first; English complete.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ja")
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
# The project's catalogue first; then Japanese for library admin pages that ship none
# (django-simple-history's history pages), kept where makemessages does not write.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_libraries"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tokyo")
USE_I18N = True
USE_TZ = True

# The product's own business settings.
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="JPY")
FISCAL_YEAR_START_MONTH = env.int("FISCAL_YEAR_START_MONTH", default=4)
# Days before a contract's renewal deadline (end date minus notice period) when reminders go.
RENEWAL_REMINDER_LEAD_DAYS = env.list(
    "RENEWAL_REMINDER_LEAD_DAYS", cast=int, default=[90, 60, 30, 7, 0]
)
PRICE_REVIEW_LEAD_DAYS = env.list("PRICE_REVIEW_LEAD_DAYS", cast=int, default=[30, 7, 0])
PLAN_REVIEW_LEAD_DAYS = env.list("PLAN_REVIEW_LEAD_DAYS", cast=int, default=[7, 0])
# A plan review waiting this many days for sign-off reminds the manager, once a day.
SECURITY_LOG_DAYS = env.int("SECURITY_LOG_DAYS", default=400)
APPROVAL_REMINDER_DAYS = env.int("APPROVAL_REMINDER_DAYS", default=3)
ACTION_DUE_LEAD_DAYS = env.list("ACTION_DUE_LEAD_DAYS", cast=int, default=[3, 0])
# Daily digests go out from this local hour on (the digest task runs hourly).
DIGEST_HOUR = env.int("DIGEST_HOUR", default=7)
# A mail claimed by a worker that died before finishing goes back to the queue after this.
REMINDER_MAIL_CLAIM_TIMEOUT = env.int("REMINDER_MAIL_CLAIM_TIMEOUT", default=15 * 60)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Mail: console in development; EMAIL_URL (smtp://user:pass@host:587, with +tls) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="KAM CRM <kam@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: a file-system broker needs no service in development; Redis in production.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    # The file-system transport does not create its folder; web, worker and beat all need it.
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {}

REST_FRAMEWORK = {
    # No Basic authentication: it would be a second door for guessing passwords.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KAM CRM API",
    "DESCRIPTION": "Key accounts, account plans, stakeholders, contracts and renewals.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every sign-in at INFO; locks and errors are what an operator needs.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Content-Security-Policy (django-csp): scripts and style sheets only from this site. Inline
# styles are allowed in style= attributes only, where they carry data (bar widths, positions
# on the power map and the matrix); never as <style> elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-elem": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# The browser features a CRM page never needs (django-permissions-policy).
PERMISSIONS_POLICY: dict[str, list] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
