"""Test settings: the same apps and database choice as local, with fast hashing."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Pages are computed on every request: the test database is rolled back after each test, the cache is
# not (tests/dashboards/test_page_cache.py switches it on with a fresh cache).
PAGE_CACHE_SECONDS = 0
# Unit tests never talk to a broker; the integration tests start a real worker on REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# Serve static files from the apps' folders; no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests log in with the test client, which does not pass the request that django-axes needs; the
# lockout itself is tested with the axes backend switched on (tests/test_security.py).
AUTHENTICATION_BACKENDS = ["parks.authentication.ModelBackend"]
AXES_ENABLED = False
SILENCED_SYSTEM_CHECKS = ["axes.W003"]  # the axes backend is off on purpose in tests (see above)
