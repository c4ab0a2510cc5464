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
    "functions",
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
    "django_htmx.middleware.HtmxMiddleware",
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
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

# Lambda's limits for a .zip package (deployment package 50 MB zipped).
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

# --- Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html)
REDIS_URL = os.getenv("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# At-least-once: a task is acknowledged only when it ends, and a worker that
# dies hands it back. The invocation row's claim makes a second run harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redelivery after the longest possible invocation (15 min) plus a margin,
# not Redis's default of one hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 1200}
CELERY_TASK_TIME_LIMIT = 1100
CELERY_BEAT_SCHEDULE = {
    # Ends invocations whose worker died (https://crontab.guru/#*_*_*_*_*).
    "invocations-sweep-stale": {"task": "functions.tasks.invocations_sweep_stale", "schedule": 60.0},
    # Deletes log events older than their log group's retention, hourly
    # (CloudWatch too removes expired events some time after they expire).
    "logs-expire": {"task": "functions.tasks.logs_expire", "schedule": 3600.0},
}

# --- Labda
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
# An asynchronous invocation that fails is retried twice, after 1 and 2
# minutes, as Lambda does (seconds, comma-separated; empty: no retries).
LABDA_ASYNC_RETRY_DELAYS = [int(s) for s in os.getenv("LABDA_ASYNC_RETRY_DELAYS", "60,120").split(",") if s.strip()]
# The name this worker's containers are labelled with; a restarted worker
# removes what an earlier run under the same name left behind.
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
