"""Settings shared by every environment. Everything that differs comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "core",
    "parks",
    "indicators",
    "plans",
    "progress",
    "entry",
    "dashboards",
    "reports",
    "evaluation",
]

MIDDLEWARE = [
    "config.observability.RequestIdMiddleware",
    # Every error under /api/ in the API's JSON error body, whatever drew it.
    "core.api.middleware.ApiErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.DatabaseBusyMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: django-axes turns repeated login failures into a lockout.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Database: DATABASE_URL, or a SQLite file inside the project (the embedded default).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write transactions take SQLite's write lock when they begin (BEGIN IMMEDIATE): two concurrent
    # writers then wait for each other (up to ``timeout`` seconds) instead of one failing with
    # "database is locked" when it upgrades its read lock; the loser of a race sees the winner's
    # version and gets a 409.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first, English available; China Standard Time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Security: login lockout after repeated failures, sessions that expire, a CSP that allows only our
# own origin (possible because nothing comes from a CDN).
# Django's ModelBackend with each user's permissions cached (parks.authentication).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "parks.authentication.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the data sheet's JS reads it to send AJAX saves
X_FRAME_OPTIONS = "DENY"
# Uploaded files are parsed in memory and never stored where they could be served back.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # plotly.js writes <style> elements at run time; scripts stay 'self' only.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # ReDoc (/api/schema/redoc/) indexes the schema for its search in a worker it starts from a blob.
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Celery: with REDIS_URL the tasks go to Redis and a worker runs them; without it they run
# eagerly in-process, so the embedded default needs no broker.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A hung Redis (accepts connections, never answers) would otherwise block a publish, and with it the
# save that queued it, forever: bound each socket operation (a publish then fails in ~4 attempts × 3 s
# and the outbox row waits for the drain). 3 s is above Redis's own 2 s stall on a slow AOF fsync.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 3, "socket_connect_timeout": 3}
# One retry is enough: the outbox keeps the request when the publish fails (a save then waits ~6 s at
# most for a hung broker instead of ~16 s).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "recompute-all-progress-nightly": {"task": "plans.tasks.recompute_all", "schedule": 60 * 60 * 24},
    "drain-progress-outbox": {"task": "plans.tasks.drain_outbox", "schedule": 60},
    # Hourly; the task sends each deadline or review reminder at most once a day.
    "entry-and-review-reminders": {"task": "indicators.tasks.send_reminders", "schedule": 60 * 60},
    # Nightly: cross-indicator rules and peer outliers over the counted values (/entry/quality/).
    "data-quality-run-nightly": {"task": "entry.tasks.data_quality_run", "schedule": 60 * 60 * 24},
}

# Email (reminders): printed to the console unless EMAIL_BACKEND names SMTP
# (django.core.mail.backends.smtp.EmailBackend) and EMAIL_HOST etc. are set.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ParkTrack <parktrack@localhost>")
# The site's address, for full links in emails (reminders); empty → relative links.
SITE_URL = os.environ.get("SITE_URL", "")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "COERCE_DECIMAL_TO_STRING": True,
    # Token first, so an anonymous request is answered 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "parks.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["core.api.formats.DecimalJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.formats.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    # Reports take seconds to write: ten a minute per caller (reports.api).
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "reports": "10/min"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API tokens (django-rest-knox, parks.ApiToken): stored hashed, each with an expiry, several per user
# (one per client), revoked by deleting them; `manage.py api_token` creates, lists and revokes them.
# Clients keep sending "Authorization: Token <key>".
KNOX_TOKEN_MODEL = "parks.ApiToken"
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "90"))
# A presented token's lookup (user and token row) is cached this long, keyed by its hash; revoking,
# expiry and any change to the user or their roles take effect at once (parks.authentication).
API_TOKEN_CACHE_SECONDS = int(os.environ.get("API_TOKEN_CACHE_SECONDS", "60"))
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ParkTrack API",
    "DESCRIPTION": (
        "园区规划指标监测平台 — indicators, plans, targets, actuals and progress.\n\n"
        "- 认证：令牌（请求头 `Authorization: Token <key>`，由管理员用 "
        "`manage.py api_token create <user> --name <客户端>` 生成，密钥只显示这一次；"
        f"默认 {API_TOKEN_TTL_DAYS} 天后到期，到期或被作废的令牌返回 401）"
        "或浏览器会话。未认证的写请求返回 401；已认证但无权返回 403；看不到的对象返回 404。\n"
        "- 公开园区的规划、目标与进度可匿名读取（匿名请求限流 60 次/分钟）；实际值只对有权查看的用户开放。\n"
        "- 园区、规划、指标用稳定的代码寻址（如 `yuxi-hitech`、`yuxi-14th-fyp`、`gdp-incl-tobacco`）。\n"
        '- 小数以精确字符串表示（`"522.8"`）；进度的计算值为 JSON 数字，无值为 null。\n'
        "- 列表分页（`page`、`page_size`，最多 500；CSV/XLSX 导出最多 10000 行），`ordering` 排序，"
        "`format=csv|xlsx` 导出（中文表头，CSV 为带 BOM 的 UTF-8）。\n"
        '- 错误：`{"code", "message", "errors": [{"field", "message", "row"}]}`；'
        "message 按 `Accept-Language` 为中文（默认）或英文（`en`）。\n"
        "- 进度接口支持 ETag / Last-Modified 条件请求（304）。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ObservationStatusEnum": "indicators.models.Observation.Status",
        "ProgressStatusEnum": "progress.models.ProgressResult.Status",
        "NatureEnum": "plans.models.PlanIndicator.Nature",
        "ParkKindEnum": "parks.models.Park.Kind",
        "ParkLevelEnum": "parks.models.Park.Level",
        "PlanKindEnum": "plans.models.Plan.Kind",
        "TargetKindEnum": "plans.models.Target.Kind",
    },
}

# The cache behind API responses and throttling: Redis when REDIS_URL is set (shared by every web
# process, so a recompute in the worker invalidates them all), otherwise this process's memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "parktrack",
            "TIMEOUT": 300,
        }
    }
    # Sessions are read from the shared cache (written through to the database): a signed-in page costs
    # no session query. Only with a shared cache: a process's own memory would keep a session that was
    # ended in another process.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "parktrack",
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

# The dashboards' computed page parts (tables, figure JSON) are kept this long per generation of the
# data (core.cache.cached_page_part); 0 computes every request.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))

# The plan audit (plans.audit): parts may differ from their whole by SUM_TOLERANCE of the whole, and a
# target may require or state a yearly growth between GROWTH_MIN and GROWTH_MAX (fractions).
PLAN_AUDIT = {"SUM_TOLERANCE": "0.01", "GROWTH_MIN": "-0.10", "GROWTH_MAX": "0.50"}

# Structured logs: one JSON object per line, with the request id (LOG_FORMAT=text for humans).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The report charts' browser driver logs every tab it opens, and WeasyPrint every step, at INFO.
    "loggers": {
        name: {"level": "WARNING"}
        for name in ("kaleido", "choreographer", "logistro", "weasyprint", "fontTools")
    },
}
