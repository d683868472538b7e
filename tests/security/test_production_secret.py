"""A production start with a published or weak SECRET_KEY stops with a clear message (not only a
``check --deploy`` warning)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

GOOD = "k7#Qp2!vZ9@xL4$mN8^rT1&wY6*bH3(cJ5)dF0_gS-eA+uI=oP"


def start(key: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": key,
        "ALLOWED_HOSTS": "parktrack.example.gov.cn",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "SECRET_KEY must be set in production"),
        ("change-me-to-a-long-random-string", "published placeholder"),
        ("local-development-only-not-secret", "published placeholder"),
        ("x" * 20 + "-short-but-random-7Kq", "production needs at least 50"),
        ("ab" * 30, "fewer than 5 different characters"),
    ],
)
def test_production_refuses_to_start_with_a_weak_secret_key(key, message):
    result = start(key)
    assert result.returncode != 0
    assert message in result.stderr and "get_random_secret_key" in result.stderr


def test_production_starts_with_a_strong_secret_key():
    assert len(GOOD) >= 50
    result = start(GOOD)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_env_example_placeholder_is_one_production_refuses():
    example = (settings.BASE_DIR / ".env.example").read_text(encoding="utf-8")
    placeholder = next(
        line.split("=", 1)[1] for line in example.splitlines() if line.startswith("SECRET_KEY=")
    )
    from config.settings.secret_key import secret_key_problem

    assert secret_key_problem(placeholder) is not None
    assert secret_key_problem(GOOD) is None
