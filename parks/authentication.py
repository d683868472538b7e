"""The REST API's token authentication: django-rest-knox's, with ``Authorization: Token <key>`` as before.

Two changes to knox 5.1's class. It decodes the presented token as UTF-8 without a guard, so a header
carrying other bytes ended in a 500; here it is the 401 any bad token gets (as rest_framework.authtoken
answered). And on every request it read all the user's other tokens too, to delete the expired ones: one
query more per API request; here only the presented token is checked (an expired one is deleted and
refused), and ``api_token create`` clears a user's expired tokens instead. The OpenAPI schema
keeps calling the scheme ``tokenAuth`` (drf-spectacular's knox extension matches knox's class only, not a
subclass, and would name it otherwise), so generated clients do not change either.
"""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed() from None
        return super().authenticate_credentials(token)

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
