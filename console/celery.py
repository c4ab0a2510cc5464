"""The Celery app: settings come from Django's, prefixed CELERY_."""

import os

from celery import Celery

from . import kombu_redis_fix  # noqa: F401  (a worker must survive a Redis outage)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
