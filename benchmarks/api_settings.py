"""Settings for benchmarks/api.py only: the local settings, not in debug mode, with a URLconf that adds
a trivial JSON view beside the product's URLs (the view never exists in the product)."""

import os

from config.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.api_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# One client address sends every request: lift the anonymous throttle (its bookkeeping still runs).
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000000/min"}}  # noqa: F405
if os.environ.get("BENCH_CACHE") == "off":  # measure the work itself, every request a miss
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
