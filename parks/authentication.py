"""The REST API's token authentication: django-rest-knox's, with ``Authorization: Token <key>`` as before.

Two changes to knox 5.1's class. It decodes the presented token as UTF-8 without a guard, so a header
carrying other bytes ended in a 500; here it is the 401 any bad token gets (as rest_framework.authtoken
answered). And on every request it read all the user's other tokens too, to delete the expired ones: one
query more per API request; here only the presented token is checked (an expired one is deleted and
refused), and ``api_token create`` clears a user's expired tokens instead. The OpenAPI schema
keeps calling the scheme ``tokenAuth`` (drf-spectacular's knox extension matches knox's class only, not a
subclass, and would name it otherwise), so generated clients do not change either.

Token lookups are cached (issue 15): a presented token's user and token row are kept in Django's cache
(Redis when REDIS_URL is set, shared by every process; otherwise this process's memory) for
``API_TOKEN_CACHE_SECONDS`` (60 by default), keyed by the token's knox digest (a SHA-512 hash; never
the secret), so a client that calls again within that time costs no token query. The entry is never
trusted past the token's expiry, and it is dropped at once (now and again on commit) when the token is
saved or deleted (revoked), and every entry when a user, a group, their permissions, a role or a region
scope changes (a new generation: ``parks.grants_cache.forget_all_grants``); signals in
``parks.apps``. Without a shared cache, another process may accept a revoked token for up to
``API_TOKEN_CACHE_SECONDS``; production runs with Redis.
"""

import binascii
import logging

from django.contrib.auth import backends as auth_backends
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.settings import knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from parks.grants_cache import cache_seconds, cached_for_user, current_entry, keep, now_and_on_commit

logger = logging.getLogger(__name__)


def _token_key(digest: str) -> str:
    return f"auth:token:{digest}"


def forget_token(digest: str) -> None:
    """Drop the cached lookup of one token (saved, deleted or revoked)."""
    now_and_on_commit(lambda: cache.delete(_token_key(digest)), "drop a token")


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        try:
            digest = hash_token(token.decode("utf-8"))
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed() from None
        seconds = 0 if knox_settings.AUTO_REFRESH else cache_seconds()  # a refreshed row changes
        key, current, entry = _token_key(digest), None, None
        if seconds:
            current, entry = current_entry(key)
        if entry is not None:
            user, auth_token = entry
            if auth_token.expiry > timezone.now() and user.is_active:
                auth_token.user = user
                return user, auth_token
        user, auth_token = super().authenticate_credentials(token)  # refuses expired and inactive
        if current is not None:
            left = int((auth_token.expiry - timezone.now()).total_seconds())
            if left > 0:
                keep(key, current, (user, auth_token), min(seconds, left))
        return user, auth_token

    def _cleanup_token(self, auth_token) -> bool:
        """True (and the token deleted) when the presented token has expired."""
        if auth_token.expiry is None or auth_token.expiry > timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )


class ModelBackend(auth_backends.ModelBackend):
    """Django's permission backend, with each user's permissions cached (``parks.grants_cache``): the
    navigation asks for a permission on every page, which cost two queries a request."""

    def get_all_permissions(self, user_obj, obj=None):
        if (
            obj is not None
            or not user_obj.is_active
            or user_obj.is_anonymous
            or hasattr(user_obj, "_perm_cache")
        ):
            return super().get_all_permissions(user_obj, obj)
        user_obj._perm_cache = cached_for_user(
            "perms", user_obj.pk, lambda: super(ModelBackend, self).get_all_permissions(user_obj)
        )
        return user_obj._perm_cache
