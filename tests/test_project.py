"""The project is wired correctly: migrations match the models, system checks pass."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_migrations_match_models():
    out = StringIO()
    # Exits non-zero (SystemExit) if a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_system_checks_pass():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"


@pytest.mark.django_db
def test_ensure_admin_creates_once_and_prints_login(monkeypatch):
    from django.contrib.auth import get_user_model

    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-test-password")
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    assert "a-long-test-password" in out.getvalue()
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("a-long-test-password")
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    assert "already exists" in out.getvalue()
    assert get_user_model().objects.filter(username="admin").count() == 1
