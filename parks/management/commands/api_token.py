"""Create, revoke and list REST API tokens (the same tokens as 管理后台 → 令牌).

python manage.py api_token create alice            # prints the key (a user has at most one)
python manage.py api_token create alice --rotate   # replaces an existing key
python manage.py api_token revoke alice
python manage.py api_token list [alice]            # who has a token, since when (keys not shown)
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Create (or rotate), revoke and list REST API tokens."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token for a user and print its key")
        create.add_argument("username")
        create.add_argument("--rotate", action="store_true", help="replace the user's existing token")
        revoke = actions.add_parser("revoke", help="delete a user's token")
        revoke.add_argument("username")
        listing = actions.add_parser("list", help="list tokens (keys are not shown)")
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
    def _create(self, *, username: str, rotate: bool, **options):
        user = self._user(username)
        existing = Token.objects.filter(user=user).first()
        if existing is not None and not rotate:
            raise CommandError(
                f"“{username}”已有令牌（创建于 {existing.created:%Y-%m-%d %H:%M}）；"
                "要换成新令牌请加 --rotate，要作废请用 revoke"
            )
        if existing is not None:
            existing.delete()
        token = Token.objects.create(user=user)
        self.stdout.write(token.key)
        self.stderr.write(f"已为“{username}”创建令牌。请求时使用请求头：Authorization: Token <key>")

    def _revoke(self, *, username: str, **options):
        user = self._user(username)
        deleted, _ = Token.objects.filter(user=user).delete()
        if not deleted:
            raise CommandError(f"“{username}”没有令牌")
        self.stdout.write(f"已作废“{username}”的令牌")

    def _list(self, *, username: str | None = None, **options):
        tokens = Token.objects.select_related("user").order_by("user__username")
        if username:
            tokens = tokens.filter(user=self._user(username))
        found = False
        for token in tokens:
            found = True
            self.stdout.write(
                f"{token.user.get_username()}\t{token.created:%Y-%m-%d %H:%M:%S}\t{token.key[:6]}…"
            )
        if not found:
            self.stdout.write("没有令牌")
