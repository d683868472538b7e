"""Local development: the embedded default (SQLite, eager Celery) unless the environment says otherwise."""

import os

from .base import *  # noqa: F403
from .base import LOGGING, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "local-development-only-not-secret"  # noqa: F405

# Readable logs on a developer's terminal unless asked otherwise.
LOGGING["handlers"]["console"]["formatter"] = os.environ.get("LOG_FORMAT", "text")
