"""Create, revoke and list REST API tokens (parks.ApiToken, django-rest-knox; 管理后台 → API 令牌 lists them).

python manage.py api_token create alice --name etl         # prints the secret, once; never stored
python manage.py api_token create alice --name etl --days 30
python manage.py api_token create alice --name etl --rotate # replaces alice's "etl" token
python manage.py api_token revoke alice                     # her only token (or --all, --key PREFIX)
python manage.py api_token list [alice]                     # user, client, prefix, created, expiry

The database holds a hash of each secret and its first characters (the prefix ``list`` shows), so a lost
secret cannot be shown again: create a new token (``--rotate``) instead. A user may hold several tokens,
one per client (``--name``); each expires after ``--days`` (default API_TOKEN_TTL_DAYS) and answers 401
from then on, as does a revoked one.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from parks.models import ApiToken

MAX_DAYS = 3650


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise CommandError(f"--days 应为天数（整数），而不是“{value}”") from None
    if not 1 <= days <= MAX_DAYS:
        raise CommandError(f"--days 应在 1 到 {MAX_DAYS} 之间")
    return days


def _when(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"


class Command(BaseCommand):
    help = "Create (or rotate), revoke and list REST API tokens; a secret is printed once, at creation."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token for a user and print its secret, once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="the client the token is for (one token per client)")
        create.add_argument("--days", type=_days, help="days until it expires (default API_TOKEN_TTL_DAYS)")
        create.add_argument(
            "--rotate", action="store_true", help="replace the user's token of the same client name"
        )
        revoke = actions.add_parser("revoke", help="delete a user's token(s)")
        revoke.add_argument("username")
        which = revoke.add_mutually_exclusive_group()
        which.add_argument("--all", dest="every", action="store_true", help="every token of the user")
        which.add_argument("--key", metavar="PREFIX", help="the token whose prefix (see list) starts so")
        which.add_argument("--name", help="the user's token of this client name")
        listing = actions.add_parser("list", help="list tokens (prefixes only, never a secret)")
        listing.add_argument("username", nargs="?")

    def _user(self, username: str):
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"没有用户“{username}”") from None

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    @transaction.atomic
    def _create(self, *, username: str, name: str, days: int | None, rotate: bool, **options):
        user = self._user(username)
        ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()  # useless now
        name = name.strip()
        client = f"客户端“{name}”" if name else "未命名客户端"
        existing = ApiToken.objects.filter(user=user, name=name)
        if existing.exists() and not rotate:
            first = existing.earliest("created")
            raise CommandError(
                f"“{username}”已有{client}的令牌（{first.token_key}…，创建于 {_when(first.created)}）；"
                "要换成新令牌请加 --rotate，要作废请用 revoke，另一个客户端请用 --name 区分"
            )
        existing.delete()
        ttl = datetime.timedelta(days=days or settings.API_TOKEN_TTL_DAYS)
        token, secret = ApiToken.objects.create(user=user, expiry=ttl, name=name)
        self.stdout.write(secret)
        self.stderr.write(
            f"已为“{username}”创建{client}的令牌（前缀 {token.token_key}…，到期 {_when(token.expiry)}）。"
            "密钥只显示这一次，请立即交给客户端保存；请求时使用请求头：Authorization: Token <key>"
        )

    @transaction.atomic
    def _revoke(self, *, username: str, every: bool, key: str | None, name: str | None, **options):
        user = self._user(username)
        tokens = ApiToken.objects.filter(user=user)
        if not tokens.exists():
            raise CommandError(f"“{username}”没有令牌")
        if key is not None:
            key = key.strip().rstrip("…")
            if not key:
                raise CommandError("--key 需要令牌前缀（见 api_token list）")
            tokens = tokens.filter(token_key__startswith=key)
            if not tokens.exists():
                raise CommandError(f"“{username}”没有前缀为 {key} 的令牌")
            if tokens.count() > 1:
                raise CommandError(f"前缀 {key} 对应“{username}”的多个令牌，请写出更长的前缀")
        elif name is not None:
            tokens = tokens.filter(name=name.strip())
            if not tokens.exists():
                raise CommandError(f"“{username}”没有客户端“{name}”的令牌")
        elif not every and tokens.count() > 1:
            raise CommandError(
                f"“{username}”有 {tokens.count()} 个令牌：用 --key <前缀> 或 --name <客户端> 指定一个，"
                "或用 --all 全部作废（api_token list 列出它们）"
            )
        deleted, _ = tokens.delete()
        self.stdout.write(f"已作废“{username}”的 {deleted} 个令牌")

    def _list(self, *, username: str | None = None, **options):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created")
        if username:
            tokens = tokens.filter(user=self._user(username))
        now = timezone.now()
        found = False
        for token in tokens:
            if not found:
                self.stdout.write("用户\t客户端\t前缀\t创建时间\t到期时间")
            found = True
            expired = "（已过期）" if token.expiry <= now else ""
            self.stdout.write(
                f"{token.user.get_username()}\t{token.name or '-'}\t{token.token_key}…\t"
                f"{_when(token.created)}\t{_when(token.expiry)}{expired}"
            )
        if not found:
            self.stdout.write("没有令牌")
