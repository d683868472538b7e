"""Security and operations: login lockout, CSP, deploy checks, secrets, /healthz, request ids."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

BASE = Path(settings.BASE_DIR)


@pytest.mark.django_db
@override_settings(
    AXES_ENABLED=True,
    AUTHENTICATION_BACKENDS=[
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ],
)
def test_repeated_login_failures_lock_the_account(client):
    get_user_model().objects.create_user("staff", password="right-password-123")
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "staff", "password": "wrong"})
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    locked = client.post(url, {"username": "staff", "password": "wrong"})
    assert locked.status_code == 429 and "账户已临时锁定" in locked.content.decode()
    # Even the right password is refused while locked.
    again = client.post(url, {"username": "staff", "password": "right-password-123"})
    assert again.status_code == 429 and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_pages_carry_a_self_only_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline scripts, no CDN
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in policy


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 20 + "-a-long-random-test-key-with-entropy-0123456789",
        "ALLOWED_HOSTS": "parktrack.example.gov.cn",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests; it is no production setting
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "SECRET_KEY must be set in production" in result.stderr


def test_no_literal_secret_in_settings_files():
    secret_assignment = re.compile(r"^\s*(\w*(?:SECRET|PASSWORD|TOKEN)(?:_KEY)?)\s*=\s*(.+)$", re.M)
    for path in sorted((BASE / "config" / "settings").glob("*.py")):
        for name, value in secret_assignment.findall(path.read_text(encoding="utf-8")):
            literals = re.findall(r"""["']([^"']{8,})["']""", value)
            for literal in literals:
                if re.fullmatch(r"[A-Z_]+", literal):
                    continue  # the name of an environment variable
                # The only literals allowed are throwaway keys that say so.
                assert literal.endswith("not-secret"), f"{path.name}: {name} holds a literal secret"
    assert not re.search(r"""SECRET_KEY\s*=\s*["']""", (BASE / "config/settings/production.py").read_text())


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_healthz_reports_each_dependency_without_revealing_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not_configured", "worker": "not_configured"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://:hunter2-secret@127.0.0.1:1/0")
def test_healthz_fails_when_redis_is_unreachable(client):
    response = client.get("/healthz")
    body = response.content.decode()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "error", "worker": "error"}
    assert "hunter2" not in body and "127.0.0.1" not in body and "version" not in body


@pytest.mark.django_db
def test_request_ids_are_returned_and_echoed(client):
    fresh = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", fresh["X-Request-ID"])
    echoed = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.1")
    assert echoed["X-Request-ID"] == "lb-7f3a.1"
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert re.fullmatch(r"[0-9a-f]{32}", hostile["X-Request-ID"])


def test_log_records_are_json_with_the_request_id():
    import json
    import logging

    from config.observability import RequestIdFilter, request_id_var

    handler_config = settings.LOGGING["formatters"]["json"]
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(handler_config["fmt"], rename_fields=handler_config["rename_fields"])
    token = request_id_var.set("abc123")
    try:
        record = logging.LogRecord(
            "plans.tasks", logging.ERROR, __file__, 1, "progress task failed", None, None
        )
        record.park = "yuxi-hitech"
        RequestIdFilter().filter(record)
        line = json.loads(formatter.format(record))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "abc123" and line["level"] == "ERROR" and line["park"] == "yuxi-hitech"
    assert line["message"] == "progress task failed"
