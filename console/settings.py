"""Labda's settings. Every value a deployment changes comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "False") -> bool:
    value = os.getenv(name, default)
    if value in ("True", "true", "1", "yes"):
        return True
    if value in ("False", "false", "0", "no", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


DEBUG = envbool("DEBUG", "False")
SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.getenv("LABDA_REQUIRE_SECRET_KEY") == "1":
        raise ImproperlyConfigured("SECRET_KEY must be set")
    # `make up` writes a generated key to var/secret_key; this is a last resort
    # for one-off management commands.
    key_file = BASE_DIR / "var" / "secret_key"
    SECRET_KEY = key_file.read_text().strip() if key_file.exists() else "labda-insecure-development-key"
ALLOWED_HOSTS = os.getenv("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "functions",
    "console.classroom",
    # Installed (it has no models) for its worker signals.
    "invoker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "console.middleware.HtmxCacheMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.classroom.middleware.TemporaryPasswordMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "console.urls"
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
                "console.classroom.context_processors.classroom",
            ],
        },
    },
]
WSGI_APPLICATION = "console.wsgi.application"

# SQLite in WAL mode by default (many readers beside one writer: the web and
# the worker); PostgreSQL when DATABASE_URL is set.
SQLITE_PATH = Path(os.getenv("LABDA_SQLITE_PATH", BASE_DIR / "var" / "labda.sqlite3"))
if os.getenv("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    # The test suite points its worker process at the test database.
    if os.getenv("LABDA_DATABASE_NAME"):
        DATABASES["default"]["NAME"] = os.environ["LABDA_DATABASE_NAME"]
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Tests run against a file, so the real worker process sees the rows.
            "TEST": {"NAME": str(SQLITE_PATH.with_name("test_labda.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # Only for the random temporary passwords of login cards (see the module).
    "console.classroom.hashers.TemporaryPasswordHasher",
]
# Sign-in brute force (django-axes): after LABDA_LOGIN_FAILURE_LIMIT failures
# for one username from one address, that sign-in is refused for
# LABDA_LOGIN_COOLOFF_MINUTES, with a page that says so. One classroom shares
# one address, so a student who mistypes never locks out the class.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = envint("LABDA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = __import__("datetime").timedelta(minutes=envint("LABDA_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "functions:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"


# --- Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html)
REDIS_URL = os.getenv("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
# No result backend: an invocation's row is its result, and the page waits on
# a Redis doorbell (functions/services/completion.py).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Housekeeping (the sweeps) goes to the default queue; invocations to
# labda.sync and labda.async, each with its own worker (see scripts/up.sh).
CELERY_TASK_DEFAULT_QUEUE = "labda.housekeeping"
# At-least-once: a task is acknowledged only when it ends, and a worker that
# dies hands it back. The invocation row's claim makes a second run harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redelivery after the longest possible invocation (15 min) plus a margin,
# not Redis's default of one hour. Short socket timeouts: a Redis that went
# away is noticed within seconds (and the worker reconnects forever).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 1200,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "socket_keepalive": True,
    "health_check_interval": 10,
}
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Threads cannot be cancelled; a task running through an outage finishes and
# stores its outcome in the database (the row is the result).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Publishing from the web: one quick retry (a pooled connection may be stale
# after a Redis restart), then an error the page shows at once.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_TIME_LIMIT = 1100
CELERY_BEAT_SCHEDULE = {
    # Queues again the rows whose message was lost and ends the rows whose
    # worker died, every 10 seconds.
    "invocations-sweep": {"task": "functions.tasks.invocations_sweep", "schedule": 10.0},
    # Deletes log events older than their log group's retention, hourly
    # (CloudWatch too removes expired events some time after they expire).
    "logs-expire": {"task": "functions.tasks.logs_expire", "schedule": 3600.0},
}

# --- Labda
# Celery beat (console/beat.py) sends only while it holds a Redis lease of
# this many seconds; a standby beat takes over after it lapses.
LABDA_BEAT_LOCK_TTL = envint("LABDA_BEAT_LOCK_TTL", 30)
LABDA_REGION = os.getenv("LABDA_REGION", "us-east-1")
LABDA_ACCOUNT_ID = os.getenv("LABDA_ACCOUNT_ID", "123456789012")
# Where the worker keeps unpacked code and the per-container Runtime API
# sockets. Both are host paths bind-mounted into containers.
LABDA_RUN_DIR = Path(os.getenv("LABDA_RUN_DIR", "/run/labda"))
LABDA_CODE_DIR = Path(os.getenv("LABDA_CODE_DIR", BASE_DIR / "var" / "code"))
LABDA_IMAGE_PREFIX = os.getenv("LABDA_IMAGE_PREFIX", "labda/runtime")
# A warm execution environment is removed after this many idle seconds.
LABDA_IDLE_TIMEOUT = envint("LABDA_IDLE_TIMEOUT", 600)
# Time allowed for a runtime to start and import the handler (Lambda: 10 s).
LABDA_INIT_TIMEOUT = envint("LABDA_INIT_TIMEOUT", 10)
# Concurrent executions of one function without reserved concurrency. Lambda's
# account pool is 1,000; a lab server is smaller.
LABDA_UNRESERVED_CONCURRENCY = envint("LABDA_UNRESERVED_CONCURRENCY", 10)
LABDA_PIDS_LIMIT = envint("LABDA_PIDS_LIMIT", 256)
# Idle warm environments are frozen but keep their memory: together their
# configured memory stays within this budget (MB), the least recently used
# removed first. Default: half of the host's memory.
LABDA_WARM_MEMORY_BUDGET_MB = envint(
    "LABDA_WARM_MEMORY_BUDGET_MB", os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (2 * 1024 * 1024)
)
# Function output kept per invocation; the rest is dropped with a marker.
LABDA_LOG_MAX_BYTES = envint("LABDA_LOG_MAX_BYTES", 256 * 1024)
# An asynchronous event is dropped when it could not be processed within this
# many seconds (Lambda's maximum event age: 6 hours), throttles and platform
# errors being retried with back-off until then.
LABDA_ASYNC_MAX_EVENT_AGE = envint("LABDA_ASYNC_MAX_EVENT_AGE", 6 * 3600)
# Asynchronous invocations one account (student) runs at once, whatever its
# functions' limits: the fair share that keeps a flood from taking every
# worker of the class.
LABDA_ACCOUNT_ASYNC_CONCURRENCY = envint("LABDA_ACCOUNT_ASYNC_CONCURRENCY", 2)
# An asynchronous invocation that fails is retried twice, after 1 and 2
# minutes, as Lambda does (seconds, comma-separated; empty: no retries).
LABDA_ASYNC_RETRY_DELAYS = [int(s) for s in os.getenv("LABDA_ASYNC_RETRY_DELAYS", "60,120").split(",") if s.strip()]
# The name this worker's containers are labelled with; a restarted worker
# removes what an earlier run under the same name left behind.
# Who may read another user's work (read-only, audited): the classroom's
# course roles (functions/viewers.py).
LABDA_VIEWER_POLICY = "console.classroom.policy.ClassroomPolicy"
LABDA_WORKER_NAME = os.getenv("LABDA_WORKER_NAME", "") or __import__("socket").gethostname()

# --- Monitor: AWS Lambda list prices (us-east-1, x86), in USD, for the cost
# estimate. They are settings, so a school can follow AWS's price changes.


def envdecimal(name: str, default: str):
    from decimal import Decimal, InvalidOperation

    value = os.getenv(name) or default
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


LABDA_PRICE_PER_REQUEST = envdecimal("LABDA_PRICE_PER_REQUEST", "0.0000002")  # $0.20 per 1M requests
LABDA_PRICE_PER_GB_SECOND = envdecimal("LABDA_PRICE_PER_GB_SECOND", "0.0000166667")
# The monthly free tier: requests and GB-seconds that cost nothing.
LABDA_FREE_TIER_REQUESTS = envint("LABDA_FREE_TIER_REQUESTS", 1_000_000)
LABDA_FREE_TIER_GB_SECONDS = envint("LABDA_FREE_TIER_GB_SECONDS", 400_000)

# --- Security: headers, cookies, sessions, passwords and upload limits.
# Production (HTTPS behind a proxy) sets LABDA_HTTPS=True; a plain-HTTP lab
# server leaves it off, since secure cookies and the SSL redirect would lock
# everyone out. `manage.py check --deploy` is clean with the README's
# production settings (functions/tests/test_security.py runs it).
LABDA_HTTPS = envbool("LABDA_HTTPS", "False")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(LABDA_HTTPS))
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", str(LABDA_HTTPS))
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", str(LABDA_HTTPS))
# HSTS: browsers then refuse plain HTTP to this host for this long (1 year).
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if LABDA_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", str(LABDA_HTTPS))
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", str(LABDA_HTTPS))
# Behind a proxy that ends TLS: trust its X-Forwarded-Proto, or the SSL
# redirect would loop.
if envbool("LABDA_PROXY_SSL_HEADER", str(LABDA_HTTPS)):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Shared lab PCs: a session ends when the browser closes, and after a school
# day at most (seconds).
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", "True")
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Content-Security-Policy (django-csp): only the console's own files. Every
# script is a vendored file under static/ (no inline scripts, no eval: htmx
# runs with allowEval false, and its indicator CSS is in console.css, so
# htmx injects no <style>). Styles set from scripts (CodeMirror, Chart.js)
# go through the CSSOM, which style-src does not govern.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
INSTALLED_APPS.append("csp")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")

# Uploads. A request larger than a .zip package may be (Lambda: 50 MB) is
# refused from its Content-Length before its body is read
# (functions.middleware: last, so sessions and messages are ready, and still
# ahead of the CSRF check's process_view, which reads the body); a file over
# 2.5 MB is streamed to a temporary file, not held in memory.
MIDDLEWARE.append("functions.middleware.UploadLimitMiddleware")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The non-file fields of a request (the editor's Deploy sends every file as
# JSON in one field).
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
