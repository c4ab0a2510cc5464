"""Business logic: everything that changes rows, talks to Celery or to the
engine. One module per entity; functions are `<entity>_<action>` with typed
keyword-only arguments. Bad input raises functions.errors.ServiceError and
changes nothing."""
