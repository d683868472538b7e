"""``manage.py api_token``: create (or rotate), revoke and list tokens; a created token works."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_create_prints_a_key_that_authenticates(users):
    key = run("create", "viewer")
    assert Token.objects.get(user=users["viewer"]).key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/observations/", {"park": "yuxi-hitech"}).status_code == 200


def test_create_refuses_a_second_token_unless_rotating(users):
    first = run("create", "staff")
    with pytest.raises(CommandError, match="--rotate"):
        run("create", "staff")
    second = run("create", "staff", "--rotate")
    assert second != first and Token.objects.filter(user=users["staff"]).get().key == second
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/v1/observations/").status_code == 401


def test_revoke_and_list(users):
    key = run("create", "reviewer")
    listing = run("list")
    assert "reviewer" in listing and key not in listing and key[:6] in listing
    assert "已作废" in run("revoke", "reviewer")
    assert not Token.objects.filter(user=users["reviewer"]).exists()
    assert run("list", "reviewer") == "没有令牌"
    with pytest.raises(CommandError):
        run("revoke", "reviewer")
    with pytest.raises(CommandError, match="没有用户"):
        run("create", "nobody")
