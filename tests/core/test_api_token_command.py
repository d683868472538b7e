"""``manage.py api_token``: create (a secret printed once; one token per client, ``--rotate`` replaces it),
revoke (the only token, ``--all``, ``--key PREFIX``, ``--name``) and list; a created token works, a revoked
one answers 401. The secret-keeping rules themselves are in tests/security/test_tokens.py."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from parks.models import ApiToken

pytestmark = pytest.mark.django_db

OBSERVATIONS = "/api/v1/observations/"


def run(*args) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def status(key: str, params=None) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(OBSERVATIONS, params or {}).status_code


def test_create_prints_a_key_that_authenticates(users):
    key = run("create", "viewer")
    token = ApiToken.objects.get(user=users["viewer"])
    assert len(key) == 64 and key.startswith(token.token_key) and token.name == ""
    assert status(key, {"park": "yuxi-hitech"}) == 200


def test_the_token_expires_after_the_default_or_the_given_days(users, settings):
    before = timezone.now()
    run("create", "viewer")
    run("create", "viewer", "--name", "大屏", "--days", "7")
    default, week = ApiToken.objects.filter(user=users["viewer"]).order_by("created")
    ttl = datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS)
    assert before + ttl <= default.expiry <= timezone.now() + ttl
    assert before + datetime.timedelta(days=7) <= week.expiry <= timezone.now() + datetime.timedelta(days=7)
    assert week.name == "大屏"
    for days in ("0", "-1", "3651", "soon"):
        with pytest.raises(CommandError, match="--days"):
            run("create", "viewer", "--name", "x", "--days", days)


def test_one_token_per_client_unless_rotating(users):
    first = run("create", "staff", "--name", "etl")
    with pytest.raises(CommandError, match="--rotate"):
        run("create", "staff", "--name", "etl")
    other = run("create", "staff", "--name", "dashboard")
    second = run("create", "staff", "--name", "etl", "--rotate")
    assert len({first, second, other}) == 3
    assert ApiToken.objects.filter(user=users["staff"]).count() == 2
    assert status(first) == 401
    assert status(second) == 200 and status(other) == 200


def test_revoke_and_list(users):
    key = run("create", "reviewer")
    listing = run("list")
    assert "reviewer" in listing and key not in listing and key[:15] in listing
    assert "已作废" in run("revoke", "reviewer")
    assert not ApiToken.objects.filter(user=users["reviewer"]).exists()
    assert status(key) == 401
    assert run("list", "reviewer") == "没有令牌"
    with pytest.raises(CommandError):
        run("revoke", "reviewer")
    with pytest.raises(CommandError, match="没有用户"):
        run("create", "nobody")
    with pytest.raises(CommandError, match="没有用户"):
        run("list", "nobody")


def test_revoke_one_of_several_by_prefix_or_name_or_all(users):
    etl = run("create", "staff", "--name", "etl")
    screen = run("create", "staff", "--name", "大屏")
    spare = run("create", "staff", "--name", "spare")
    with pytest.raises(CommandError, match="--all"):
        run("revoke", "staff")  # several: say which
    with pytest.raises(CommandError, match="前缀"):
        run("revoke", "staff", "--key", "zzzz")
    assert "1 个令牌" in run("revoke", "staff", "--key", etl[:8])
    assert status(etl) == 401 and status(screen) == 200
    assert "1 个令牌" in run("revoke", "staff", "--name", "大屏")
    assert status(screen) == 401 and status(spare) == 200
    run("create", "staff", "--name", "again")
    assert "2 个令牌" in run("revoke", "staff", "--all")
    assert status(spare) == 401
    assert not ApiToken.objects.filter(user=users["staff"]).exists()


def test_list_shows_user_client_prefix_created_and_expiry(users):
    run("create", "viewer", "--name", "etl", "--days", "30")
    header, row = run("list", "viewer").splitlines()
    assert header.split("\t") == ["用户", "客户端", "前缀", "创建时间", "到期时间"]
    user, name, prefix, created, expiry = row.split("\t")
    token = ApiToken.objects.get(user=users["viewer"])
    assert (user, name, prefix) == ("viewer", "etl", f"{token.token_key}…")
    assert created == f"{timezone.localtime(token.created):%Y-%m-%d %H:%M:%S}"
    assert expiry == f"{timezone.localtime(token.expiry):%Y-%m-%d %H:%M:%S}"
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - datetime.timedelta(minutes=1))
    assert run("list", "viewer").endswith("（已过期）")


def test_create_clears_the_users_expired_tokens(users):
    run("create", "viewer", "--name", "old")
    run("create", "staff", "--name", "old")
    ApiToken.objects.update(expiry=timezone.now() - datetime.timedelta(days=1))
    run("create", "viewer", "--name", "old")  # no --rotate needed: the expired one is gone
    assert list(ApiToken.objects.filter(user=users["viewer"]).values_list("name", flat=True)) == ["old"]
    assert ApiToken.objects.get(user=users["viewer"]).expiry > timezone.now()
    assert ApiToken.objects.filter(user=users["staff"]).exists()  # another user's are left alone
